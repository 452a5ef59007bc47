// Initialize, settings, background indexing with work-done progress, and file changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver';
import type { IndexOptions } from '../../shared/index/api';
import { IndexChangedNotification } from '../../shared/protocol';
import type { ServerContext } from '../context';
import { uriToPath } from '../paths';
import { FileWatcher, PathBatcher } from '../session/fileWatcher';
import { defaultCacheDir, mergeSettings, parseSettings, type ServerSettings } from '../session/settings';
import { collectGarbage } from '../../shared/heapGrowth';
import { warmUpHovers, warmUpMasking } from '../services/warmUp';

const CONFIG_WAIT_MS = 2000;
const PROGRESS_INTERVAL_MS = 100;
const CHANGED_NOTIFY_MS = 200;
const CATCH_UP_MARGIN_MS = 1000;

export function registerLifecycle(ctx: ServerContext): void {
  const { connection, host, log } = ctx;
  let initSettings = parseSettings(undefined);
  let clientWatches = false;
  let clientConfiguration = false;
  let clientFolders = false;
  const batcher = new PathBatcher((paths) => void host.update(paths));
  const watcher = new FileWatcher((paths) => batcher.add(paths), log);

  const startIndex = async () => {
    const settings = ctx.settings;
    // Empty lists are left out so that, with no settings, the persisted index is the one
    // `refscope index` writes for the same folder (the index keys its cache by these options).
    const { folders } = ctx;
    const runtimeRoots = inFolders(settings.runtimeRoots, folders);
    const stateDirs = inFolders(settings.stateDirs, folders);
    const options: IndexOptions = {
      folders,
      ...(runtimeRoots.length ? { runtimeRoots } : {}),
      ...(stateDirs.length ? { stateDirs } : {}),
      ...(settings.exclude.length ? { exclude: settings.exclude } : {}),
      cacheDir: settings.cacheDir ?? defaultCacheDir(folders),
      readInWorkers: true,
      orderLookups: true,
      ...(settings.maxParseMB ? { maxParseBytes: Math.round(settings.maxParseMB * 1024 * 1024) } : {}),
      // Left out when empty, as above: the CLI keys the same persisted index without them.
      ...(settings.keyLists.pointerKeys || settings.keyLists.fingerprintKeys ? { keyLists: settings.keyLists } : {}),
    };
    const progress = ctx.clientProgress ? await connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
    progress?.begin('Refscope: indexing', 0, 'discovering runtime roots', false);
    options.onProgress = progressReporter(progress);
    const started = Date.now();
    // Before a request sees ready: the first hovers' masking, scan and lookups then run compiled
    // code. A warm-up that fails is logged by the host (a request meeting the same fault answers with an error).
    const stats = await host.start(options, async () => {
      await Promise.all([warmUpMasking(), warmUpHovers(host.current(), () => ctx.settings)]);
      // What the load and the warm-up left: left to V8, it came as incremental marking and a
      // mark-compact pause among the first hovers after ready.
      collectGarbage();
    });
    progress?.done();
    log(`refscope: indexed in ${Date.now() - started} ms: ${stats ? `${stats.artifacts} artifacts, ${stats.events} events` : 'failed'}`);
    if (!clientWatches) {
      const index = host.current();
      // Our own watcher covers the runtime roots and state dirs; clients that watch files
      // tell us about the rest of the workspace.
      if (index) {
        const stats = index.stats();
        // What was written between the build's listing and the watches (an agent does not wait
        // for us) raised no event: the watcher reports what was modified since the build began
        // (a second early, for file systems whose clock is coarse).
        // The folders the index found as it holds them are watched without being listed again (1M artifacts: 3.8-6 s of listing).
        await watcher.watch([...stats.roots, ...(stats.stateDirs ?? [])], started - CATCH_UP_MARGIN_MS, index.listedFolders());
      }
    }
  };

  ctx.restartIndex = startIndex;

  const fetchSettings = async (): Promise<ServerSettings> => {
    if (!clientConfiguration) return initSettings;
    const ask = connection.workspace.getConfiguration([{ section: 'refscope' }, { section: 'files.exclude' }, { section: 'http' }]) as Promise<unknown[]>;
    const answer = await Promise.race([ask, new Promise<undefined>((r) => setTimeout(() => r(undefined), CONFIG_WAIT_MS).unref())]).catch(() => undefined);
    if (!answer) return initSettings;
    return mergeSettings(initSettings, parseSettings(answer[0], answer[1], answer[2]));
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    ctx.folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
    if (!ctx.folders.length) {
      const root = params.rootUri ? uriToPath(params.rootUri) : (params.rootPath ?? undefined);
      if (root) ctx.folders = [root];
    }
    initSettings = parseSettings(params.initializationOptions);
    ctx.trusted = (params.initializationOptions as { trusted?: unknown } | undefined)?.trusted === true;
    ctx.settings = initSettings;
    const caps = params.capabilities;
    clientWatches = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    clientConfiguration = caps.workspace?.configuration === true;
    ctx.clientProgress = caps.window?.workDoneProgress === true;
    clientFolders = caps.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        documentLinkProvider: { resolveProvider: false },
        workspaceSymbolProvider: true,
        completionProvider: { triggerCharacters: [':'] },
        codeLensProvider: { resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'refscope' },
    };
  });

  connection.onInitialized(() => {
    if (clientWatches) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
    } else watcher.start();
    // The workspace-folders feature exists only once the client said it sends folder changes.
    if (clientFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        const removed = new Set(event.removed.map((f) => uriToPath(f.uri)));
        const added = event.added.map((f) => uriToPath(f.uri)).filter((x): x is string => !!x);
        void restartIfChanged(ctx.settings, [...ctx.folders.filter((f) => !removed.has(f)), ...added]);
      });
    }
    void (async () => {
      ctx.settings = await fetchSettings();
      await startIndex();
    })();
  });

  connection.onDidChangeWatchedFiles((p) => {
    batcher.add(p.changes.map((c) => uriToPath(c.uri)).filter((x): x is string => !!x));
  });

  const restartIfChanged = async (next: ServerSettings, nextFolders: string[]) => {
    // Lenses, the diagnostics cap, previews and network settings change what is shown or fetched, not what the index holds.
    const indexed = (s: ServerSettings) => JSON.stringify({ ...s, codeLens: 0, maxProblemsPerFile: 0, maskSecrets: 0, hidePreviewsAt: 0, network: 0 });
    const indexChanged = indexed(next) !== indexed(ctx.settings) || nextFolders.join('\0') !== ctx.folders.join('\0');
    ctx.settings = next;
    if (!indexChanged) return;
    ctx.folders = nextFolders;
    await startIndex();
  };

  connection.onDidChangeConfiguration((p) => {
    void (async () => {
      const next = clientConfiguration ? await fetchSettings() : mergeSettings(initSettings, parseSettings(p.settings));
      await restartIfChanged(next, ctx.folders);
    })();
  });

  // While an agent writes the index changes several times a second: the status bar and views
  // need the counts a few times a second, not once per change.
  let statsTimer: NodeJS.Timeout | undefined;
  host.onDidChange(() => {
    statsTimer ??= setTimeout(() => {
      statsTimer = undefined;
      const index = host.current();
      if (index) void connection.sendNotification(IndexChangedNotification.type, index.stats());
    }, CHANGED_NOTIFY_MS);
  });

  connection.onShutdown(async () => {
    clearTimeout(statsTimer);
    batcher.dispose();
    watcher.dispose();
    await host.close();
  });
}

/**
 * Setting paths as users write them: a relative one (`agent/runtime`) means a folder of the
 * workspace, not of the server's working directory, so it is taken in every workspace folder
 * where it exists (else in the first, where a missing folder is reported).
 */
function inFolders(paths: string[], folders: string[]): string[] {
  return paths.flatMap((p) => {
    if (path.isAbsolute(p) || folders.length === 0) return [p];
    const candidates = folders.map((f) => path.resolve(f, p));
    const existing = candidates.filter((c) => fs.existsSync(c));
    return existing.length ? existing : [candidates[0]];
  });
}

/** Turns the index's (done, total) callbacks into throttled work-done reports. */
function progressReporter(progress: WorkDoneProgressServerReporter | undefined): IndexOptions['onProgress'] {
  if (!progress) return undefined;
  let last = 0;
  return (done, total, message) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && done < total) return;
    last = now;
    progress.report(total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0, message);
  };
}
