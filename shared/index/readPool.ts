// Reading off the main thread (issue 3): a large read (a cold index, a checkout that changed
// thousands of files) is split into batches that worker threads read with the same
// synchronous readers, posting the FileRecords back; the calling thread only links them into
// the store, so a language server keeps answering and the reads use the other cores.
// Small reads (an edit, a few files) stay on the calling thread, since a worker costs
// ~100 ms to start (bundle plus WASM), and so does everything when no worker can start.
// Batches come back in the order they were given, so the store sees records in the same
// order as an in-thread read. Logs and event stores are read in the calling thread: a log's
// record holds every event it has (150k in the bench's 62 MB audit log), and crossing threads,
// cloned or as JSON text, held them two and three times over (1.4-1.7 GB peak RSS against
// 0.73 GB read in one thread); a resumed log would also have to post its previous record.
// Where no worker reads records (the CLI), one worker reads the artifacts' bytes ahead for the
// calling thread instead (bytePrefetch.ts): bytes cross threads without cloning, records do not;
// and one reads the logs whole, their rows packed as typed arrays (logReads.ts).
import * as os from 'node:os';
import * as nodePath from 'node:path';
import type { FileRecord, FileRole } from '../records';
import { readFileRecord } from '../readers';
import { ARTIFACT_READ } from '../readers/artifactReader';
import type { ReadBytes } from '../readers/fileBytes';
import { keyRulesFor, type KeyLists, type KeyRules } from '../refs/refRole';
import { BytePrefetch } from './bytePrefetch';
import type { KeptWorkers } from './keptWorkers';
import { LogReads } from './logReads';
import { startWorkers } from './poolWorker';
import { shareStrings } from './recordStrings';
import { requestJobs, type ReadJob } from './readRequests';

export interface ReadBatchesOptions {
  maxParseBytes: number;
  keyLists?: KeyLists;
  /** Files per batch (default 128): the unit of progress and of a turn of the event loop. */
  batchSize?: number;
  /** Fewer files than this are read in the calling thread (default 1024). */
  minPoolFiles?: number;
  /**
   * Logs and event stores (read in the calling thread) pack their rows as they are read
   * (ReadContext `packRows`): for a caller that hands the records to the store.
   */
  packRows?: boolean;
  /** Worker threads (default: the available parallelism, at most 4). */
  workers?: number;
  /** The worker script (default: readWorker.js beside this module or bundle). */
  workerFile?: string;
  /**
   * Workers kept from one read to the next (keptWorkers.ts), used instead of starting
   * `workers` of `workerFile` for this read and closing them after it.
   */
  keptWorkers?: KeptWorkers;
  /**
   * When no worker reads records (`workers: 0`, or none could start): whether one worker reads
   * the artifacts' bytes ahead for the calling thread (bytePrefetch.ts), and, with `packRows`,
   * another the logs and event stores read whole (logReads.ts). Default: from 2 cores up.
   */
  prefetch?: boolean;
  /** The prefetch worker's script (default: prefetchWorker.js beside this module or bundle). */
  prefetchFile?: string;
}

/** One batch's records, in the order of its jobs. */
export interface ReadBatch {
  jobs: ReadJob[];
  records: FileRecord[];
  /** Worker threads that were reading when this batch was read; 0: it was read in the calling thread. */
  workers: number;
  /** Files whose bytes a prefetch worker read ahead (see ReadBatchesOptions.prefetch). */
  prefetched: number;
}

const BATCH = 128;
const MIN_POOL_FILES = 1024;
const MAX_WORKERS = 4;
/** Batches queued on a worker: one being read while the next waits, so no worker idles on a round trip. */
const QUEUED_PER_WORKER = 2;
/**
 * How far reading may run ahead of the batch the caller waits for. Batches are handed over in
 * order, so one slow file (a large SQLite store or log takes a second or more) holds up the
 * batches after it: meanwhile the other workers read on, up to this many batches.
 */
const MAX_AHEAD = 64;

/** Files whose records hold their events: never read in a worker (see above). */
const EVENT_ROLES: ReadonlySet<FileRole> = new Set(['auditLog', 'ledger', 'eventsJsonl', 'otlpLog', 'sqlite']);

function readsHere(job: ReadJob): boolean {
  return job.previous !== undefined || EVENT_ROLES.has(job.role);
}

function readHere(job: ReadJob, maxParseBytes: number, keyRules: KeyRules, packRows?: boolean, readBytes?: ReadBytes): FileRecord {
  // Previews are not kept by the index: 100k of them cost ~100 MB, and the hover reads a file's head on demand.
  return readFileRecord(job.path, job.role, { root: job.root, maxParseBytes, previous: job.previous, tailOnly: job.tailOnly, tailBytes: job.tailBytes, keyRules, packRows, readBytes });
}

/** Artifacts read whole (not resumed): the files a prefetch worker reads the bytes of. */
function prefetchable(job: ReadJob): boolean {
  return job.role === 'artifact' && job.previous === undefined;
}

/** Logs and event stores read whole: the files a log worker reads for the calling thread (logReads.ts). */
function readsWholeLog(job: ReadJob): boolean {
  return job.previous === undefined && EVENT_ROLES.has(job.role);
}

/** What other threads read ahead for the calling thread (see ReadBatchesOptions.prefetch). */
interface ReadAhead {
  bytes?: BytePrefetch;
  logs?: LogReads;
}

/**
 * Reads the batches in the calling thread; with `ahead.bytes`, from the artifact bytes it read
 * ahead (the k-th prefetchable job is its file k); with `ahead.logs`, taking the logs it read.
 */
async function* readInThread(batches: ReadJob[][], maxParseBytes: number, keyRules: KeyRules, { bytes, logs }: ReadAhead, packRows?: boolean): AsyncGenerator<ReadBatch> {
  let k = 0;
  const names = new Map<string, string>();
  for (const batch of batches) {
    if (bytes) await bytes.ready(k, k + batch.filter(prefetchable).length);
    const served = bytes?.served ?? 0;
    const fromWorker = new Map<ReadJob, FileRecord | undefined>();
    for (const j of logs ? batch : []) {
      const read = logs!.take(j);
      if (read) fromWorker.set(j, await read);
    }
    const records = batch.map((j) => {
      const read = fromWorker.get(j);
      if (read) return shareStrings(read, j, names);
      return readHere(j, maxParseBytes, keyRules, packRows, bytes && prefetchable(j) ? bytes.readBytes(k++) : undefined);
    });
    yield { jobs: batch, records, workers: 0, prefetched: (bytes?.served ?? 0) - served };
  }
}

/**
 * A core for each worker beside the calling thread, which links every record and reads the
 * logs: on 2 cores one worker (two took 28.9 s CPU where one thread took 24.0 s, and no less
 * wall time, on the bench's 141k files).
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism() - 1));
}

/**
 * Reads `jobs` and yields their records batch by batch, in order: through worker threads when
 * there are enough files, else (or for batches a failed worker owed) in the calling thread.
 * The caller takes its turns of the event loop between batches as it sees fit.
 */
export async function* readBatches(jobs: ReadJob[], options: ReadBatchesOptions): AsyncGenerator<ReadBatch> {
  const size = options.batchSize ?? BATCH;
  const batches: ReadJob[][] = [];
  for (let i = 0; i < jobs.length; i += size) batches.push(jobs.slice(i, i + size));
  const { maxParseBytes, keyLists } = options;
  const keyRules = keyRulesFor(keyLists);
  const pooled = jobs.length >= (options.minPoolFiles ?? MIN_POOL_FILES);
  const kept = pooled ? options.keptWorkers : undefined;
  const workers = kept ? kept.take() : pooled ? startWorkers(options.workers ?? defaultWorkers(), readWorkerFile(options)) : [];
  if (workers.length === 0) {
    kept?.release();
    const wantsPrefetch = jobs.length >= (options.minPoolFiles ?? MIN_POOL_FILES) && (options.prefetch ?? os.availableParallelism() >= 2);
    const ahead: ReadAhead = wantsPrefetch
      ? {
          bytes: BytePrefetch.start(options.prefetchFile ?? nodePath.join(__dirname, 'prefetchWorker.js'), jobs.filter(prefetchable).map((j) => j.path), maxParseBytes, ARTIFACT_READ),
          // Rows cross threads packed, for a caller that hands them to the store.
          logs: options.packRows ? LogReads.start(readWorkerFile(options), jobs.filter(readsWholeLog), maxParseBytes, keyLists) : undefined,
        }
      : {};
    try {
      yield* readInThread(batches, maxParseBytes, keyRules, ahead, options.packRows);
    } finally {
      await Promise.all([ahead.bytes?.close(), ahead.logs?.close()]);
    }
    return;
  }
  try {
    const replies: (Promise<FileRecord[] | undefined> | undefined)[] = [];
    const names = new Map<string, string>();
    let sent = 0;
    let waitingFor = 0;
    // Called whenever a worker replies or the caller moves on: keeps every live worker busy.
    const pump = (): void => {
      while (sent < batches.length && sent < waitingFor + MAX_AHEAD) {
        const toWorker = batches[sent].filter((j) => !readsHere(j));
        if (toWorker.length === 0) {
          replies[sent++] = Promise.resolve([]); // only logs: read when handed over
          continue;
        }
        const worker = workers.reduce((a, b) => (b.load < a.load ? b : a));
        if (worker.load >= QUEUED_PER_WORKER) return; // all busy (or all failed)
        replies[sent++] = worker.read({ maxParseBytes, keyLists, jobs: requestJobs(toWorker) }).then((records) => {
          pump();
          return records;
        });
      }
    };
    for (let i = 0; i < batches.length; i++) {
      waitingFor = i;
      pump();
      const batch = batches[i];
      // Never sent: every worker failed, and this thread reads the rest.
      const fromWorker = await replies[i];
      replies[i] = undefined; // handed over: the caller holds its records now
      let next = 0;
      const records = batch.map((j) => (fromWorker && !readsHere(j) ? shareStrings(fromWorker[next++], j, names) : readHere(j, maxParseBytes, keyRules, options.packRows)));
      yield { jobs: batch, records, workers: fromWorker?.length ? workers.length : 0, prefetched: 0 };
    }
  } finally {
    if (kept) kept.release();
    else await Promise.all(workers.map((w) => w.close()));
  }
}

/** The read workers' script: `options.workerFile`, or readWorker.js beside this module or bundle. */
export function readWorkerFile(options: Pick<ReadBatchesOptions, 'workerFile'>): string {
  return options.workerFile ?? nodePath.join(__dirname, 'readWorker.js');
}
