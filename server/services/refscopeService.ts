// The language features over the index, in vscode-json-languageservice's shape: one object,
// one method per feature, taking a document and a position and answering in LSP types. It
// never touches a connection: the handlers wire it to one, and tests call it directly with
// a real index and real files. I/O comes in through the parameters (the index, the settings,
// the file system), so nothing here reaches for the server's state.
import * as fs from 'node:fs';
import type { CodeLens, CompletionList, Diagnostic, DocumentLink, Hover, Location, Position, SymbolInformation } from 'vscode-languageserver';
import { MarkupKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { RefIndex } from '../../shared/index/api';
import type { ResolvedRun } from '../../shared/index/resolution';
import type { PreviewSettings } from '../../shared/preview/contentPreview';
import type { Trace } from '../../shared/index/answers';
import { keyRulesFor, type KeyLists } from '../../shared/refs/refRole';
import { pathToUri, uriToPath } from '../paths';
import { DocumentRefs, runIdAt } from '../session/documentRefs';
import { codeLenses } from './codeLens';
import { completeRef } from './completion';
import { definition, locationTo, range } from './definition';
import { capDiagnostics, DEFAULT_MAX_PROBLEMS_PER_FILE, documentDiagnostics, savedFileDiagnostics, type FileSystem } from './diagnostics';
import { documentLinks } from './documentLinks';
import { hoverMarkdown, runParts } from './hover';
import { references } from './references';
import { workspaceSymbols } from './workspaceSymbols';

/** The settings the features read (a subset of the server's `refscope.*` settings). */
export interface FeatureSettings extends PreviewSettings {
  keyLists: KeyLists;
  /** `refscope.codeLens.enabled`. */
  codeLens: boolean;
  /** `refscope.maxProblemsPerFile`; unset: the default (CONTRACT 3). */
  maxProblemsPerFile?: number;
}

export interface RefscopeServiceParams {
  /** The index to answer from (the server's waits, bounded, for a running build). */
  index(): Promise<RefIndex>;
  /** The current settings, read on every request (the client may change them). */
  settings(): FeatureSettings;
  /** How saved files are read, to tell whether an open document is what the index read; default: Node's fs. */
  fileSystem?: FileSystem;
}

export interface RefscopeService {
  doHover(document: TextDocument, position: Position): Promise<Hover | null>;
  findDefinition(document: TextDocument, position: Position): Promise<Location | null>;
  /** Every place holding the ref under the cursor; `openDocuments` are read from their (unsaved) text. */
  /** The places a ref is cited, as they are found (a ref with 100k referrers is a 10 MB answer). */
  findReferences(document: TextDocument, position: Position, includeDeclaration: boolean, openDocuments: TextDocument[]): Promise<Iterable<Location> | null>;
  findDocumentLinks(document: TextDocument): Promise<DocumentLink[]>;
  doComplete(document: TextDocument, position: Position): Promise<CompletionList | null>;
  findWorkspaceSymbols(query: string): Promise<SymbolInformation[]>;
  /** Lenses at the top of an artifact file, by its URI. */
  findCodeLenses(uri: string): Promise<CodeLens[]>;
  /** The document's diagnostics, capped per file (CONTRACT 3). */
  doValidation(document: TextDocument): Promise<Diagnostic[]>;
  /** A request's or a run's trace (`refscope/trace`), with paths: the handler makes its wire shape. */
  trace(ref: string): Promise<Trace>;
  /** Drops what was scanned of a closed document. */
  forgetDocument(uri: string): void;
}

/** Bytes read per piece when an open document is compared with its file (see FileSystem.readPieces). */
const PIECE_BYTES = 64 * 1024;

const nodeFileSystem: FileSystem = {
  stat: (path) => fs.statSync(path, { throwIfNoEntry: false }),
  *readPieces(path) {
    const fd = fs.openSync(path, 'r');
    try {
      const piece = Buffer.allocUnsafe(PIECE_BYTES);
      for (let n; (n = fs.readSync(fd, piece, 0, PIECE_BYTES, null)) > 0; ) yield piece.subarray(0, n);
    } finally {
      fs.closeSync(fd);
    }
  },
};

export function createRefscopeService(params: RefscopeServiceParams): RefscopeService {
  const { index, settings } = params;
  const files = params.fileSystem ?? nodeFileSystem;
  const refs = new DocumentRefs(() => keyRulesFor(settings().keyLists));

  /** A run id under the cursor that is no ref (a UUID, free text: CONTRACT 1.8) and names a run the index knows. */
  const runAt = async (doc: TextDocument, position: Position): Promise<{ index: RefIndex; run: ResolvedRun; range: Hover['range'] } | undefined> => {
    const found = runIdAt(doc, position);
    if (!found) return undefined;
    const idx = await index();
    const r = idx.resolve(found.runId);
    return r.type === 'run' ? { index: idx, run: r, range: found.range } : undefined;
  };

  return {
    async doHover(doc, position) {
      const o = refs.occurrenceAt(doc, position);
      if (!o) {
        const run = await runAt(doc, position);
        return run ? { contents: { kind: MarkupKind.Markdown, value: runParts(run.run).join('\n\n') }, range: run.range } : null;
      }
      return { contents: { kind: MarkupKind.Markdown, value: await hoverMarkdown(await index(), o, settings()) }, range: range(o.line, o.col, o.endCol) };
    },

    async findDefinition(doc, position) {
      const o = refs.occurrenceAt(doc, position);
      if (!o) {
        const run = await runAt(doc, position);
        return (run && locationTo(run.run)) ?? null;
      }
      return definition(await index(), o) ?? null;
    },

    async findReferences(doc, position, includeDeclaration, openDocuments) {
      const o = refs.occurrenceAt(doc, position);
      if (!o) {
        const run = await runAt(doc, position);
        return run ? run.index.references(run.run.runId).map((l) => ({ uri: pathToUri(l.path), range: range(l.line, l.col, l.endCol) })) : null;
      }
      const open = openDocuments.map((d) => ({ uri: d.uri, occurrences: refs.occurrences(d) }));
      return references(await index(), o, open, includeDeclaration);
    },

    async findDocumentLinks(doc) {
      const occurrences = refs.occurrences(doc);
      return occurrences.length ? documentLinks(await index(), occurrences) : [];
    },

    async doComplete(doc, position) {
      const linePrefix = doc.getText({ start: { line: position.line, character: 0 }, end: position });
      if (!linePrefix.includes('sha256:')) return null;
      return completeRef(await index(), linePrefix, position.line, position.character) ?? null;
    },

    async findWorkspaceSymbols(query) {
      return workspaceSymbols(await index(), query);
    },

    async findCodeLenses(uri) {
      const path = uriToPath(uri);
      if (!path || !settings().codeLens) return [];
      return codeLenses(await index(), path);
    },

    async doValidation(doc) {
      const idx = await index();
      const cap = settings().maxProblemsPerFile ?? DEFAULT_MAX_PROBLEMS_PER_FILE;
      const path = uriToPath(doc.uri);
      const text = doc.getText();
      return (path && savedFileDiagnostics(idx, path, text, cap, files)) || capDiagnostics(documentDiagnostics(idx, path, refs.refs(doc), refs.rules()), cap);
    },

    async trace(ref) {
      return (await index()).trace(ref);
    },

    forgetDocument(uri) {
      refs.forget(uri);
    },
  };
}
