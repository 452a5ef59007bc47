// The logs and event stores of a CLI index, read whole in a worker while the calling thread
// links the artifacts before them (issue 9: workers read and scan, the main thread merges
// columns). A CLI index reads records in its own thread (readPool.ts), and on the bench's
// workspace its 47 MB audit log and 14 MB SQLite store held that thread 2-3 s while the byte
// prefetch worker idled. Each crosses as one record whose rows are packed (typed arrays,
// transferred, and each table's strings once), not as the EventEntry and Occurrence objects
// whose clones made the record workers' peak RSS 1.4-1.7 GB. One worker reads them all, one after
// another (see start), and is let go once it has read every record it owed; anything it could
// not read is read in the calling thread. A big log's rows are written to a file this thread
// opens, not posted (spilledRows.ts): they would wait here, whole, until the read reaches the
// log, and land beside the columns they grow.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord, FileRole } from '../records';
import type { KeyLists } from '../refs/refRole';
import { makeDirs } from './persist';
import { startWorkers, type PoolWorker } from './poolWorker';
import { requestJobs, type ReadJob } from './readRequests';

/**
 * The worker's young generation, in MB (V8's default is 48 at 16 MB semi-spaces). A log is read
 * line by line into packed rows, so almost all it allocates dies young; a smaller young
 * generation collects that garbage sooner instead of letting it take 30-50 MB more pages. Read
 * alone in a worker, the bench's audit log and SQLite store peaked at +163 MB of process RSS
 * against +200 MB by default, in the same CPU time (6.4-6.8 s against 6.7-7.1 s). Only where
 * V8's --max-semi-space-size is not set: that flag wins over a worker's limits, so a process
 * started with serverEnv's NODE_OPTIONS gives it 4 MB semi-spaces (the same 12 MB), and the
 * language server 1 MB ones (heapGrowth.ts smallWorkerYoungGenerations).
 */
const YOUNG_GENERATION_MB = 12;

/**
 * Roles the worker reads after the logs: an SQLite store is read in sql.js's WASM memory, which
 * is loaded for it (the worker's first store waits for it, and would let the logs after it go
 * first anyway) and never shrinks: read last, the worker holds it only until it ends.
 */
const LAST_ROLES: ReadonlySet<FileRole> = new Set(['sqlite']);

export class LogReads {
  private readonly owed = new Map<ReadJob, Promise<FileRecord | undefined>>();
  /** The file the worker writes big logs' rows to (spilledRows.ts), closed with the reads. */
  private spillFd: number | undefined;
  private closed?: Promise<unknown>;

  private constructor(private readonly worker: PoolWorker) {}

  /**
   * Starts reading `jobs` (each on its own, in order, LAST_ROLES last) in one
   * worker, or undefined when there are none or no worker starts. `spillDir`: where big logs'
   * rows are written until the calling thread appends them (made when missing); none: they are
   * posted. One worker, not a worker for the stores beside one for the logs: each held ~80 MB at
   * its end at 100k artifacts (the store's 18 MB of bytes and sql.js's memory, the audit log's
   * rows and strings), and side by side, beside the listing, the record worker and the calling
   * thread's columns, they were the language server's cold peak (srvcold34 in bench/HISTORY.md).
   */
  static start(file: string, jobs: readonly ReadJob[], maxParseBytes: number, keyLists: KeyLists | undefined, spillDir?: string): LogReads | undefined {
    if (jobs.length === 0) return undefined;
    const [worker] = startWorkers(1, file, { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB });
    if (!worker) return undefined;
    const reads = new LogReads(worker);
    // Opened here: a worker's own descriptors are closed when it ends, before its rows are appended.
    reads.spillFd = spillDir === undefined ? undefined : openSpill(spillDir);
    reads.ask([...jobs.filter((j) => !LAST_ROLES.has(j.role)), ...jobs.filter((j) => LAST_ROLES.has(j.role))], maxParseBytes, keyLists);
    return reads;
  }

  private ask(jobs: readonly ReadJob[], maxParseBytes: number, keyLists: KeyLists | undefined): void {
    const { worker, spillFd } = this;
    let unanswered = jobs.length;
    for (const job of jobs) {
      const read = worker.read({ maxParseBytes, keyLists, packRows: true, spillFd, jobs: requestJobs([job]) });
      // Its heap held the logs' objects while it read them (~100 MB at 100k artifacts, kept until
      // the isolate dies): let it go as soon as it has answered, not when the calling thread gets
      // to the logs, seconds later, at the end of its own reading, where the cold peak is. Its
      // last record is handed over once it has ended: the calling thread, waiting for that log,
      // would otherwise append its rows while the worker's memory is still being given back.
      this.owed.set(job, read.then(async (records) => {
        if (--unanswered === 0) await worker.close();
        return records?.[0];
      }));
    }
  }

  /**
   * The record of `job` as the worker reads it (undefined if the worker failed: read it here),
   * or undefined when it was not asked for.
   */
  take(job: ReadJob): Promise<FileRecord | undefined> | undefined {
    const read = this.owed.get(job);
    if (!read) return undefined;
    this.owed.delete(job);
    return read;
  }

  /** Ends the worker and closes the spill file: after the caller has appended every record it took (or given up on them). */
  close(): Promise<unknown> {
    return (this.closed ??= this.worker.close().then(() => {
      if (this.spillFd !== undefined) fs.closeSync(this.spillFd);
      this.spillFd = undefined;
    }));
  }
}

/**
 * A new file in `dir` to write rows to, unlinked at once (its bytes go when it is closed, and
 * nothing is left behind by a process that ends first), or undefined when none can be made.
 */
function openSpill(dir: string): number | undefined {
  let fd: number | undefined;
  const file = path.join(dir, `rows-${randomBytes(8).toString('hex')}.tmp`);
  try {
    makeDirs(dir);
    fd = fs.openSync(file, 'wx+');
    fs.unlinkSync(file);
    return fd;
  } catch {
    if (fd !== undefined) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
    }
    return undefined;
  }
}
