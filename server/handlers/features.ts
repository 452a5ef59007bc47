// Standard LSP features -> the Refscope service (services/refscopeService.ts). Each handler
// finds the document and hands it, with the position, to the service; the service waits for
// the index (bounded, see IndexHost.get) and answers.
import type { ServerContext } from '../context';

export function registerFeatures(ctx: ServerContext): void {
  const { connection, documents, service } = ctx;

  connection.onHover(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? service.doHover(doc, p.position) : null;
  });

  connection.onDefinition(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? service.findDefinition(doc, p.position) : null;
  });

  connection.onReferences(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? service.findReferences(doc, p.position, p.context.includeDeclaration, documents.all()) : null;
  });

  connection.onDocumentLinks(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? service.findDocumentLinks(doc) : null;
  });

  connection.onWorkspaceSymbol(async (p) => service.findWorkspaceSymbols(p.query));

  connection.onCompletion(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    return doc ? service.doComplete(doc, p.position) : null;
  });

  // Lenses are on the file (an artifact's own facts), open or not.
  connection.onCodeLens(async (p) => service.findCodeLenses(p.textDocument.uri));
}
