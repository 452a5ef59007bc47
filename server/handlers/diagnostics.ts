// Publishes diagnostics: open documents from their text (at once on open, shortly after
// edits), and every other indexed file from the index's problems, refreshed when the index
// changes. A file that no longer has problems gets an empty list, so nothing stale stays.
import type { Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ServerContext } from '../context';
import { pathToUri, uriToPath } from '../paths';
import { documentDiagnostics, problemToDiagnostic, workspaceDiagnostics } from '../services/diagnostics';

const EDIT_QUIET_MS = 150;
const INDEX_QUIET_MS = 100;

export class DiagnosticsPublisher {
  private readonly editTimers = new Map<string, NodeJS.Timeout>();
  private workspaceTimer: NodeJS.Timeout | undefined;
  /** URIs that currently show workspace (index) problems. */
  private workspaceUris = new Set<string>();

  constructor(private readonly ctx: ServerContext) {}

  register(): void {
    const { documents } = this.ctx;
    documents.onDidOpen((e) => void this.publishDocument(e.document));
    documents.onDidChangeContent((e) => this.schedule(e.document));
    documents.onDidClose((e) => {
      clearTimeout(this.editTimers.get(e.document.uri));
      this.editTimers.delete(e.document.uri);
      this.ctx.refs.forget(e.document.uri);
      this.republishClosed(e.document.uri);
    });
    this.ctx.host.onDidChange(() => this.scheduleAll());
  }

  private schedule(doc: TextDocument): void {
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
    const index = await this.ctx.host.get();
    const current = this.ctx.documents.get(doc.uri);
    if (!current || current.version !== doc.version) return; // a newer version is on its way
    const diagnostics = documentDiagnostics(index, uriToPath(doc.uri), doc.getText(), this.ctx.refs.occurrences(doc));
    await this.ctx.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
  }

  /** After an index change: open documents may resolve differently, and file problems moved. */
  private scheduleAll(): void {
    clearTimeout(this.workspaceTimer);
    this.workspaceTimer = setTimeout(() => {
      for (const doc of this.ctx.documents.all()) void this.publishDocument(doc);
      this.publishWorkspace();
    }, INDEX_QUIET_MS);
  }

  /** Publishes the index's problems for every file not open; returns how many problems there are in all. */
  publishWorkspace(): number {
    const index = this.ctx.host.current();
    if (!index) return 0;
    const byFile = workspaceDiagnostics(index);
    const next = new Set<string>();
    let count = 0;
    for (const [file, diagnostics] of byFile) {
      count += diagnostics.length;
      const uri = pathToUri(file);
      next.add(uri);
      if (!this.ctx.documents.get(uri)) this.send(uri, diagnostics);
    }
    for (const uri of this.workspaceUris) if (!next.has(uri) && !this.ctx.documents.get(uri)) this.send(uri, []);
    this.workspaceUris = next;
    return count;
  }

  /** A closed document shows the index's problems again (or nothing). */
  private republishClosed(uri: string): void {
    const index = this.ctx.host.current();
    const path = uriToPath(uri);
    const diagnostics = index && path ? index.problems(path).map(problemToDiagnostic) : [];
    this.send(uri, diagnostics);
  }

  private send(uri: string, diagnostics: Diagnostic[]): void {
    void this.ctx.connection.sendDiagnostics({ uri, diagnostics });
  }
}
