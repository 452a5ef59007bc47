// Reading artifact bytes ahead in one worker thread (issue 9, cold index). A cold index of
// 100k small artifacts spends about 3 s of its thread in open/fstat/read/close alone. One
// worker makes those calls (readFileBytes, so a symlink, a FIFO, a directory, a vanished or
// unreadable file fail with the same error) and hashes the bytes, and posts each chunk of files
// back as one transferred ArrayBuffer plus typed-array metadata: nothing per file is cloned.
// The calling thread parses and scans them as before. Records read in a worker cost more to
// clone than to read (readPool.ts), bytes do not. A chunk's buffer goes back to the worker once
// its files are read, for a later chunk: left to the garbage collector, buffers that lived
// through a chunk's reading piled up in the old generation (+52 MB peak RSS over 109k files).
// A file the worker did not read (above PREFETCH_MAX_FILE, past its chunk's byte budget, or any
// unexpected failure, a dead worker included) is read by the calling thread as before.
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { readFileBytes, UnreadableError, type FileBytes, type ReadBytes } from '../readers/fileBytes';

/** Files per chunk: the unit of a round trip to the worker (256 or 1024 made no difference to the calling thread's CPU). */
const CHUNK_FILES = 128;
/** Chunks requested beyond the one being read: enough that the calling thread never waits on the worker. */
const CHUNKS_AHEAD = 4;
/** Larger files are read by the calling thread: read ahead, a few of them would hold many MB each. */
export const PREFETCH_MAX_FILE = 1024 * 1024;
/**
 * Bytes of one chunk; once it holds this many, the rest of its files are read by the calling
 * thread. Bounds what is held ahead (about 5 x 9 MiB) while 128 artifacts of 64 KB still fit.
 */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Posted to the worker: read these files (NUL-separated) as readFileBytes(path, cap, { hashAll }). */
export interface PrefetchRequest {
  id: number;
  cap: number;
  hashAll: boolean;
  paths: string;
  /** A buffer of an earlier reply, handed back (transferred) for the worker to fill again. */
  spare?: ArrayBuffer;
}

/** Metadata per file in a reply: kind, size, mtimeMs, byte offset, byte length. */
export const META_FIELDS = 5;
/** A file's kind in a reply's `meta`. */
export const Fetched = {
  /** Not read ahead: the calling thread reads it. */
  ReadHere: 0,
  Bytes: 1,
  Unreadable: 2,
  /** Unreadable because it is gone. */
  Gone: 3,
} as const;
/** Bytes of a file's sha256 in a reply's `digests`. */
export const DIGEST_BYTES = 32;

/** Posted back: the chunk's bytes in one buffer, located by `meta`; errors' messages NUL-separated, in order. */
export interface PrefetchReply {
  id: number;
  meta: Float64Array;
  bytes: ArrayBuffer;
  /** Each file's sha256 (when it has bytes and hashes were asked for), DIGEST_BYTES a file. */
  digests: Uint8Array;
  errors: string;
}

export function prefetchLimits(cap: number): { fileCap: number; chunkBytes: number } {
  return { fileCap: Math.min(cap, PREFETCH_MAX_FILE), chunkBytes: CHUNK_BYTES };
}

interface Chunk {
  first: number;
  reply: PrefetchReply | undefined;
  digests?: Buffer;
  /** Index of each file's message in `reply.errors`, filled on first use. */
  errors?: string[];
}

/**
 * The bytes of `paths` (in the order the caller reads them), read ahead by a worker. Call
 * `ready(first, end)` before reading files first..end-1 with `readBytes(k)`.
 */
export class BytePrefetch {
  private readonly chunks = new Map<number, Promise<Chunk>>();
  private readonly arrived = new Map<number, Chunk>();
  private readonly waiting = new Map<number, (reply: PrefetchReply | undefined) => void>();
  /** Buffers of chunks read, to hand back to the worker with the next requests. */
  private readonly spares: ArrayBuffer[] = [];
  private dead = false;
  /** Files whose bytes (or error) came from the worker. */
  served = 0;

  private constructor(
    private readonly worker: Worker,
    /** Taken from the caller; a chunk's paths are let go with its bytes (a cold build's 1M paths would be held to the end of its read). */
    private readonly paths: string[],
    private readonly cap: number,
    private readonly hashAll: boolean,
  ) {
    worker.on('message', (reply: PrefetchReply) => {
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    worker.stdout.pipe(process.stderr); // stdout may be the language server's stream
  }

  /** A prefetch of `paths` (the array is taken: see `paths`), or undefined when the worker cannot start (the caller reads them itself). */
  static start(file: string, paths: string[], cap: number, opts: { hashAll?: boolean }): BytePrefetch | undefined {
    if (!fs.existsSync(file)) return undefined;
    try {
      return new BytePrefetch(new Worker(file, { stdout: true }), paths, cap, !!opts.hashAll);
    } catch {
      return undefined; // out of threads or memory
    }
  }

  /** Waits until files first..end-1 are read ahead (or will be read here), and lets go of those before `first`. */
  async ready(first: number, end: number): Promise<void> {
    for (const [c, chunk] of this.arrived) {
      if ((c + 1) * CHUNK_FILES > first) continue;
      // Its files' records are made (and hold none of its bytes): the buffer can be filled again.
      if (chunk.reply) this.spares.push(chunk.reply.bytes);
      this.arrived.delete(c);
      this.paths.fill('', c * CHUNK_FILES, (c + 1) * CHUNK_FILES);
    }
    const last = Math.ceil(end / CHUNK_FILES) - 1;
    for (let c = Math.floor(first / CHUNK_FILES); c <= last + CHUNKS_AHEAD; c++) this.request(c);
    for (let c = Math.floor(first / CHUNK_FILES); c <= last; c++) {
      if (!this.arrived.has(c)) this.arrived.set(c, await this.chunks.get(c)!);
      this.chunks.delete(c);
    }
  }

  /** Reads file `k` as readFileBytes would, from the bytes read ahead when they are there. */
  readBytes(k: number): ReadBytes {
    return (path, cap, opts = {}) => {
      const chunk = this.arrived.get(Math.floor(k / CHUNK_FILES));
      const reply = chunk?.reply;
      // Asked for otherwise than it was read ahead: read now.
      if (!chunk || !reply || this.paths[k] !== path || cap !== this.cap || !!opts.hashAll !== this.hashAll || opts.followSymlink) return readFileBytes(path, cap, opts);
      const i = k - chunk.first;
      const m = i * META_FIELDS;
      const kind = reply.meta[m];
      if (kind === Fetched.ReadHere) return readFileBytes(path, cap, opts);
      this.served++;
      if (kind !== Fetched.Bytes) throw new UnreadableError(this.errorOf(chunk, i), kind === Fetched.Gone);
      const got: FileBytes = { size: reply.meta[m + 1], mtimeMs: reply.meta[m + 2], bytes: Buffer.from(reply.bytes, reply.meta[m + 3], reply.meta[m + 4]) };
      if (this.hashAll) {
        chunk.digests ??= Buffer.from(reply.digests.buffer, reply.digests.byteOffset, reply.digests.byteLength);
        got.sha256 = chunk.digests.toString('hex', i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
      }
      return got;
    };
  }

  close(): Promise<number> {
    this.dead = true;
    return this.worker.terminate();
  }

  private errorOf(chunk: Chunk, i: number): string {
    const reply = chunk.reply!;
    if (!chunk.errors) {
      const messages = reply.errors.split('\0');
      chunk.errors = [];
      for (let j = 0, e = 0; j * META_FIELDS < reply.meta.length; j++) {
        const kind = reply.meta[j * META_FIELDS];
        if (kind === Fetched.Unreadable || kind === Fetched.Gone) chunk.errors[j] = messages[e++];
      }
    }
    return chunk.errors[i];
  }

  private request(c: number): void {
    const first = c * CHUNK_FILES;
    if (first >= this.paths.length || this.chunks.has(c) || this.arrived.has(c)) return;
    const paths = this.paths.slice(first, first + CHUNK_FILES);
    const reply = this.dead
      ? Promise.resolve(undefined)
      : new Promise<PrefetchReply | undefined>((resolve) => {
          this.waiting.set(c, resolve);
          const request: PrefetchRequest = { id: c, cap: this.cap, hashAll: this.hashAll, paths: paths.join('\0'), spare: this.spares.pop() };
          this.worker.postMessage(request, request.spare ? [request.spare] : []);
        });
    this.chunks.set(c, reply.then((r) => ({ first, reply: r })));
  }

  /** A worker that fails owes nothing more: its chunks are read by the calling thread. */
  private fail(): void {
    this.dead = true;
    for (const resolve of this.waiting.values()) resolve(undefined);
    this.waiting.clear();
  }
}
