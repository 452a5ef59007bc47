// `pullModel`: the one implementation behind `refscope pull` and the extension's "Pull
// Model…" (CONTRACT 5). Order matters for crash safety: the blob is renamed into `by-hash/`
// only once verified, the manifest is written only once the blob is there, and the event is
// appended only once the manifest is. A crash at any point leaves a state the next pull or
// GC understands.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fsyncDir } from '../fs/atomicWrite';
import { findBlob, storeBytes, type BlobFile } from './blobStore';
import { acquireLock } from './digestLock';
import { errnoCode, PullError } from './errors';
import { appendEvent } from './events';
import { environmentHttp, type HttpLayer } from './httpClient';
import { listManifestFiles, readManifest, readManifestRoots, sameManifest, writeManifest, type ModelManifest } from './manifest';
import { expectedSeconds, readMetrics, recordFailure, recordTransfer } from './metrics';
import { extensionOf, fileNameFromContentDisposition, fileNameFromUrl, normaliseSha256, validateMegabytes, validateModelId, validateSha256, validateUrl } from './names';
import { adoptPartial, removePartial } from './partMeta';
import { ProgressMeter, type PullProgress } from './progress';
import { SingleFlight } from './singleFlight';
import { blobFileName, lockPath, partMetaPath, partPath, storePaths, type StorePaths } from './storePaths';
import { hashPrefix, syncWriter, transferToPart, type PartWriter } from './transfer';

export interface PullOptions {
  stateDir: string;
  id: string;
  url: string;
  sha256: string;
  provider?: string;
  /** HEAD first to learn the size and refuse oversize pulls before any transfer. */
  preflight?: boolean;
  /** Refuse when the store's blobs plus this download would exceed this many MB (10^6 bytes). */
  quotaMb?: number;
  /** Refuse a download larger than this many MB. */
  maxMb?: number;
  /** Refuse up front when the recorded throughput says the download cannot finish in time. */
  timeBudgetMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: PullProgress) => void;
  http?: HttpLayer;
  writer?: PartWriter;
  /** No byte for this long aborts an attempt (default 10 s, as huggingface_hub's read timeout). */
  stallTimeoutMs?: number;
  /** Connection failures tolerated in a row (default 4: 0.5 + 1 + 2 + 4 s of backoff). */
  retries?: number;
  /** First retry delay, doubled each time (default 500 ms). */
  backoffMs?: number;
  /** Downloads at least this large hash in a worker thread (default 32 MiB given 2+ cores, else never). */
  workerHashMinBytes?: number;
}

export interface PullResult {
  status: 'downloaded' | 'cached';
  id: string;
  sha256: string;
  path: string;
  bytes: number;
  manifest: ModelManifest;
}

interface BlobOutcome {
  status: 'downloaded' | 'cached';
  blob: BlobFile;
  name?: string;
}

const MB = 1e6;
const DEFAULT_STALL_MS = 10_000;
const flights = new SingleFlight<BlobOutcome, PullProgress>();

/** Why these options cannot start a pull, or undefined (the CLI turns this into a usage error). */
export function validatePullOptions(o: Pick<PullOptions, 'id' | 'url' | 'sha256' | 'quotaMb' | 'maxMb' | 'timeBudgetMs'>): string | undefined {
  return (
    validateSha256(o.sha256) ??
    validateModelId(o.id) ??
    validateUrl(o.url) ??
    validateMegabytes(o.quotaMb, 'quota') ??
    validateMegabytes(o.maxMb, 'max size') ??
    (o.timeBudgetMs !== undefined && !(o.timeBudgetMs > 0) ? 'the time budget must be a positive number of milliseconds' : undefined)
  );
}

export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const invalid = validatePullOptions(opts);
  if (invalid) throw new PullError('invalid_args', invalid);
  const sha256 = normaliseSha256(opts.sha256);
  const paths = storePaths(opts.stateDir);
  fs.mkdirSync(paths.byHashDir, { recursive: true });
  const key = `${fs.realpathSync(paths.stateDir)}\0${sha256}`;
  const outcome = await flights.join(key, (signal, emit) => ensureBlob(paths, { ...opts, sha256 }, signal, emit), opts.signal, opts.onProgress);
  const manifest = recordManifest(paths, opts, sha256, outcome);
  opts.onProgress?.({ received: outcome.blob.size, total: outcome.blob.size, bytesPerSec: 0, status: 'done' });
  return { status: outcome.status, id: opts.id, sha256, path: outcome.blob.path, bytes: outcome.blob.size, manifest };
}

/** Write `<id>.json` unless an identical one is there, then announce it. */
function recordManifest(paths: StorePaths, opts: PullOptions, sha256: string, outcome: BlobOutcome): ModelManifest {
  const existing = readManifest(paths, opts.id);
  const manifest: ModelManifest = {
    id: opts.id,
    file: outcome.blob.name,
    ...(outcome.name ? { name: outcome.name } : existing?.sha256 === sha256 && existing.name ? { name: existing.name } : {}),
    path: outcome.blob.path,
    url: opts.url,
    sha256,
    cas: 'sha256',
    bytes: outcome.blob.size,
    provider: opts.provider ?? existing?.provider ?? 'unknown',
    verified: true,
  };
  if (sameManifest(existing, manifest)) return existing!;
  try {
    writeManifest(paths, manifest);
  } catch (err) {
    throw new PullError('io_error', `the blob is stored at ${outcome.blob.path} but its manifest could not be written: ${(err as Error).message}`);
  }
  appendEvent(paths, 'models.manifest.written', { id: manifest.id, sha256, path: manifest.path, bytes: manifest.bytes, provider: manifest.provider, status: outcome.status });
  return manifest;
}

/**
 * The stored blob if it can be trusted: its size matches a manifest that names it, or (an
 * orphan, e.g. a pull killed before its manifest) its bytes hash to its name. Touched so a
 * GC running now sees it as young.
 */
function cachedBlob(paths: StorePaths, sha256: string, id: string): BlobFile | undefined {
  const blob = findBlob(paths, sha256);
  if (!blob) return undefined;
  if (!vouchedByManifest(paths, sha256, id, blob.size) && hashPrefix(blob.path, blob.size) !== sha256) return undefined;
  const now = new Date();
  try {
    fs.utimesSync(blob.path, now, now);
  } catch {
    // Read-only store: the blob is still usable.
  }
  return blob;
}

/** A valid manifest (this id's first) names the digest with the blob's size. */
function vouchedByManifest(paths: StorePaths, sha256: string, id: string, size: number): boolean {
  const own = readManifest(paths, id);
  if (own?.sha256 === sha256 && own.bytes === size) return true;
  for (const file of listManifestFiles(paths)) {
    try {
      const m = readManifestRoots(paths, file);
      if (!m.invalid && m.digests.includes(sha256) && m.bytes === size) return true;
    } catch {
      // An unreadable manifest vouches for nothing.
    }
  }
  return false;
}

/** HEAD: the size the server announces, or undefined (HEAD refused, failed, or silent). */
async function preflightSize(http: HttpLayer, url: string, signal: AbortSignal, timeoutMs: number): Promise<number | undefined> {
  try {
    const res = await http.request(url, { method: 'HEAD', headers: { 'accept-encoding': 'identity', 'user-agent': 'refscope' }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    res.discard();
    if (res.status !== 200 || (res.headers['content-encoding'] ?? 'identity') !== 'identity') return undefined;
    const n = Number(res.headers['content-length']);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    if (signal.aborted) throw new PullError('cancelled', 'pull cancelled');
    return undefined; // the GET will tell
  }
}

/** The size checks of `--max-mb` and `--quota-mb`, given the store's current size. */
function sizeChecker(opts: PullOptions, storeTotal: number): (bytes: number, known: boolean) => void {
  return (bytes, known) => {
    const what = known ? `the download is ${(bytes / MB).toFixed(2)} MB` : `the download passed ${(bytes / MB).toFixed(2)} MB`;
    if (opts.maxMb !== undefined && bytes > opts.maxMb * MB) {
      throw new PullError('size_limit', `${what}, over the limit of ${opts.maxMb} MB`, { bytes, max_mb: opts.maxMb });
    }
    if (opts.quotaMb !== undefined && storeTotal + bytes > opts.quotaMb * MB) {
      throw new PullError('quota_exceeded', `${what} and the store holds ${(storeTotal / MB).toFixed(2)} MB: over the quota of ${opts.quotaMb} MB`, {
        bytes,
        store_bytes: storeTotal,
        quota_mb: opts.quotaMb,
      });
    }
  };
}

/** The name a server gives the file: Content-Disposition, else the URL asked for, unless only the URL redirected to has an extension. */
function blobName(url: string, result: { contentDisposition?: string; finalUrl?: string }): string | undefined {
  const fromHeader = fileNameFromContentDisposition(result.contentDisposition);
  if (fromHeader) return fromHeader;
  const asked = fileNameFromUrl(url);
  const answered = result.finalUrl ? fileNameFromUrl(result.finalUrl) : undefined;
  return !extensionOf(asked) && extensionOf(answered) ? answered : asked;
}

/** Errors outside the transfer (committing, locking) as pull errors: a full disk stays `no_space`. */
function toPullError(err: unknown): PullError {
  if (err instanceof PullError) return err;
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new PullError('no_space', `no space left on the device: ${(err as Error).message}`);
  return new PullError('io_error', (err as Error).message);
}

async function ensureBlob(paths: StorePaths, opts: PullOptions & { sha256: string }, signal: AbortSignal, emit: (p: PullProgress) => void): Promise<BlobOutcome> {
  const { sha256 } = opts;
  const meter = new ProgressMeter(emit);
  meter.update('checking', 0);
  const cached = cachedBlob(paths, sha256, opts.id);
  if (cached) return { status: 'cached', blob: cached };

  const http = opts.http ?? environmentHttp();
  const storeTotal = opts.quotaMb !== undefined ? storeBytes(paths) : 0;
  const checkSize = sizeChecker(opts, storeTotal);
  if (opts.preflight || opts.timeBudgetMs !== undefined) {
    const size = await preflightSize(http, opts.url, signal, opts.stallTimeoutMs ?? DEFAULT_STALL_MS);
    if (size !== undefined) {
      checkSize(size, true);
      const secs = opts.timeBudgetMs !== undefined ? expectedSeconds(readMetrics(paths), size) : undefined;
      if (secs !== undefined && secs * 1000 > opts.timeBudgetMs!) {
        throw new PullError('admission_denied', `the download (${(size / MB).toFixed(1)} MB) would take about ${secs.toFixed(1)} s at the recorded ${readMetrics(paths).ewma_mbps.toFixed(1)} MB/s, over the budget of ${(opts.timeBudgetMs! / 1000).toFixed(1)} s`);
      }
    }
  }

  const lock = await acquireLock(lockPath(paths, sha256), signal, 50, () => meter.update('waiting', 0));
  const partFile = partPath(paths, sha256);
  const metaFile = partMetaPath(paths, sha256);
  try {
    const afterWait = cachedBlob(paths, sha256, opts.id);
    if (afterWait) return { status: 'cached', blob: afterWait };
    adoptPartial(paths.modelsDir, sha256, partFile, metaFile);
    appendEvent(paths, 'models.download.started', { id: opts.id, sha256, url: opts.url });
    const started = Date.now();
    let lastEventAt = started;
    const result = await transferToPart({
      url: opts.url,
      sha256,
      partFile,
      metaFile,
      http,
      writer: opts.writer ?? syncWriter,
      signal,
      stallMs: opts.stallTimeoutMs ?? DEFAULT_STALL_MS,
      retries: opts.retries ?? 4,
      backoffMs: opts.backoffMs ?? 500,
      workerHashMinBytes: opts.workerHashMinBytes,
      checkSize,
      onProgress(received, total) {
        meter.update('downloading', received, total);
        if (Date.now() - lastEventAt > 5000) {
          lastEventAt = Date.now();
          appendEvent(paths, 'models.download.progress', { id: opts.id, sha256, received, total });
        }
      },
    });
    meter.update('verifying', result.bytes, result.bytes);
    if (result.digest !== sha256) {
      removePartial(partFile, metaFile);
      const html = result.contentType?.includes('html') ? ` (the server sent ${result.contentType}, likely an error page)` : '';
      throw new PullError('checksum_mismatch', `checksum mismatch: expected sha256 ${sha256}, got ${result.digest} over ${result.bytes} bytes${html}; the partial download was removed`, {
        expected: sha256,
        actual: result.digest,
        bytes: result.bytes,
      });
    }
    meter.update('committing', result.bytes, result.bytes);
    const name = blobName(opts.url, result);
    const target = path.join(paths.byHashDir, blobFileName(sha256, extensionOf(name)));
    fs.renameSync(partFile, target);
    fsyncDir(paths.byHashDir);
    fs.rmSync(metaFile, { force: true });
    recordTransfer(paths, result.fetched, Date.now() - started);
    appendEvent(paths, 'models.download.completed', { id: opts.id, sha256, bytes: result.bytes, ms: Date.now() - started });
    const st = fs.statSync(target);
    return { status: 'downloaded', blob: { name: path.basename(target), path: target, digest: sha256, size: st.size, mtimeMs: st.mtimeMs }, name };
  } catch (err) {
    const e = toPullError(err);
    if (e.code === 'cancelled') removePartial(partFile, metaFile);
    if (e.code !== 'checksum_mismatch' && e.code !== 'cancelled') recordFailure(paths);
    appendEvent(paths, 'models.download.failed', { id: opts.id, sha256, error: e.code, message: e.message });
    throw e;
  } finally {
    lock.release();
  }
}
