// A worker thread of the read pool (readWorker.js) and the batches it owes, as the calling
// thread sees it: each batch's records arrive in one reply, their packed rows (when asked
// for: logReads.ts, readPool.ts) in wire form, made appendable here. A worker that fails owes nothing
// more: its batches resolve undefined, and the caller reads them itself.
import * as fs from 'node:fs';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { FileRecord } from '../records';
import { BatchRows, fromWire, type PackedRowsWire, type RowsWindow, type SpilledRowsWire } from './packedRows';
import type { BatchReply, BatchRequest } from './readRequests';

interface Pending {
  resolve(records: FileRecord[] | undefined): void;
}

export class PoolWorker {
  private readonly pending = new Map<number, Pending>();
  /**
   * The worker's own request ids: a worker kept from one read to the next (keptWorkers.ts) may
   * still owe a batch of a read its caller gave up, whose reply must not pass for the next read's.
   */
  private nextId = 0;
  private dead = false;
  private closed?: Promise<number>;

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: BatchReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!('records' in reply)) return p?.resolve(undefined);
      const batch = reply.rows && new BatchRows(reply.rows);
      p?.resolve(reply.records.map((r) => withRows(r, batch)));
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => this.fail());
    // Anything a worker prints goes to stderr: stdout may be the language server's stream.
    worker.stdout.pipe(process.stderr);
  }

  get load(): number {
    return this.dead ? Infinity : this.pending.size;
  }

  get alive(): boolean {
    return !this.dead;
  }

  read(request: Omit<BatchRequest, 'id'>): Promise<FileRecord[] | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve });
      this.worker.postMessage({ ...request, id });
    });
  }

  private fail(): void {
    this.dead = true;
    for (const p of this.pending.values()) p.resolve(undefined);
    this.pending.clear();
  }

  close(): Promise<number> {
    this.dead = true;
    return (this.closed ??= this.worker.terminate());
  }
}

/**
 * `limits`: the workers' heap limits (a log worker's young generation: see logReads.ts).
 * `keepsProcess: false`: workers that do not keep the process alive while idle (kept ones).
 */
export function startWorkers(count: number, file: string, limits?: ResourceLimits, { keepsProcess = true } = {}): PoolWorker[] {
  if (!fs.existsSync(file)) return [];
  const out: PoolWorker[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const worker = new Worker(file, { stdout: true, resourceLimits: limits });
      if (!keepsProcess) worker.unref();
      out.push(new PoolWorker(worker));
    } catch {
      break; // out of threads or memory: the ones started (or the calling thread) do the work
    }
  }
  return out;
}

/** `record` with its rows, if they came in wire form (its own, or its window of `batch`'s), made appendable. */
function withRows(record: FileRecord, batch: BatchRows | undefined): FileRecord {
  const wire = record.rows as unknown as PackedRowsWire | SpilledRowsWire | RowsWindow | undefined;
  if (wire) record.rows = 'occStart' in wire ? batch!.window(wire) : fromWire(wire);
  return record;
}
