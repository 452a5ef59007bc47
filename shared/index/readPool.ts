// Reading off the main thread (issue 3): a large read (a cold index, a checkout that changed
// thousands of files) is split into batches that worker threads read with the same
// synchronous readers, posting the FileRecords back (for a caller that takes packed rows, each
// batch's refs as one set of rows: packedRows.ts BatchRows); the calling thread only links them
// into the store, so a language server keeps answering and the reads use the other cores.
// Small reads (an edit, a few files) stay on the calling thread, since a worker costs
// ~100 ms to start (bundle plus WASM), and so does everything when no worker can start.
// Batches come back in the order they were given, so the store sees records in the same
// order as an in-thread read. Logs and event stores are not read by the record workers: a
// log's record holds every event it has (150k in the bench's 62 MB audit log), and crossing
// threads as objects, cloned or as JSON text, held them two and three times over (1.4-1.7 GB
// peak RSS against 0.73 GB read in one thread). A caller that takes packed rows has the logs
// read whole by a worker of their own, their rows packed as typed arrays, a big log's written
// to a file until the calling thread appends them (logReads.ts, spilledRows.ts); a resumed log
// (it would have to post its previous record) is read in the calling thread.
// Where no worker reads records (the CLI), one worker reads the artifacts' bytes ahead for the
// calling thread instead (bytePrefetch.ts): bytes cross threads without cloning, records do not.
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
  /**
   * The caller hands `jobs` over and holds its jobs nowhere else (a cold build's listing): the
   * array is emptied once split into batches, and each batch is let go once the caller asks
   * for the next, so the jobs are freed as they are read, not at the end of the read.
   */
  takeJobs?: boolean;
  /**
   * With `packRows`: where a log worker writes big logs' rows until they are appended
   * (spilledRows.ts; the index's cache folder), made when missing; none: they are posted. Such
   * a record is to be handed to the store before the read ends: its file is closed then.
   */
  spillDir?: string;
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
async function* readInThread(batches: ReadJob[][], maxParseBytes: number, keyRules: KeyRules, { bytes, logs }: ReadAhead, packRows?: boolean, takeJobs?: boolean): AsyncGenerator<ReadBatch> {
  let k = 0;
  const names = new Map<string, string>();
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b];
    if (bytes) await bytes.ready(k, k + batch.filter(prefetchable).length);
    const served = bytes?.served ?? 0;
    const fromLogWorker = await logsRead(batch, logs);
    const records = batch.map((j) => {
      const read = fromLogWorker.get(j);
      if (read) return shareStrings(read, j, names);
      return readHere(j, maxParseBytes, keyRules, packRows, bytes && prefetchable(j) ? bytes.readBytes(k++) : undefined);
    });
    yield { jobs: batch, records, workers: 0, prefetched: (bytes?.served ?? 0) - served };
    if (takeJobs) batches[b] = [];
  }
}

/** The records of `batch`'s logs that `logs` read (a log it failed to read is left out: read it here). */
async function logsRead(batch: readonly ReadJob[], logs: LogReads | undefined): Promise<Map<ReadJob, FileRecord>> {
  const read = new Map<ReadJob, FileRecord>();
  for (const j of logs ? batch : []) {
    const record = await logs!.take(j);
    if (record) read.set(j, record);
  }
  return read;
}

/** A worker reading the whole logs and event stores among `jobs`, their rows packed, when the caller takes packed rows. */
function startLogReads(jobs: readonly ReadJob[], options: ReadBatchesOptions): LogReads | undefined {
  return options.packRows ? LogReads.start(readWorkerFile(options), jobs.filter(readsWholeLog), options.maxParseBytes, options.keyLists, options.spillDir) : undefined;
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
  const { maxParseBytes, keyLists, takeJobs } = options;
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
          logs: startLogReads(jobs, options),
        }
      : {};
    if (takeJobs) jobs.length = 0;
    try {
      yield* readInThread(batches, maxParseBytes, keyRules, ahead, options.packRows, takeJobs);
    } finally {
      await Promise.all([ahead.bytes?.close(), ahead.logs?.close()]);
    }
    return;
  }
  // The logs too are read in a worker of their own, while the record workers read the artifacts:
  // read here, after the artifacts before them, they held this thread while the other cores idled.
  // Not a log read a slice at a time with kept workers (one new to a ready index: its later
  // slices are read here): a worker started for that first slice held its isolate (15-20 MB)
  // beside the kept one just as an agent's writes began, where the top is.
  const logs = startLogReads(kept ? jobs.filter((j) => j.tailBytes === undefined) : jobs, options);
  if (takeJobs) jobs.length = 0;
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
        replies[sent++] = worker.read({ maxParseBytes, keyLists, packRows: options.packRows, jobs: requestJobs(toWorker) }).then((records) => {
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
      const fromLogWorker = await logsRead(batch, logs);
      let next = 0;
      const records = batch.map((j) => {
        if (fromWorker && !readsHere(j)) return shareStrings(fromWorker[next++], j, names);
        const log = fromLogWorker.get(j);
        return log ? shareStrings(log, j, names) : readHere(j, maxParseBytes, keyRules, options.packRows);
      });
      yield { jobs: batch, records, workers: fromWorker?.length ? workers.length : 0, prefetched: 0 };
      if (takeJobs) batches[i] = [];
    }
  } finally {
    if (kept) kept.release();
    else await Promise.all(workers.map((w) => w.close()));
    await logs?.close();
  }
}

/** The read workers' script: `options.workerFile`, or readWorker.js beside this module or bundle. */
export function readWorkerFile(options: Pick<ReadBatchesOptions, 'workerFile'>): string {
  return options.workerFile ?? nodePath.join(__dirname, 'readWorker.js');
}
