// Language server entry: create the connection, build the services, listen.
import { createConnection, ProposedFeatures, TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createIndex } from '../shared/index/workspaceIndex';
import type { ServerContext } from './context';
import { registerCustomRequests } from './handlers/customRequests';
import { DiagnosticsPublisher } from './handlers/diagnostics';
import { registerFeatures } from './handlers/features';
import { registerLifecycle } from './handlers/lifecycle';
import { DocumentRefs } from './session/documentRefs';
import { IndexHost } from './session/indexHost';
import { keyRulesFor } from '../shared/refs/refRole';
import { parseSettings } from './session/settings';

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  const log = (message: string) => connection.console.log(message);
  const ctx: ServerContext = {
    connection,
    documents: new TextDocuments(TextDocument),
    refs: new DocumentRefs(() => keyRulesFor(ctx.settings.keyLists)),
    host: new IndexHost(createIndex, log),
    settings: parseSettings(undefined),
    log,
  };
  const diagnostics = new DiagnosticsPublisher(ctx);
  registerLifecycle(ctx);
  registerFeatures(ctx);
  diagnostics.register();
  registerCustomRequests(ctx, diagnostics);
  ctx.documents.listen(connection);
  connection.listen();
}
