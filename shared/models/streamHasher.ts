// sha256 of a download as it streams. Small downloads hash inline; large ones (given spare
// cores) hash in a worker thread, so hashing (the costliest step per byte) runs beside
// receiving and writing instead of on the one main thread: bytes are batched into 1 MiB
// buffers whose memory is transferred, not copied, to the worker and back again for reuse
// (a fresh 1 MiB per batch cost ~50k page faults per GiB); a worker falling behind makes
// `update` wait for it (Atomics.wait on a shared counter), so the download slows down instead
// of queueing the file in memory, and the feeder stays synchronous (the HTTP layer never
// pauses its parser: see httpClient.ts).
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

// workerData: an Int32Array over shared memory whose slot 0 counts the batches hashed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (!m.buffer) return parentPort.postMessage({ digest: hash.digest('hex') });
  hash.update(new Uint8Array(m.buffer, 0, m.length));
  parentPort.postMessage({ spare: m.buffer }, [m.buffer]);
  Atomics.add(workerData, 0, 1);
  Atomics.notify(workerData, 0);
});`;

const BATCH = 1 << 20;
/** Batches sent but not yet hashed, beyond which `update` waits until half of them are. */
const MAX_IN_FLIGHT = 32;
/** A worker this long without hashing a batch is taken for dead (hashing 16 MiB takes tens of ms). */
const STUCK_MS = 30_000;

export class WorkerHasher implements StreamHasher {
  private readonly hashed = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true, workerData: this.hashed });
  /** Batches the worker has hashed and handed back. */
  private readonly spares: ArrayBuffer[] = [];
  private batch = Buffer.from(new ArrayBuffer(BATCH));
  private fill = 0;
  private sent = 0;
  private failure: Error | undefined;
  bytes = 0;

  constructor() {
    this.worker.unref();
    this.worker.on('error', (err) => (this.failure = err));
    this.worker.on('message', (m: { spare?: ArrayBuffer }) => m.spare && this.spares.push(m.spare));
  }

  update(chunk: Buffer): void {
    this.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(BATCH - this.fill, chunk.length - off);
      chunk.copy(this.batch, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === BATCH) this.send();
    }
    if (this.sent - Atomics.load(this.hashed, 0) >= MAX_IN_FLIGHT) this.catchUp();
  }

  /** Block until the worker has hashed all but half of what is in flight. */
  private catchUp(): void {
    for (;;) {
      if (this.failure) throw this.failure;
      const done = Atomics.load(this.hashed, 0);
      if (this.sent - done <= MAX_IN_FLIGHT / 2) return;
      if (Atomics.wait(this.hashed, 0, done, STUCK_MS) === 'timed-out') throw new Error(`the hashing worker hashed nothing for ${STUCK_MS / 1000} s`);
    }
  }

  private send(): void {
    const buffer = this.batch.buffer as ArrayBuffer;
    this.worker.postMessage({ buffer, length: this.fill }, [buffer]);
    this.sent++;
    this.batch = Buffer.from(this.spares.pop() ?? new ArrayBuffer(BATCH));
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
        this.worker.postMessage({});
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
