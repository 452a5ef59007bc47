// The logs and event stores of a CLI index, read whole in a worker while the calling thread
// links the artifacts before them (issue 9: workers read and scan, the main thread merges
// columns). A CLI index reads records in its own thread (readPool.ts), and on the bench's
// workspace its 47 MB audit log and 14 MB SQLite store held that thread 2-3 s while the byte
// prefetch worker idled. Each crosses as one record whose rows are packed (typed arrays,
// transferred, and each table's strings once), not as the EventEntry and Occurrence objects
// whose clones made the record workers' peak RSS 1.4-1.7 GB. Each worker is let go once it has
// read every record it owed; anything it could not read is read in the calling thread.
// SQLite event stores are read in a worker of their own (see SEPARATE_ROLES).
import type { FileRecord, FileRole } from '../records';
import type { KeyLists } from '../refs/refRole';
import { startWorkers, type PoolWorker } from './poolWorker';
import { requestJobs, type ReadJob } from './readRequests';

/**
 * The worker's young generation, in MB (V8's default is 48 at 16 MB semi-spaces). A log is read
 * line by line into packed rows, so almost all it allocates dies young; a smaller young
 * generation collects that garbage sooner instead of letting it take 30-50 MB more pages. Read
 * alone in a worker, the bench's audit log and SQLite store peaked at +163 MB of process RSS
 * against +200 MB by default, in the same CPU time (6.4-6.8 s against 6.7-7.1 s).
 */
const YOUNG_GENERATION_MB = 12;

/**
 * Roles read in a worker of their own, let go once they are read. An SQLite store is read in
 * sql.js's WASM memory, which never shrinks, and its events as objects first: the worker that read
 * the bench's 14 MB store after the audit log held ~60 MB more until its last log was read, and
 * it read on while the calling thread appended the audit log's rows, where the cold peak is.
 * In a worker of its own, read from the start of the index, that memory goes seconds earlier.
 */
const SEPARATE_ROLES: ReadonlySet<FileRole> = new Set(['sqlite']);

export class LogReads {
  private readonly owed = new Map<ReadJob, Promise<FileRecord | undefined>>();
  private readonly workers: PoolWorker[] = [];
  private closed?: Promise<unknown>;

  /**
   * Starts reading `jobs` (each on its own, in order; SEPARATE_ROLES in a worker of their own),
   * or undefined when there are none or no worker starts.
   */
  static start(file: string, jobs: readonly ReadJob[], maxParseBytes: number, keyLists: KeyLists | undefined): LogReads | undefined {
    const reads = new LogReads();
    for (const group of [jobs.filter((j) => !SEPARATE_ROLES.has(j.role)), jobs.filter((j) => SEPARATE_ROLES.has(j.role))]) {
      if (group.length) reads.startWorker(file, group, maxParseBytes, keyLists);
    }
    return reads.workers.length ? reads : undefined;
  }

  private startWorker(file: string, jobs: readonly ReadJob[], maxParseBytes: number, keyLists: KeyLists | undefined): void {
    const [worker] = startWorkers(1, file, { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB });
    if (!worker) return;
    this.workers.push(worker);
    let unanswered = jobs.length;
    jobs.forEach((job) => {
      const read = worker.read({ maxParseBytes, keyLists, packRows: true, jobs: requestJobs([job]) });
      // Its heap held the logs' objects while it read them (~100 MB at 100k artifacts, kept until
      // the isolate dies): let it go as soon as it has answered, not when the calling thread gets
      // to the logs, seconds later, at the end of its own reading, where the cold peak is.
      this.owed.set(job, read.then((records) => {
        if (--unanswered === 0) void worker.close();
        return records?.[0];
      }));
    });
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

  close(): Promise<unknown> {
    return (this.closed ??= Promise.all(this.workers.map((w) => w.close())));
  }
}
