// sha256 of a download as it streams. Small downloads hash inline; large ones (given spare
// cores) hash in a worker thread, so hashing (the costliest step per byte) runs beside
// receiving and writing instead of on the one main thread: bytes are batched into 1 MiB
// buffers whose memory is transferred, not copied, to the worker and back again for reuse
// (a fresh 1 MiB per batch cost ~50k page faults per GiB); a worker falling behind pauses the
// download instead of queueing the file in memory.
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface StreamHasher {
  /** Bytes fed so far. */
  readonly bytes: number;
  /** Feed bytes; the chunk may be reused by the caller afterwards. A promise returned means: feed no more until it resolves. */
  update(chunk: Buffer): void | Promise<void>;
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

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (!m.buffer) return parentPort.postMessage({ digest: hash.digest('hex') });
  hash.update(new Uint8Array(m.buffer, 0, m.length));
  parentPort.postMessage({ spare: m.buffer }, [m.buffer]);
});`;

const BATCH = 1 << 20;
/** Batches sent but not yet hashed, beyond which the feeder is asked to wait. */
const MAX_IN_FLIGHT = 32;

export class WorkerHasher implements StreamHasher {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  /** Batches the worker has hashed and handed back. */
  private readonly spares: ArrayBuffer[] = [];
  private batch = Buffer.from(new ArrayBuffer(BATCH));
  private fill = 0;
  private inFlight = 0;
  private caughtUp: (() => void) | undefined;
  private failure: Error | undefined;
  bytes = 0;

  constructor() {
    this.worker.unref();
    this.worker.on('error', (err) => {
      this.failure = err;
      this.release();
    });
    this.worker.on('message', (m: { spare?: ArrayBuffer }) => {
      if (!m.spare) return;
      this.spares.push(m.spare);
      this.inFlight--;
      if (this.inFlight <= MAX_IN_FLIGHT / 2) this.release();
    });
  }

  update(chunk: Buffer): void | Promise<void> {
    this.bytes += chunk.length;
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(BATCH - this.fill, chunk.length - off);
      chunk.copy(this.batch, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === BATCH) this.send();
    }
    if (this.inFlight < MAX_IN_FLIGHT || this.failure) return;
    return new Promise<void>((resolve) => (this.caughtUp = resolve));
  }

  private release(): void {
    const resolve = this.caughtUp;
    this.caughtUp = undefined;
    resolve?.();
  }

  private send(): void {
    const buffer = this.batch.buffer as ArrayBuffer;
    this.worker.postMessage({ buffer, length: this.fill }, [buffer]);
    this.inFlight++;
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
    this.release();
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
