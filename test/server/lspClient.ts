// A real LSP client for protocol tests: spawns `node dist/cli.js lsp --stdio`, speaks JSON-RPC
// over its stdio, answers the server's own requests (progress tokens, registrations,
// configuration) and records what the server pushes (diagnostics, progress, indexChanged).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest,
  createMessageConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
  type CompletionItem,
  type CompletionList,
  type Definition,
  type Diagnostic,
  type Hover,
  type Location,
  type LocationLink,
  type SymbolInformation,
  type WorkspaceSymbol,
  type MessageConnection,
  type ClientCapabilities,
  type RequestParam,
  type RequestType,
} from 'vscode-languageserver-protocol/node';
import { IndexChangedNotification, type StatsResult } from '../../shared/protocol';
import { serverEnv } from '../../shared/serverEnv';

export const repoRoot = path.join(__dirname, '..', '..', '..');
export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

export const fileUri = (p: string) => pathToFileURL(p).href;

/** Polls `condition` until it returns something truthy, or fails after `deadlineMs`. */
export async function waitFor<T>(condition: () => T | undefined | false | Promise<T | undefined | false>, deadlineMs: number, what: string): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface ClientOptions {
  initializationOptions?: unknown;
  /** Announce `workspace.didChangeWatchedFiles.dynamicRegistration` (then the server relies on us to report changes). */
  watchesFiles?: boolean;
  /** Announce `workspace.workspaceFolders` (then the client may send folder changes). */
  sendsFolderChanges?: boolean;
  /** More workspace folders (multi-root). */
  moreFolders?: string[];
  /** Answer `workspace/configuration` with these sections (by name). */
  configuration?: Record<string, unknown>;
  /** Node options for the server process only (the bench profiles it with `--cpu-prof`). */
  nodeArgs?: string[];
  /** The server's build (default this checkout's `dist/cli.js`; the bench A/Bs another build's). */
  cli?: string;
}

export class LspTestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  /** Every diagnostics publication, in order (a test may empty it to see what comes next). */
  readonly published: { uri: string; diagnostics: Diagnostic[] }[] = [];
  readonly progress: { token: unknown; value: { kind: string; percentage?: number; message?: string } }[] = [];
  readonly indexChanged: StatsResult[] = [];
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  stderr = '';
  private versions = new Map<string, number>();
  /** Who waits for the next publication of a URI (nextDiagnostics). */
  private readonly diagnosticsWaiters = new Map<string, ((d: Diagnostic[]) => void)[]>();

  private constructor(
    readonly proc: ChildProcess,
    readonly connection: MessageConnection,
    private readonly cacheHome: string,
  ) {}

  static async start(folder: string, options: ClientOptions = {}): Promise<LspTestClient> {
    const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-lsp-cache-'));
    const proc = spawn(process.execPath, [...(options.nodeArgs ?? []), options.cli ?? cliPath, 'lsp', '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // As the editor starts it (shared/serverEnv.ts): tests and the bench measure the server users run.
      env: serverEnv({ ...process.env, XDG_CACHE_HOME: cacheHome }),
    });
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspTestClient(proc, connection, cacheHome);
    proc.stderr!.on('data', (d: Buffer) => (client.stderr += d.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.diagnostics.set(p.uri, p.diagnostics);
      client.published.push({ uri: p.uri, diagnostics: p.diagnostics });
      const waiters = client.diagnosticsWaiters.get(p.uri);
      client.diagnosticsWaiters.delete(p.uri);
      for (const resolve of waiters ?? []) resolve(p.diagnostics);
    });
    // No handler per token is registered, so every `$/progress` arrives here, in order.
    connection.onUnhandledProgress((p) => {
      client.progress.push(p as LspTestClient['progress'][number]);
    });
    connection.onNotification(IndexChangedNotification.type, (p) => {
      client.indexChanged.push(p);
    });
    connection.onNotification(LogMessageNotification.type, () => undefined);
    connection.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    connection.onRequest(RegistrationRequest.type, (p) => {
      for (const r of p.registrations) client.registrations.push(r);
    });
    connection.onRequest(ConfigurationRequest.type, (p) =>
      p.items.map((item) => (item.section ? (options.configuration?.[item.section] ?? null) : null)),
    );
    connection.listen();
    const capabilities: ClientCapabilities = {
      window: { workDoneProgress: true },
      workspace: {
        configuration: options.configuration !== undefined,
        didChangeWatchedFiles: { dynamicRegistration: options.watchesFiles === true },
        workspaceFolders: options.sendsFolderChanges === true,
      },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {} },
    };
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: fileUri(folder),
      workspaceFolders: [folder, ...(options.moreFolders ?? [])].map((f) => ({ uri: fileUri(f), name: path.basename(f) })),
      capabilities,
      initializationOptions: options.initializationOptions ?? { cacheDir: path.join(cacheHome, 'index') },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Sends a request typed by its shared (`shared/protocol`) or standard (`XRequest.type`) type. */
  request<P, R, E>(type: RequestType<P, R, E>, params: RequestParam<P>): Promise<R> {
    return this.connection.sendRequest(type, params);
  }

  /** Opens a file (its disk text unless `text` is given). */
  async open(file: string, text?: string, languageId = 'plaintext'): Promise<string> {
    const uri = fileUri(file);
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text: text ?? fs.readFileSync(file, 'utf8') },
    });
    return uri;
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /**
   * The next diagnostics publication for `uri`, as soon as it arrives (waitForDiagnostics polls
   * every 10 ms, too coarse for timing one).
   */
  nextDiagnostics(uri: string, deadlineMs = 30000): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${deadlineMs} ms waiting for diagnostics of ${uri}`)), deadlineMs);
      const waiters = this.diagnosticsWaiters.get(uri) ?? [];
      waiters.push((d) => {
        clearTimeout(timer);
        resolve(d);
      });
      this.diagnosticsWaiters.set(uri, waiters);
    });
  }

  /** Waits for a diagnostics publication for `uri` that satisfies `accept`. */
  waitForDiagnostics(uri: string, accept: (d: Diagnostic[]) => boolean, deadlineMs = 5000): Promise<Diagnostic[]> {
    return waitFor(() => {
      const d = this.diagnostics.get(uri);
      return d && accept(d) ? d : undefined;
    }, deadlineMs, `diagnostics of ${uri}`);
  }

  /** Shuts the server down cleanly; kills it if it does not exit within a second. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.proc.exitCode !== null ? resolve() : this.proc.once('exit', () => resolve())));
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 1000))]);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // the server is already gone
    }
    const timer = setTimeout(() => this.proc.kill(), 1000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
    fs.rmSync(this.cacheHome, { recursive: true, force: true });
  }
}

/** Position of the first occurrence of `needle` in `text` (plus `offset` characters). */
export function positionOf(text: string, needle: string, offset = 0): { line: number; character: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle.slice(0, 40)}' not in text`);
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

/** The server's answer, failing the test where it answered null (the protocol allows it). */
export function answered<T>(value: T | null | undefined, what = 'an answer'): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, the server answered null`);
  return value;
}

/** The single Location a definition answered (Refscope never answers a list or links). */
export function oneLocation(definition: Definition | LocationLink[] | null): Location {
  const loc = answered(definition, 'a definition');
  if (Array.isArray(loc)) throw new Error(`expected one Location, got ${JSON.stringify(loc)}`);
  return loc;
}

/** The items of a completion answer, a list or a bare array. */
export function completionItems(answer: CompletionList | CompletionItem[] | null): CompletionItem[] {
  const list = answered(answer, 'completions');
  return Array.isArray(list) ? list : list.items;
}

/** A hover's Markdown (Refscope answers MarkupContent of kind markdown). */
export function hoverMarkdown(hover: Hover | null): string {
  const contents = answered(hover, 'a hover').contents;
  if (typeof contents !== 'object' || Array.isArray(contents) || !('kind' in contents) || contents.kind !== 'markdown') {
    throw new Error(`expected Markdown hover contents, got ${JSON.stringify(contents)}`);
  }
  return contents.value;
}

/** The file URI of each workspace symbol answered. */
export function symbolUris(answer: SymbolInformation[] | WorkspaceSymbol[] | null): string[] {
  return answered(answer, 'workspace symbols').map((s) => s.location.uri);
}
