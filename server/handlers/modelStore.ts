// `refscope/pull` and `refscope/gc` (CONTRACT 3, 5): the server owns the model store, so a pull
// or a GC and the index that shows the store change in one process. Both are refused with
// `untrusted` until the client says the workspace is trusted (initializationOptions.trusted,
// refscope/trustChanged). Failures are LSP errors whose `data.code` is the pull or GC code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LSPErrorCodes, ResponseError, type ProgressToken, type WorkDoneProgressReporter } from 'vscode-languageserver';
import { collectGarbage, GcError, indexRootsFor, progressText, pullModel, PullError } from '../../shared/models';
import { createHttpLayer, type HttpLayer } from '../../shared/models/httpClient';
import { manifestPath, storePaths } from '../../shared/models/storePaths';
import { GcRequest, PullRequest, TrustChangedNotification, type GcParams, type StoreErrorData } from '../../shared/protocol';
import type { ServerContext } from '../context';

const PROGRESS_INTERVAL_MS = 250;

function storeError(code: string, message: string): ResponseError<StoreErrorData> {
  return new ResponseError(code === 'cancelled' ? LSPErrorCodes.RequestCancelled : LSPErrorCodes.RequestFailed, message, { code });
}

function asStoreError(err: unknown): ResponseError<StoreErrorData> {
  if (err instanceof PullError || err instanceof GcError) return storeError(err.code, err.message);
  return storeError('io_error', (err as Error)?.message ?? String(err));
}

const optionalNumber = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

export function registerModelStore(ctx: ServerContext): void {
  const { connection, host } = ctx;
  let http: { key: string; layer: HttpLayer } | undefined;
  // One connection pool per set of network settings: they change only when the user edits http.*.
  const httpLayer = () => {
    const key = JSON.stringify(ctx.settings.network);
    if (http?.key !== key) http = { key, layer: createHttpLayer(ctx.settings.network) };
    return http.layer;
  };

  connection.onNotification(TrustChangedNotification.type, (p) => {
    ctx.trusted = p?.trusted === true;
  });

  const refuseUntrusted = (action: string) => {
    if (!ctx.trusted) throw storeError('untrusted', `${action} is disabled: the workspace is not trusted (read-only mode)`);
  };

  /** The store a request names (relative to the first folder), else the index's only one, else `state/` in the first folder. */
  const stateDirFor = async (asked: unknown): Promise<string> => {
    const folder = ctx.folders[0] ?? process.cwd();
    if (typeof asked === 'string' && asked) return path.resolve(folder, asked);
    const known = (await host.get()).stats().stateDirs ?? [];
    if (known.length === 1) return known[0];
    if (known.length > 1) throw storeError('invalid_args', `the workspace has ${known.length} state dirs; say which one in stateDir`);
    return path.join(folder, 'state');
  };

  /** Tells the index what a store operation changed, and waits until it has taken it in. */
  const reindexStore = async (stateDir: string, changed: string[]) => {
    const index = await host.get();
    const known = (index.stats().stateDirs ?? []).map((d) => path.resolve(d));
    // A store the index did not know (the first pull into a new state dir) needs discovery
    // again: a restart, which re-reads only what changed since the persisted index.
    if (!known.includes(path.resolve(stateDir))) await ctx.restartIndex();
    else await host.update(changed);
  };

  /** Progress on the client's token, else on one the server asks for, else none. */
  const pullProgress = async (token: ProgressToken | undefined): Promise<WorkDoneProgressReporter | undefined> => {
    if (token !== undefined) return connection.window.attachWorkDoneProgress(token);
    return ctx.clientProgress ? connection.window.createWorkDoneProgress().catch(() => undefined) : undefined;
  };

  connection.onRequest(PullRequest.type, async (params, token) => {
    refuseUntrusted('Pull Model');
    const stateDir = await stateDirFor(params?.stateDir);
    const workDone = await pullProgress(params?.workDoneToken);
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    workDone?.begin(`Pulling ${params.id}`, 0, 'checking', true);
    let last = 0;
    const partsBefore = modelsEntries(stateDir);
    try {
      const result = await pullModel({
        stateDir,
        id: params.id,
        url: params.url,
        sha256: params.sha256,
        provider: typeof params.provider === 'string' ? params.provider : undefined,
        preflight: params.preflight !== false,
        quotaMb: optionalNumber(params.quotaMb),
        maxMb: optionalNumber(params.maxMb),
        signal: abort.signal,
        http: httpLayer(),
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < PROGRESS_INTERVAL_MS && p.status === 'downloading') return;
          last = now;
          workDone?.report(p.total ? Math.min(100, Math.floor((p.received / p.total) * 100)) : 0, progressText(p));
        },
      });
      const paths = storePaths(stateDir);
      await reindexStore(stateDir, [result.path, manifestPath(paths, result.id), paths.eventsFile, ...changedEntries(stateDir, partsBefore)]);
      return { status: result.status, sha256: result.sha256, bytes: result.bytes, path: result.path };
    } catch (err) {
      await reindexStore(stateDir, [storePaths(stateDir).eventsFile, ...changedEntries(stateDir, partsBefore)]).catch(() => undefined);
      throw err instanceof ResponseError ? err : asStoreError(err);
    } finally {
      cancelled.dispose();
      workDone?.done();
    }
  });

  connection.onRequest(GcRequest.type, async (params: GcParams) => {
    refuseUntrusted('Garbage-Collect Model Store');
    const stateDir = await stateDirFor(params?.stateDir);
    const ttlDays = params?.ttlDays;
    if (typeof ttlDays !== 'number' || !Number.isFinite(ttlDays) || ttlDays < 0) throw storeError('invalid_args', 'ttlDays must be a number of days, 0 or more');
    const index = await host.get();
    const byHash = storePaths(stateDir).byHashDir;
    const blobsBefore = params.dryRun ? [] : listNames(byHash);
    const partsBefore = params.dryRun ? [] : modelsEntries(stateDir);
    try {
      const report = await collectGarbage({
        stateDir,
        ttlDays,
        quotaMb: optionalNumber(params.quotaMb),
        dryRun: params.dryRun === true,
        explain: params.explain === true,
        extraRoots: indexRootsFor(index, stateDir),
      });
      if (!params.dryRun) {
        const gone = new Set(listNames(byHash));
        const deleted = blobsBefore.filter((n) => !gone.has(n)).map((n) => path.join(byHash, n));
        await reindexStore(stateDir, [...deleted, storePaths(stateDir).eventsFile, ...changedEntries(stateDir, partsBefore)]);
      }
      return report;
    } catch (err) {
      throw asStoreError(err);
    }
  });
}

function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The files directly in `<state>/models` (manifests, partials, locks): few, unlike by-hash/. */
function modelsEntries(stateDir: string): string[] {
  return listNames(storePaths(stateDir).modelsDir).filter((n) => n !== 'by-hash');
}

/** Entries of `<state>/models` that appeared or went since `before`. */
function changedEntries(stateDir: string, before: string[]): string[] {
  const now = modelsEntries(stateDir);
  const was = new Set(before);
  const is = new Set(now);
  const modelsDir = storePaths(stateDir).modelsDir;
  return [...before.filter((n) => !is.has(n)), ...now.filter((n) => !was.has(n))].map((n) => path.join(modelsDir, n));
}
