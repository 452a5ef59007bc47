// A real LSP client for protocol tests: spawns `node dist/cli.js lsp --stdio`, speaks JSON-RPC
// over its stdio, answers the server's own requests (progress tokens, registrations,
// configuration) and records what the server pushes (diagnostics, progress, indexChanged).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type MessageConnection,
  type ClientCapabilities,
} from 'vscode-languageserver-protocol/node';
import type { StatsResult } from '../../shared/protocol';

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
  /** More workspace folders (multi-root). */
  moreFolders?: string[];
  /** Answer `workspace/configuration` with these sections (by name). */
  configuration?: Record<string, unknown>;
}

export class LspTestClient {
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly progress: { token: unknown; value: { kind: string; percentage?: number; message?: string } }[] = [];
  readonly indexChanged: StatsResult[] = [];
  readonly registrations: { method: string; registerOptions?: unknown }[] = [];
  stderr = '';
  private versions = new Map<string, number>();

  private constructor(
    readonly proc: ChildProcess,
    readonly connection: MessageConnection,
    private readonly cacheHome: string,
  ) {}

  static async start(folder: string, options: ClientOptions = {}): Promise<LspTestClient> {
    const cacheHome = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-lsp-cache-'));
    const proc = spawn(process.execPath, [cliPath, 'lsp', '--stdio'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    });
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const client = new LspTestClient(proc, connection, cacheHome);
    proc.stderr!.on('data', (d: Buffer) => (client.stderr += d.toString()));
    connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
      client.diagnostics.set(p.uri, p.diagnostics);
    });
    connection.onNotification('$/progress', (p: LspTestClient['progress'][number]) => {
      client.progress.push(p);
    });
    connection.onNotification('refscope/indexChanged', (p: StatsResult) => {
      client.indexChanged.push(p);
    });
    connection.onNotification('window/logMessage', () => undefined);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('client/registerCapability', (p: { registrations: { method: string; registerOptions?: unknown }[] }) => {
      client.registrations.push(...p.registrations);
      return null;
    });
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((item) => (item.section ? (options.configuration?.[item.section] ?? null) : null)),
    );
    connection.listen();
    const capabilities: ClientCapabilities = {
      window: { workDoneProgress: true },
      workspace: { configuration: options.configuration !== undefined, didChangeWatchedFiles: { dynamicRegistration: options.watchesFiles === true } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: {} },
    };
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: fileUri(folder),
      workspaceFolders: [folder, ...(options.moreFolders ?? [])].map((f) => ({ uri: fileUri(f), name: path.basename(f) })),
      capabilities,
      initializationOptions: options.initializationOptions ?? { cacheDir: path.join(cacheHome, 'index') },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** Opens a file (its disk text unless `text` is given). */
  async open(file: string, text?: string, languageId = 'plaintext'): Promise<string> {
    const uri = fileUri(file);
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', {
      textDocument: { uri, languageId, version: 1, text: text ?? fs.readFileSync(file, 'utf8') },
    });
    return uri;
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
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
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 1000))]);
      await this.connection.sendNotification('exit');
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
