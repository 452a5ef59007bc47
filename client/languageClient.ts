// Starts the Refscope language server from the bundled CLI (`dist/cli.js lsp --stdio`) and
// keeps it running: a crash restarts it, up to a few times a few minutes, after which the
// user is told and can restart it with "Rebuild Index".
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { serverEnv } from '../shared/serverEnv';
import { REFSCOPE_COMMANDS } from './commandIds';

const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/** The settings the server reads at start (and again on every configuration change). */
export function serverSettings(): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration('refscope');
  const http = vscode.workspace.getConfiguration('http');
  return {
    // Pulls run in the server: it needs the editor's proxy settings (CONTRACT 5, Networks).
    http: { proxy: http.get<string>('proxy'), proxyStrictSSL: http.get<boolean>('proxyStrictSSL'), noProxy: http.get<string[]>('noProxy') },
    runtimeRoots: cfg.get<string[]>('runtimeRoots', []),
    stateDirs: cfg.get<string[]>('stateDirs', []),
    exclude: cfg.get<string[]>('exclude', []),
    maxParseMB: cfg.get<number>('maxParseMB', 64),
    codeLens: cfg.get<boolean>('codeLens.enabled', true),
    pointerKeys: cfg.get<string[]>('pointerKeys', []),
    fingerprintKeys: cfg.get<string[]>('fingerprintKeys', []),
    maxProblemsPerFile: cfg.get<number>('maxProblemsPerFile', 1000),
    maskSecrets: cfg.get<boolean>('maskSecrets', true),
    hidePreviewsAtSensitivity: cfg.get<string>('hidePreviewsAtSensitivity', 'secret'),
    // Only the patterns switched on: `files.exclude` maps a glob to true/false.
    filesExclude: Object.entries(vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude', {}))
      .filter(([, on]) => on === true)
      .map(([glob]) => glob),
  };
}

class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  error(error: Error): ErrorHandlerResult {
    this.output.appendLine(`connection error: ${error.message}`);
    return { action: ErrorAction.Continue };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restarts.length >= MAX_RESTARTS) {
      return {
        action: CloseAction.DoNotRestart,
        message: `The Refscope language server stopped ${MAX_RESTARTS + 1} times in ${RESTART_WINDOW_MS / 60000} minutes; see the "Refscope" output. Run "Refscope: Rebuild Index" to start it again.`,
      };
    }
    this.restarts.push(now);
    this.output.appendLine('language server stopped; restarting it');
    return { action: CloseAction.Restart, handled: true };
  }
}

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  // TransportKind.stdio appends `--stdio`, so the server runs as `cli.js lsp --stdio`.
  // The extension host's environment with the server's malloc setting (shared/serverEnv.ts: it keeps a big load's freed memory from staying resident).
  const run = { module: cli, args: ['lsp'], transport: TransportKind.stdio, options: { env: serverEnv(process.env) } };
  const serverOptions: ServerOptions = { run, debug: run };
  const cacheDir = (context.storageUri ?? context.globalStorageUri).fsPath;
  const clientOptions: LanguageClientOptions = {
    // Refs appear in any text file: JSON, logs, source code of any language, Markdown.
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    // Untrusted until the editor says otherwise: the server refuses pulls and GC (trust.ts tells it of a grant).
    initializationOptions: { cacheDir, trusted: vscode.workspace.isTrusted, ...serverSettings() },
    synchronize: {
      configurationSection: ['refscope', 'http'],
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{json,jsonl,meta,bin,db,sqlite,sqlite3,part}'),
    },
    outputChannel: output,
    errorHandler: new RestartingErrorHandler(output),
    // Hovers carry artifact text (escaped by the server). No HTML, and the only command links
    // that may run are Refscope's own.
    markdown: { isTrusted: { enabledCommands: [...REFSCOPE_COMMANDS] }, supportHtml: false },
  };
  return new LanguageClient('refscope', 'Refscope', serverOptions, clientOptions);
}
