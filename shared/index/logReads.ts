// The logs and event stores of a CLI index, read whole in one worker while the calling thread
// links the artifacts before them (issue 9: workers read and scan, the main thread merges
// columns). A CLI index reads records in its own thread (readPool.ts), and on the bench's
// workspace its 47 MB audit log and 14 MB SQLite store held that thread 2-3 s while the byte
// prefetch worker idled. Each crosses as one record whose rows are packed (typed arrays,
// transferred, and each table's strings once), not as the EventEntry and Occurrence objects
// whose clones made the record workers' peak RSS 1.4-1.7 GB. The worker is let go once every
// record it owed has been taken; anything it could not read is read in the calling thread.
import type { FileRecord } from '../records';
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

export class LogReads {
  private readonly owed = new Map<ReadJob, Promise<FileRecord | undefined>>();
  private closed?: Promise<unknown>;

  private constructor(private readonly worker: PoolWorker) {}

  /** Starts reading `jobs` (each on its own, in order), or undefined when there are none or no worker starts. */
  static start(file: string, jobs: readonly ReadJob[], maxParseBytes: number, keyLists: KeyLists | undefined): LogReads | undefined {
    if (jobs.length === 0) return undefined;
    const [worker] = startWorkers(1, file, { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB });
    if (!worker) return undefined;
    const reads = new LogReads(worker);
    let unanswered = jobs.length;
    jobs.forEach((job, id) => {
      const read = worker.read({ id, maxParseBytes, keyLists, packRows: true, jobs: requestJobs([job]) });
      // Its heap held the logs' objects while it read them (~100 MB at 100k artifacts, kept until
      // the isolate dies): let it go as soon as it has answered, not when the calling thread gets
      // to the logs, seconds later, at the end of its own reading, where the cold peak is.
      reads.owed.set(job, read.then((records) => {
        if (--unanswered === 0) void reads.close();
        return records?.[0];
      }));
    });
    return reads;
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
    return (this.closed ??= this.worker.close());
  }
}
