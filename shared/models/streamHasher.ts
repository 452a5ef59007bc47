// sha256 of a download as it streams. Small downloads hash inline. Large ones hash in a worker
// thread, so hashing (the costliest step per byte) runs beside receiving and writing instead of
// after them (and on a busy machine two threads get twice the share of one): the main thread
// copies each piece into a 1 MiB batch of a ring in shared memory. The ring is allocated once,
// so its pages fault in once, not per batch (a fresh 1 MiB per batch cost ~50k page faults per
// GiB; batches transferred back and forth came back only when the event loop ran). When the
// worker is a whole ring behind, `update` waits for it (Atomics.wait on a shared counter): the
// download slows down instead of queueing the file in memory, and the feeder stays synchronous
// (the HTTP layer never pauses its parser: see httpClient.ts).
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface StreamHasher {
  /** Bytes fed so far. */
  readonly bytes: number;
  /** Feed bytes; the chunk may be reused by the caller afterwards. */
  update(chunk: Buffer): void;
  /** The hex digest of everything fed; the hasher is finished afterwards. */
  digest(): Promise<string>;
  /** Release resources (a worker) without a digest. */
  dispose(): void;
}

export class InlineHasher implements StreamHasher {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
  }

  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }

  dispose(): void {}
}

// workerData: the ring and an Int32Array whose slot 0 counts the batches hashed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const { ring, done, batchBytes } = workerData;
parentPort.on('message', (m) => {
  if (m.digest) return parentPort.postMessage({ digest: hash.digest('hex') });
  hash.update(new Uint8Array(ring, m.slot * batchBytes, m.length));
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});`;

const BATCH = 1 << 20;
/** Batches in the ring: how far the worker may fall behind before `update` waits. */
const SLOTS = 16;
/** A worker this long without finishing a batch is taken for dead (one takes milliseconds). */
const STUCK_MS = 30_000;

export class WorkerHasher implements StreamHasher {
  private readonly ring = new SharedArrayBuffer(SLOTS * BATCH);
  private readonly ringBytes = Buffer.from(this.ring);
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ring: this.ring, done: this.done, batchBytes: BATCH } });
  private fill = 0;
  private sent = 0;
  private failure: Error | undefined;
  bytes = 0;

  constructor() {
    this.worker.unref();
    this.worker.on('error', (err) => (this.failure ??= err));
  }

  update(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    this.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      if (this.fill === 0) this.waitForSlot();
      const n = Math.min(BATCH - this.fill, chunk.length - off);
      chunk.copy(this.ringBytes, (this.sent % SLOTS) * BATCH + this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === BATCH) this.send();
    }
  }

  /** Block until the slot the next batch fills is free: the worker is done with the batch a ring ago. */
  private waitForSlot(): void {
    for (;;) {
      const done = Atomics.load(this.done, 0);
      if (this.sent - done < SLOTS) return;
      if (Atomics.wait(this.done, 0, done, STUCK_MS) === 'timed-out') throw new Error(`the hashing worker finished nothing for ${STUCK_MS / 1000} s`);
    }
  }

  private send(): void {
    this.worker.postMessage({ slot: this.sent % SLOTS, length: this.fill });
    this.sent++;
    this.fill = 0;
  }

  async digest(): Promise<string> {
    if (this.fill > 0) this.send();
    try {
      return await new Promise<string>((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        this.worker.on('message', (m: { digest?: string }) => m.digest !== undefined && resolve(m.digest));
        this.worker.once('error', reject);
        this.worker.once('exit', () => reject(new Error('the hashing worker exited')));
        this.worker.postMessage({ digest: true });
      });
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    void this.worker.terminate();
  }
}

/**
 * Downloads at least this large hash in a worker (starting one costs a few tens of ms). With
 * fewer than 4 cores there is no core to spare beside the receiving thread (and, over
 * loopback, the server): measured here on 2 cores, the worker was slower, so hash inline.
 */
export const WORKER_HASH_MIN_BYTES = availableParallelism() >= 4 ? 32 * 1024 * 1024 : Number.POSITIVE_INFINITY;

export function createStreamHasher(expectedBytes: number | undefined, workerMinBytes = WORKER_HASH_MIN_BYTES): StreamHasher {
  return expectedBytes !== undefined && expectedBytes >= workerMinBytes ? new WorkerHasher() : new InlineHasher();
}
