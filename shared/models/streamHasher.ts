// sha256 of a download as it streams. Small downloads hash inline, each piece as it is written.
// Large ones, given 2+ cores, hash in a worker thread that follows the `.part` file: the main thread only says how
// far the file has grown (a shared counter), and the worker reads the new bytes back (from the
// page cache, just written) and hashes them. So the receiving thread does what curl does, read
// and write, and hashing, the costliest step per byte, runs beside it; the worker trailing behind
// never holds the download back (the HTTP layer never pauses its parser: see httpClient.ts), and
// only the end of a pull waits for it to catch up. An earlier worker copied each piece into a
// ring of shared memory and made the receiving thread wait for a free slot: in the pull bench the
// copies and waits cost the receiving thread more than hashing inline did.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The sha256 of a `.part` file, fed as it grows. */
export interface PartHasher {
  /** Bytes of the `.part` accounted for so far. */
  readonly bytes: number;
  /** `chunk` was just written to the end of the `.part`, which now holds `size` bytes. */
  appended(chunk: Buffer, size: number): void;
  /** The `.part` already held `bytes` bytes, none of them fed yet (a resume). */
  startAt(bytes: number): void;
  /** The hex digest of everything fed; the hasher is finished afterwards. */
  digest(): Promise<string>;
  /** Release resources (a worker and its descriptor) without a digest; resolves once they are gone. */
  dispose(): Promise<void>;
}

const READ_CHUNK = 1 << 20;

/**
 * The worker learns how far the `.part` has grown once per 4 MiB written, not per 64 KiB piece
 * (woken per 1 MiB): waking a sleeping worker costs the receiving thread a futex call and an IPI
 * (about 46 us here), and a worker told of every piece read the file back in pieces. Per GiB
 * pulled: 1,528 futex calls instead of 2,866, 1,048 reads back instead of 3,947. The worker trails
 * by at most 4 MiB, which the end of a pull waits for (about 3 ms of hashing).
 */
const TELL_EVERY = 4 << 20;

/** Feed the first `bytes` of `file` to `sink`, read in 1 MiB chunks (the buffer is reused). */
export function readPrefix(file: string, bytes: number, sink: (chunk: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const fd = fs.openSync(file, 'r');
  try {
    let pos = 0;
    while (pos < bytes) {
      const n = fs.readSync(fd, buf, 0, Math.min(READ_CHUNK, bytes - pos), pos);
      if (n === 0) break;
      sink(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export class InlineHasher implements PartHasher {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly file?: string) {}

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  appended(chunk: Buffer): void {
    this.update(chunk);
  }

  startAt(bytes: number): void {
    if (!this.file) throw new Error('an inline hasher of no file cannot start inside one');
    readPrefix(this.file, bytes, (chunk) => this.update(chunk));
  }

  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }

  async dispose(): Promise<void> {}
}

// Slots of the shared BigInt64Array: the size the `.part` has reached, and its final size (-1
// until the download ends).
const SIZE = 0;
const FINAL = 1;

// workerData: the fd to read, the shared state. It reads whatever the file has grown by, and
// sleeps on the size slot when it has caught up (woken when told of 4 MiB more, or each second).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const { fd, state, readChunk } = workerData;
const buf = Buffer.allocUnsafe(readChunk);
let pos = 0;
try {
  for (;;) {
    const size = Atomics.load(state, ${SIZE});
    if (pos < size) {
      const n = readSync(fd, buf, 0, Math.min(readChunk, Number(size) - pos), pos);
      if (n === 0) throw new Error('the .part ended at ' + pos + ' bytes, short of the ' + size + ' written');
      hash.update(buf.subarray(0, n));
      pos += n;
      continue;
    }
    const final = Atomics.load(state, ${FINAL});
    if (final >= 0n && pos >= final) break;
    Atomics.wait(state, ${SIZE}, size, 1000);
  }
  parentPort.postMessage({ digest: hash.digest('hex') });
} catch (err) {
  parentPort.postMessage({ error: String(err && err.message || err) });
}`;

/** Hashes a `.part` in a worker thread that reads it back as it grows. */
export class FollowingHasher implements PartHasher {
  private readonly state = new BigInt64Array(new SharedArrayBuffer(16));
  private readonly fd: number;
  private readonly worker: Worker;
  private readonly result: Promise<string>;
  private disposed: Promise<void> | undefined;
  /** The size the worker was last told. */
  private toldAt = 0;
  bytes = 0;

  constructor(file: string) {
    // Read through a descriptor of its own that the main thread closes once the worker is gone
    // (a terminated worker closes nothing); O_NOFOLLOW where the platform has it, as the writer.
    this.fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    this.state[FINAL] = -1n;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd: this.fd, state: this.state, readChunk: READ_CHUNK } });
    this.worker.unref();
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.once('message', (m: { digest?: string; error?: string }) => (m.digest !== undefined ? resolve(m.digest) : reject(new Error(m.error))));
      this.worker.once('error', reject);
      this.worker.once('exit', () => reject(new Error('the hashing worker exited')));
    });
    this.result.catch(() => undefined); // a disposed hasher's end is nobody's error
  }

  appended(_chunk: Buffer, size: number): void {
    this.bytes = size;
    if (size - this.toldAt >= TELL_EVERY) this.tell(size);
  }

  startAt(bytes: number): void {
    this.bytes = bytes;
    this.tell(bytes);
  }

  /** Publish how far the `.part` has grown, waking the worker if it sleeps. */
  private tell(size: number): void {
    this.toldAt = size;
    Atomics.store(this.state, SIZE, BigInt(size));
    Atomics.notify(this.state, SIZE);
  }

  async digest(): Promise<string> {
    // The size before the end: a worker that sees the end has seen every size before it.
    Atomics.store(this.state, SIZE, BigInt(this.bytes));
    Atomics.store(this.state, FINAL, BigInt(this.bytes));
    Atomics.notify(this.state, SIZE);
    try {
      return await this.result;
    } finally {
      await this.dispose();
    }
  }

  /** The descriptor is closed only once the worker is gone: closed under it, its number could be reused by another file or socket the worker would then read. */
  dispose(): Promise<void> {
    this.disposed ??= this.worker.terminate().then(
      () => fs.closeSync(this.fd),
      () => fs.closeSync(this.fd),
    );
    return this.disposed;
  }
}

/**
 * Downloads at least this large hash in a worker (starting one costs a few tens of ms) when there
 * is a second core to run it. On 2 cores (the pull bench: 1 GiB over loopback, the server on the
 * same cores) the worker matched or beat inline hashing on time in 10 of 13 alternating runs (load
 * 2-9): 0.90x curl against 0.60x at load 2-6, 0.64-0.88x against 0.50-0.82x at load 4-9; it lost
 * three times (0.56x against 0.67x, 0.70x against 0.77x, 0.68x against 0.72x). Its CPU was the same (1.42-1.93 s per GiB
 * against 1.37-2.02): reading the bytes back from the page cache costs the worker about 0.07 s
 * per GiB. When the machine is busy the kernel
 * shares the cores between sessions, so the two threads get no more CPU than one, and the modes
 * tie; when it is not, the receiving thread does only what curl does while the worker hashes.
 */
export const WORKER_HASH_MIN_BYTES = availableParallelism() >= 2 ? 32 * 1024 * 1024 : Number.POSITIVE_INFINITY;

/** A hasher of `file` (a `.part`) for a download of `expectedBytes` (undefined: unknown, hashed inline). */
export function createPartHasher(file: string, expectedBytes: number | undefined, workerMinBytes = WORKER_HASH_MIN_BYTES): PartHasher {
  return expectedBytes !== undefined && expectedBytes >= workerMinBytes ? new FollowingHasher(file) : new InlineHasher(file);
}
