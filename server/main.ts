// Language server entry: create the connection, build the services, listen.
import { TextDocuments } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createIndex } from '../shared/index/workspaceIndex';
import type { ServerContext } from './context';
import { registerCustomRequests } from './handlers/customRequests';
import { DiagnosticsPublisher } from './handlers/diagnostics';
import { registerFeatures } from './handlers/features';
import { registerLifecycle } from './handlers/lifecycle';
import { registerModelStore } from './handlers/modelStore';
import { createRefscopeService } from './services/refscopeService';
import { IndexHost } from './session/indexHost';
import { parseSettings } from './session/settings';
import { createStdioConnection } from './stdioConnection';
import { warmUp } from './services/warmUp';

export function startServer(): void {
  const connection = createStdioConnection();
  const log = (message: string) => connection.console.log(message);
  const host = new IndexHost(createIndex, log);
  const ctx: ServerContext = {
    connection,
    documents: new TextDocuments(TextDocument),
    host,
    service: createRefscopeService({ index: () => host.get(), settings: () => ctx.settings }),
    settings: parseSettings(undefined),
    folders: [],
    trusted: false,
    clientProgress: false,
    restartIndex: async () => undefined, // set by registerLifecycle, which knows how to start the index
    log,
  };
  const diagnostics = new DiagnosticsPublisher(ctx);
  registerLifecycle(ctx);
  registerFeatures(ctx);
  diagnostics.register();
  registerCustomRequests(ctx, diagnostics);
  registerModelStore(ctx);
  ctx.documents.listen(connection);
  connection.listen();
  // After the first messages are read: the index is built meanwhile, and ready comes long after.
  setImmediate(warmUp);
}
