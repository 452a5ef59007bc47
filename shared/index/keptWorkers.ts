// Read workers kept from one read to the next (the language server's updates). A worker
// started for each read of 1024+ files compiled the read bundle and loaded its WASM again:
// ~100 ms of CPU each time, taken from the cores an agent's writes and the thread answering
// hovers need, and an agent writing at full speed makes such an update every few hundred ms.
// A worker that died is replaced at the next read (what it owed was read by the calling
// thread: see PoolWorker); the workers are closed once no read has used them for a while, so
// an idle server does not hold their heaps and WASM memory.
import { startWorkers, type PoolWorker } from './poolWorker';

/** How long the workers are kept after a read: an agent's next burst of writes comes well within it. */
const IDLE_MS = 30_000;

export class KeptWorkers {
  private workers: PoolWorker[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  /** Reads that took the workers and have not released them. */
  private reads = 0;
  private closed = false;

  constructor(
    private readonly count: number,
    private readonly file: string,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** The workers for a read: those alive, and new ones in place of any that died or were closed (none once closed for good). */
  take(): PoolWorker[] {
    clearTimeout(this.idleTimer);
    this.reads++;
    if (this.closed) return [];
    this.workers = this.workers.filter((w) => w.alive);
    if (this.workers.length < this.count) this.workers = this.workers.concat(startWorkers(this.count - this.workers.length, this.file, undefined, { keepsProcess: false }));
    return this.workers;
  }

  /** A read is done with them: once no read holds them, they are closed if none takes them within the idle time. */
  release(): void {
    if (--this.reads > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.closeWorkers(), this.idleMs).unref();
  }

  /** Ends the workers for good (the index is closing). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.closeWorkers();
  }

  private async closeWorkers(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((w) => w.close()));
  }
}
