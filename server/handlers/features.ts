// Standard LSP features -> the Refscope service (services/refscopeService.ts). Each handler
// finds the document and hands it, with the position, to the service; the service waits for
// the index (bounded, see IndexHost.get) and answers.
import { setImmediate as turn } from 'node:timers/promises';
import { ProgressType, ReferencesRequest, type Location } from 'vscode-languageserver';
import type { ServerContext } from '../context';
import { packedLocations } from '../services/packedLocations';

/** Locations per partial result of a references request. */
const REFERENCES_PAGE = 1000;
/** A page of a references answer, sent as a partial result. */
const PAGE = new ProgressType<Location[]>();

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

  // As a plain request: the library's onReferences takes the partial result token out of the
  // params for a reporter that drops what each send returns, the promise that it was written.
  connection.onRequest(ReferencesRequest.type, async (p) => {
    const doc = documents.get(p.textDocument.uri);
    const locations = doc && (await service.findReferences(doc, p.position, p.context.includeDeclaration, documents.all()));
    if (!locations) return null;
    const token = p.partialResultToken;
    if (token === undefined) return packedLocations(locations);
    // A ref with 100k referrers is a 10 MB answer: a client that asked for partial results gets
    // the first page as soon as it is found, and the server answers other requests between pages.
    // The next page is made once the last is written: made as fast as they were found, the pages
    // waited in the stream for the client to read them, 14 MB at once that outlived the young
    // generation and stayed until a full collection.
    let page: Location[] = [];
    for (const l of locations) {
      page.push(l);
      if (page.length < REFERENCES_PAGE) continue;
      await Promise.all([connection.sendProgress(PAGE, token, page), turn()]);
      page = [];
    }
    if (page.length) await connection.sendProgress(PAGE, token, page);
    return []; // everything went out as partial results (LSP: the final answer is then empty)
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
