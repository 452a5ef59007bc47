// Standard LSP features -> services. Each handler finds the document and the ref under the
// cursor, waits for the index (bounded, see IndexHost.get) and asks the service.
import { MarkupKind, type TextDocumentPositionParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Occurrence } from '../../shared/records';
import type { ServerContext } from '../context';
import { uriToPath } from '../paths';
import { codeLenses } from '../services/codeLens';
import { completeRef } from '../services/completion';
import { hoverMarkdown, runParts } from '../services/hover';
import { definition, range, targetOf } from '../services/definition';
import { runIdAt } from '../session/documentRefs';
import { isResolveRun, type ResolveRun } from '../../shared/protocol';
import type { RefIndex } from '../../shared/index/api';
import { pathToUri } from '../paths';
import { documentLinks } from '../services/documentLinks';
import { references, type OpenText } from '../services/references';
import { workspaceSymbols } from '../services/workspaceSymbols';

export function registerFeatures(ctx: ServerContext): void {
  const { connection, documents, refs, host } = ctx;

  const refAt = (p: TextDocumentPositionParams): { doc: TextDocument; occurrence: Occurrence } | undefined => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return undefined;
    const occurrence = refs.occurrenceAt(doc, p.position);
    return occurrence && { doc, occurrence };
  };

  /** A run id under the cursor that is no ref (a UUID, free text) and names a run the index knows. */
  const runAt = async (p: TextDocumentPositionParams): Promise<{ index: RefIndex; run: ResolveRun; range: ReturnType<typeof range> } | undefined> => {
    const doc = documents.get(p.textDocument.uri);
    const found = doc && runIdAt(doc, p.position);
    if (!found) return undefined;
    const index = await host.get();
    const r = index.resolve(found.runId);
    return isResolveRun(r) ? { index, run: r, range: found.range } : undefined;
  };

  connection.onHover(async (p) => {
    const found = refAt(p);
    if (!found) {
      const run = await runAt(p);
      return run ? { contents: { kind: MarkupKind.Markdown, value: runParts(run.run).join('\n\n') }, range: run.range } : null;
    }
    const index = await host.get();
    const { occurrence: o } = found;
    return {
      contents: { kind: MarkupKind.Markdown, value: await hoverMarkdown(index, o, ctx.settings) },
      range: { start: { line: o.line, character: o.col }, end: { line: o.line, character: o.endCol } },
    };
  });

  connection.onDefinition(async (p) => {
    const found = refAt(p);
    if (!found) {
      const run = await runAt(p);
      return (run && targetOf(run.run)) ?? null;
    }
    return definition(await host.get(), found.occurrence) ?? null;
  });

  connection.onReferences(async (p) => {
    const found = refAt(p);
    if (!found) {
      const run = await runAt(p);
      return run ? run.index.references(run.run.runId).map((l) => ({ uri: pathToUri(l.path), range: range(l.line, l.col, l.endCol) })) : null;
    }
    const index = await host.get();
    const open: OpenText[] = documents.all().map((d) => ({ uri: d.uri, occurrences: refs.occurrences(d) }));
    return references(index, found.occurrence, open, p.context.includeDeclaration);
  });

  connection.onDocumentLinks(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const occurrences = refs.occurrences(doc);
    if (!occurrences.length) return [];
    return documentLinks(await host.get(), occurrences);
  });

  connection.onWorkspaceSymbol(async (p) => workspaceSymbols(await host.get(), p.query));

  connection.onCompletion(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc) return null;
    const linePrefix = doc.getText({ start: { line: p.position.line, character: 0 }, end: p.position });
    if (!linePrefix.includes('sha256:')) return null;
    return completeRef(await host.get(), linePrefix, p.position.line, p.position.character) ?? null;
  });

  connection.onCodeLens(async (p) => {
    const path = uriToPath(p.textDocument.uri);
    if (!path || !ctx.settings.codeLens) return [];
    return codeLenses(await host.get(), path);
  });
}
