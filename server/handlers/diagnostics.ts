// Publishes diagnostics: open documents from their text (at once on open, shortly after
// edits), and every other indexed file from the index's problems, refreshed when the index
// changes. Across the workspace only integrity problems (mismatch, broken chain, bad digest,
// malformed, invalid manifest) are published on their own; `refscope/verify` adds the ref
// problems (dangling, ambiguous, invalid, non-canonical), which a large workspace has by the
// thousand. A file that no longer has problems gets an empty list, so nothing stale stays.
// After a build every file is visited; after an update only the files the index says it
// touched (an agent writing changes a few files at a time, and the workspace has 100k).
import type { Diagnostic } from 'vscode-languageserver';
import type { IndexChange, RefIndex } from '../../shared/index/api';
import type { Problem } from '../../shared/records';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { ANSWERING_SLICE_MS, timeSlices } from '../../shared/index/timeSlices';
import type { ServerContext } from '../context';
import { pathToUri, uriToPath } from '../paths';
import { DEFAULT_MAX_PROBLEMS_PER_FILE, problemsToDiagnostics, workspaceDiagnostics } from '../services/diagnostics';

const EDIT_QUIET_MS = 150;
const INDEX_QUIET_MS = 100;
/** Listing every problem of a large workspace takes a few hundred ms: not on every keystroke's save. */
const WORKSPACE_QUIET_MS = 500;
const REF_CODES = new Set(['invalid-ref', 'dangling-ref', 'non-canonical', 'ambiguous-ref']);

export class DiagnosticsPublisher {
  private readonly editTimers = new Map<string, NodeJS.Timeout>();
  /** The version last diagnosed per open document (didOpen also fires a content change). */
  private readonly diagnosedVersion = new Map<string, number>();
  private documentsTimer: NodeJS.Timeout | undefined;
  private workspaceTimer: NodeJS.Timeout | undefined;
  /** What each URI shows now (serialized), so unchanged lists are not sent again. */
  private shown = new Map<string, string>();
  /** Set by `refscope/verify`: from then on ref problems are published workspace-wide too. */
  private includeRefProblems = false;
  /** The workspace pass under way. */
  private publishing: Promise<number> | undefined;
  /** Files whose problems changed since the last workspace pass began ('all': any file's may have, after a build). */
  private changedFiles: Set<string> | 'all' = 'all';

  constructor(private readonly ctx: ServerContext) {}

  /** `refscope.maxProblemsPerFile`: diagnostics per file past which one summary stands for the rest. */
  private get cap(): number {
    return this.ctx.settings.maxProblemsPerFile ?? DEFAULT_MAX_PROBLEMS_PER_FILE;
  }

  register(): void {
    const { documents } = this.ctx;
    documents.onDidOpen((e) => void this.publishDocument(e.document));
    documents.onDidChangeContent((e) => this.schedule(e.document));
    documents.onDidClose((e) => {
      clearTimeout(this.editTimers.get(e.document.uri));
      this.editTimers.delete(e.document.uri);
      this.ctx.service.forgetDocument(e.document.uri);
      this.diagnosedVersion.delete(e.document.uri);
      this.republishClosed(e.document.uri);
    });
    this.ctx.host.onDidChange((change) => this.scheduleAll(change));
  }

  private schedule(doc: TextDocument): void {
    if (this.diagnosedVersion.get(doc.uri) === doc.version) return;
    clearTimeout(this.editTimers.get(doc.uri));
    this.editTimers.set(
      doc.uri,
      setTimeout(() => {
        this.editTimers.delete(doc.uri);
        const current = this.ctx.documents.get(doc.uri);
        if (current) void this.publishDocument(current);
      }, EDIT_QUIET_MS),
    );
  }

  async publishDocument(doc: TextDocument): Promise<void> {
    this.diagnosedVersion.set(doc.uri, doc.version);
    await this.ctx.host.get();
    const current = this.ctx.documents.get(doc.uri);
    if (!current || current.version !== doc.version) return; // a newer version is on its way
    const diagnostics = await this.ctx.service.doValidation(doc);
    this.remember(doc.uri, JSON.stringify(diagnostics), diagnostics.length);
    await this.ctx.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  /** After an index change: open documents may resolve differently, and file problems moved. */
  private scheduleAll(change: IndexChange): void {
    if (!change.problemFiles) this.changedFiles = 'all';
    else if (this.changedFiles !== 'all') for (const file of change.problemFiles) this.changedFiles.add(file);
    clearTimeout(this.documentsTimer);
    this.documentsTimer = setTimeout(() => {
      for (const doc of this.ctx.documents.all()) void this.publishDocument(doc);
    }, INDEX_QUIET_MS);
    clearTimeout(this.workspaceTimer);
    this.workspaceTimer = setTimeout(() => void this.publishWorkspace(), WORKSPACE_QUIET_MS);
  }

  /**
   * Publishes the index's problems for the files not open whose problems changed since the last
   * pass, or for every file when `includeRefProblems` (`refscope/verify`: ref problems too, from
   * now on, and the count of every problem is its answer); returns how many problems were
   * published. The pass yields to the event loop every few milliseconds, so hovers are
   * answered while it runs (an agent writing keeps changing the index); a pass asked for while
   * one runs waits for it and then makes its own (or takes one that started after it).
   */
  async publishWorkspace(includeRefProblems = false): Promise<number> {
    if (includeRefProblems) {
      this.includeRefProblems = true;
      this.changedFiles = 'all';
    }
    const running = this.publishing;
    if (running) {
      await running;
      // A pass that started after this call covers it.
      if (this.publishing && this.publishing !== running) return this.publishing;
    }
    const pass = this.publishWorkspacePass();
    this.publishing = pass;
    try {
      return await pass;
    } finally {
      if (this.publishing === pass) this.publishing = undefined;
    }
  }

  private async publishWorkspacePass(): Promise<number> {
    const index = this.ctx.host.current();
    if (!index) return 0;
    const changed = this.changedFiles;
    this.changedFiles = new Set();
    // A hover that arrives meanwhile waits for the rest of a slice (8 ms slices made the first hovers' p99).
    const pause = timeSlices(ANSWERING_SLICE_MS);
    if (changed !== 'all') {
      let count = 0;
      for (const file of changed) {
        const uri = pathToUri(file);
        if (this.ctx.documents.get(uri)) continue;
        const diagnostics = this.indexDiagnostics(index, file);
        count += diagnostics.length;
        await this.send(uri, diagnostics);
        await pause();
      }
      return count;
    }
    const includeRefProblems = this.includeRefProblems;
    const published = new Set<string>();
    let count = 0;
    for (const [file, diagnostics] of workspaceDiagnostics(index, this.cap, includeRefProblems, (p) => this.shownAcrossWorkspace(p))) {
      count += diagnostics.length;
      published.add(file);
      const uri = pathToUri(file);
      // One notification on its way at a time: the connection writes messages in order, one per
      // write callback, so a pass that queued thousands of them put every hover's reply behind
      // them all (first hovers after ready waited 10-50 ms).
      if (!this.ctx.documents.get(uri)) await this.send(uri, diagnostics);
      await pause();
    }
    for (const uri of [...this.shown.keys()]) {
      const path = uriToPath(uri);
      if (path && !published.has(path) && !this.ctx.documents.get(uri)) await this.send(uri, []);
    }
    return count;
  }

  /** A closed document shows the index's problems again (or nothing). */
  private republishClosed(uri: string): void {
    const index = this.ctx.host.current();
    const path = uriToPath(uri);
    void this.send(uri, index && path ? this.indexDiagnostics(index, path) : []);
  }

  /** A file's problems as the workspace shows them (capped); cross-file ones are all ref problems, left out until verify. */
  private indexDiagnostics(index: RefIndex, path: string): Diagnostic[] {
    return problemsToDiagnostics(index.problems(path, this.includeRefProblems).filter((p) => this.shownAcrossWorkspace(p)), this.cap);
  }

  private shownAcrossWorkspace(p: Problem): boolean {
    return this.includeRefProblems || !REF_CODES.has(p.code);
  }

  /** Sends unless the URI shows these already; resolves once the notification is written. */
  private async send(uri: string, diagnostics: Diagnostic[]): Promise<void> {
    const serialized = JSON.stringify(diagnostics);
    if ((this.shown.get(uri) ?? '[]') === serialized) return;
    this.remember(uri, serialized, diagnostics.length);
    await this.ctx.connection.sendDiagnostics({ uri, diagnostics });
  }

  private remember(uri: string, serialized: string, count: number): void {
    if (count) this.shown.set(uri, serialized);
    else this.shown.delete(uri);
  }
}
