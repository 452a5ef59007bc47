// One resumable download into `<name>.part`: resume from the bytes already there (Range +
// If-Range), restart from zero whenever the server or the meta says the bytes on disk may
// not be a prefix of the file, write with writeSync and hash as bytes arrive (the fastest
// Node path: no stream back-pressure machinery between socket and disk; large files hash in
// a worker thread that reads the .part back as it grows), retry connection failures.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { errnoCode, PullError } from './errors';
import type { HttpLayer, HttpResponse } from './httpClient';
import { ifRangeValidator, readPartMeta, writePartMeta, type PartMeta } from './partMeta';
import { BackgroundFlusher } from './backgroundFlush';
import { createPartHasher, InlineHasher, readPrefix, type PartHasher } from './streamHasher';

/** Writes a chunk at a position; injectable so tests can make the disk fill up. */
export interface PartWriter {
  write(fd: number, chunk: Buffer, position: number): void;
}

/**
 * Buffered writes larger than 64 KiB cost the kernel more here, and unpredictably: pulls writing
 * 256 KiB pieces spent 0.46-1.54 s of kernel time per GiB against 0.51-0.57 at 64 KiB (six
 * pulls each, alternating; probably the larger page-cache folios larger writes get).
 */
const MAX_WRITE = 64 * 1024;

export const syncWriter: PartWriter = {
  write(fd, chunk, position) {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(fd, chunk, off, Math.min(MAX_WRITE, chunk.length - off), position + off);
  },
};

export interface TransferOptions {
  url: string;
  sha256: string;
  partFile: string;
  metaFile: string;
  http: HttpLayer;
  writer: PartWriter;
  signal: AbortSignal;
  /** No byte for this long (waiting for headers included) aborts the attempt. */
  stallMs: number;
  /** Connection failures tolerated in a row; an attempt that received data resets the count. */
  retries: number;
  backoffMs: number;
  /** Refuses a transfer once its full size is known (or while it grows, when it is not). */
  checkSize(totalBytes: number, known: boolean): void;
  onProgress(received: number, total: number | undefined): void;
  /** Files at least this large hash in a worker thread (default: see WORKER_HASH_MIN_BYTES). */
  workerHashMinBytes?: number;
}

export interface TransferResult {
  bytes: number;
  /** Bytes received over the network by this call (less than `bytes` after a resume): what throughput is measured on. */
  fetched: number;
  digest: string;
  /** `Content-Disposition` of the response, for the blob's name. */
  contentDisposition?: string;
  contentType?: string;
  /** The URL that answered, after redirects. */
  finalUrl?: string;
}

/** What survives a failed attempt: the hasher of the bytes already in the `.part`, to avoid re-reading them. */
interface Carry {
  hasher: PartHasher;
}

/** An attempt's outcome before the digest is taken (a worker may still be hashing). */
type Attempted = Omit<TransferResult, 'digest'> & { hasher: PartHasher };

/** State shared by the attempts of one transfer. */
interface Attempts {
  carry?: Carry;
  /** Bytes the current attempt received (a retry after progress resets the failure count). */
  received: number;
  /** Bytes all attempts received. */
  fetched: number;
  /** Hashers let go of, whose workers the transfer waits for before it returns. */
  released: Promise<void>[];
}

class RestartFromZero extends Error {}

const RETRYABLE = new Set(['network', 'stalled']);
const MAX_RESTARTS = 3;

/**
 * Bytes already in the `.part`. Anything there that is not a regular file (a planted symlink,
 * say) is removed, never opened: writing through it would write outside the store.
 */
function partSize(file: string): number {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isFile()) {
    fs.rmSync(file);
    return 0;
  }
  return st.size;
}

/** sha256 (hex) of the first `bytes` of `file`. */
export function hashPrefix(file: string, bytes: number): string {
  const hash = createHash('sha256');
  readPrefix(file, bytes, (chunk) => hash.update(chunk));
  return hash.digest('hex');
}

/** A hasher holding the first `bytes` of the `.part`: the one carried from the last attempt if it holds exactly those, else a new one that starts there. */
function hasherAt(opts: TransferOptions, attempts: Attempts, bytes: number, expectedTotal: number | undefined): PartHasher {
  const carried = attempts.carry?.hasher;
  attempts.carry = undefined;
  if (carried && carried.bytes === bytes) return carried;
  if (carried) attempts.released.push(carried.dispose());
  const hasher = createPartHasher(opts.partFile, expectedTotal, opts.workerHashMinBytes);
  if (bytes > 0) hasher.startAt(bytes);
  return hasher;
}

/** Local file-system failures: not worth a retry, unlike anything the connection throws. */
const LOCAL_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOTDIR', 'EMFILE', 'ENFILE', 'EIO', 'ENOENT']);

function toPullError(err: unknown, signal: AbortSignal): PullError {
  if (err instanceof PullError) return err;
  if (signal.aborted) return new PullError('cancelled', 'pull cancelled');
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new PullError('no_space', `no space left on the device: ${(err as Error).message}; the partial download is kept for a later resume`);
  if (code && LOCAL_ERRORS.has(code) && (err as NodeJS.ErrnoException).syscall !== 'connect') return new PullError('io_error', (err as Error).message);
  return new PullError('network', `connection failed: ${code ?? (err as Error).message}`, { errno: code });
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

// Parse `Content-Range: bytes a-b/N` (or `bytes */N`).
function parseContentRange(v: string | undefined): { start?: number; total?: number } {
  const m = v ? /^bytes\s+(?:(\d+)-\d+|\*)\/(\d+|\*)$/i.exec(v.trim()) : null;
  if (!m) return {};
  return { start: m[1] !== undefined ? Number(m[1]) : undefined, total: m[2] !== '*' ? Number(m[2]) : undefined };
}

function decoderFor(encoding: string): Transform | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  return undefined;
}

/** Write a piece of the download at `position`, naming a full disk as such. */
function writeAt(opts: TransferOptions, fd: number, file: string, chunk: Buffer, position: number): void {
  try {
    opts.writer.write(fd, chunk, position);
  } catch (err) {
    const code = errnoCode(err);
    throw code === 'ENOSPC' || code === 'EDQUOT'
      ? new PullError('no_space', `no space left on the device writing ${file}; the partial download is kept for a later resume`)
      : new PullError('io_error', `cannot write ${file}: ${(err as Error).message}`);
  }
}

/**
 * A compressed body, received whole into the `.part` like any other (the socket is read as fast
 * as the disk takes it, see httpClient.ts), decoded into a temp file beside it that then takes
 * its place: decoded bytes are hashed (inline: the file they go to is not the `.part` yet) and
 * size-checked as they come. The temp file's name is one GC removes if a crash leaves it behind.
 * Returns the decoded size and its hasher.
 */
async function decodePart(opts: TransferOptions, encoding: string, touch: () => void): Promise<{ size: number; hasher: InlineHasher }> {
  const hasher = new InlineHasher();
  const temp = path.join(path.dirname(opts.partFile), `.${path.basename(opts.partFile)}.decoded.tmp`);
  const fd = fs.openSync(temp, 'w');
  let size = 0;
  let done = false;
  try {
    await pipeline(fs.createReadStream(opts.partFile, { highWaterMark: 1 << 20 }), decoderFor(encoding)!, async (decoded: AsyncIterable<Buffer>) => {
      for await (const chunk of decoded) {
        touch();
        writeAt(opts, fd, temp, chunk, size);
        hasher.update(chunk);
        size += chunk.length;
        opts.checkSize(size, false);
      }
    }).catch((err: unknown) => {
      if (err instanceof PullError) throw err;
      throw new PullError('http_error', `cannot decode the ${encoding} body from ${opts.url}: ${(err as Error).message}`);
    });
    fs.fsyncSync(fd);
    done = true;
  } finally {
    fs.closeSync(fd);
    if (done) fs.renameSync(temp, opts.partFile);
    else fs.rmSync(temp, { force: true });
  }
  return { size, hasher };
}

export async function transferToPart(opts: TransferOptions): Promise<TransferResult> {
  let failuresInARow = 0;
  let restarts = 0;
  const attempts: Attempts = { received: 0, fetched: 0, released: [] };
  try {
    for (;;) {
      attempts.received = 0;
      let attempted: Attempted;
      try {
        attempted = await attemptOnce(opts, attempts);
      } catch (err) {
        if (err instanceof RestartFromZero) {
          if (++restarts > MAX_RESTARTS) throw new PullError('http_error', `the server keeps answering range requests inconsistently: ${err.message}`);
          fs.rmSync(opts.partFile, { force: true });
          if (attempts.carry) attempts.released.push(attempts.carry.hasher.dispose());
          attempts.carry = undefined;
          continue;
        }
        const e = toPullError(err, opts.signal);
        if (opts.signal.aborted) throw new PullError('cancelled', 'pull cancelled');
        if (!RETRYABLE.has(e.code)) throw e;
        failuresInARow = attempts.received > 0 ? 1 : failuresInARow + 1;
        if (failuresInARow > opts.retries) throw e;
        await abortableSleep(Math.min(opts.backoffMs * 2 ** (failuresInARow - 1), 10_000), opts.signal);
        if (opts.signal.aborted) throw new PullError('cancelled', 'pull cancelled');
        continue;
      }
      const { hasher, ...rest } = attempted;
      try {
        return { ...rest, digest: await hasher.digest() };
      } catch (err) {
        throw new PullError('io_error', `hashing failed: ${(err as Error).message}`);
      }
    }
  } finally {
    // Awaited: the worker's descriptor must be closed when the pull returns (a store on a
    // removable disk or a tmpfs can be unmounted then).
    if (attempts.carry) attempts.released.push(attempts.carry.hasher.dispose());
    await Promise.all(attempts.released);
  }
}

async function attemptOnce(opts: TransferOptions, attempts: Attempts): Promise<Attempted> {
  const meta = readPartMeta(opts.metaFile);
  let have = partSize(opts.partFile);
  const resumable =
    have > 0 &&
    meta !== undefined &&
    meta.sha256 === opts.sha256 &&
    meta.url === opts.url &&
    meta.content_encoding === undefined &&
    (meta.total === undefined || have <= meta.total);
  if (!resumable) have = 0;

  if (resumable && meta.total !== undefined && have === meta.total) {
    // Already complete: verify and commit without fetching anything.
    return { bytes: have, fetched: attempts.fetched, hasher: hasherAt(opts, attempts, have, have) };
  }

  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'refscope' };
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    const validator = ifRangeValidator(meta!);
    if (validator) headers['if-range'] = validator;
  }

  const stall = new AbortController();
  const requestSignal = AbortSignal.any([opts.signal, stall.signal]);
  let lastByteAt = Date.now();
  let stalled = false;
  const watchdog = setInterval(() => {
    if (Date.now() - lastByteAt > opts.stallMs) {
      stalled = true;
      stall.abort();
    }
  }, Math.max(10, Math.min(1000, opts.stallMs / 4)));
  const stalledError = () => new PullError('stalled', `no data for ${opts.stallMs} ms`);

  let res: HttpResponse;
  try {
    res = await opts.http.request(opts.url, { method: 'GET', headers, signal: requestSignal });
  } catch (err) {
    clearInterval(watchdog);
    throw stalled && !opts.signal.aborted ? stalledError() : err;
  }
  try {
    return await receive(opts, res, meta, have, attempts, () => (lastByteAt = Date.now()));
  } catch (err) {
    res.discard();
    throw stalled && !opts.signal.aborted && !(err instanceof PullError && err.code === 'no_space') ? stalledError() : err;
  } finally {
    clearInterval(watchdog);
  }
}

async function receive(
  opts: TransferOptions,
  res: HttpResponse,
  oldMeta: PartMeta | undefined,
  have: number,
  attempts: Attempts,
  touch: () => void,
): Promise<Attempted> {
  touch();
  const h = res.headers;
  const encoding = (h['content-encoding'] ?? 'identity').trim().toLowerCase();
  const encoded = encoding !== '' && encoding !== 'identity';
  let start: number;
  let total: number | undefined;

  if (res.status === 416 && have > 0) {
    const { total: remoteTotal } = parseContentRange(h['content-range']);
    res.discard();
    if (remoteTotal === have) return { bytes: have, fetched: attempts.fetched, hasher: hasherAt(opts, attempts, have, have) };
    throw new RestartFromZero(`416 for a .part of ${have} bytes (remote size ${remoteTotal ?? 'unknown'})`);
  }
  if (res.status === 206) {
    if (encoded) throw new PullError('http_error', `the server compressed a range response (Content-Encoding: ${encoding}); cannot resume it safely`);
    const range = parseContentRange(h['content-range']);
    if (range.start !== have) throw new RestartFromZero(`206 starting at ${range.start ?? '?'} for a request from ${have}`);
    start = have;
    total = range.total;
  } else if (res.status === 200) {
    start = 0; // a 200 to a range request (or a changed If-Range validator): the whole file again
    const length = h['content-length'] !== undefined ? Number(h['content-length']) : NaN;
    total = !encoded && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
  } else {
    res.discard();
    throw new PullError('http_error', `HTTP ${res.status} from ${res.url}`, { status: res.status });
  }
  if (encoded && !decoderFor(encoding)) throw new PullError('http_error', `unsupported Content-Encoding '${encoding}' from ${res.url}`);
  if (total !== undefined) opts.checkSize(total, true);

  const meta: PartMeta = {
    url: opts.url,
    sha256: opts.sha256,
    etag: h.etag,
    last_modified: h['last-modified'],
    bytes: start,
    total,
    content_encoding: encoded ? encoding : undefined,
  };
  if (start > 0 && oldMeta) {
    // A 206 does not always repeat the validators; keep the ones the bytes on disk came with.
    meta.etag ??= oldMeta.etag;
    meta.last_modified ??= oldMeta.last_modified;
  }
  const fd = fs.openSync(opts.partFile, start === 0 ? 'w' : 'r+');
  const flusher = new BackgroundFlusher(fd, start);
  let pos = start;
  let complete = false;
  let hasher: PartHasher | undefined;
  try {
    if (start > 0) fs.ftruncateSync(fd, start);
    // A compressed body is hashed once decoded (decodePart); it never resumes, so nothing is carried.
    const sink = encoded ? undefined : (hasher = hasherAt(opts, attempts, start, total));
    writePartMeta(opts.metaFile, meta);
    // Each piece of the body: written, hashed (once decoded, if compressed), counted, checked;
    // throwing ends the transfer.
    const accept = (chunk: Buffer) => {
      touch();
      writeAt(opts, fd, opts.partFile, chunk, pos);
      pos += chunk.length;
      sink?.appended(chunk, pos);
      flusher.written(pos);
      attempts.received += chunk.length;
      attempts.fetched += chunk.length;
      if (total === undefined) opts.checkSize(pos, false);
      else if (pos > total) throw new PullError('network', `the server sent more than the ${total} bytes it announced`);
      opts.onProgress(pos, total);
    };
    try {
      await res.readBody(accept);
    } catch (err) {
      // The first failure is the cause: ours (a full disk, a size limit) as is, the connection's as a network error.
      if (err instanceof PullError || opts.signal.aborted) throw err;
      throw new PullError('network', `connection lost mid-body: ${errnoCode(err) ?? (err as Error).message}`, { errno: errnoCode(err) });
    }
    if (total !== undefined && pos < total) throw new PullError('network', `body ended after ${pos} of ${total} bytes`);
    if (encoded) ({ size: pos, hasher } = await decodePart(opts, encoding, touch));
    else fs.fsyncSync(fd);
    complete = true;
  } finally {
    await flusher.drain();
    fs.closeSync(fd);
    if (!complete) {
      if (hasher) attempts.carry = { hasher };
      try {
        writePartMeta(opts.metaFile, { ...meta, bytes: pos });
      } catch {
        // Out of space for the meta too: the next attempt re-reads the .part size anyway.
      }
    }
  }
  return { bytes: pos, fetched: attempts.fetched, hasher: hasher!, contentDisposition: h['content-disposition'], contentType: h['content-type'], finalUrl: res.url };
}
