// What the calling thread and a read worker (readWorker.ts) say to each other: the files of a
// batch to read, and the records or the error that come back. Its own module so that the pool
// (readPool.ts), the log reads (logReads.ts) and the worker's two ends import it without
// importing each other.
import type { FileRecord, FileRole } from '../records';
import type { KeyLists } from '../refs/refRole';
import type { PackedRowsWire } from './packedRows';

export interface ReadJob {
  path: string;
  role: FileRole;
  root: string;
  /** The file's previous record, for a log the reader resumes (read in the calling thread). */
  previous?: FileRecord;
  /** Read only what was appended since `previous` (see ReadContext `tailOnly`). */
  tailOnly?: boolean;
  /** With `tailOnly`: about how many appended bytes to read at most (see ReadContext `tailBytes`). */
  tailBytes?: number;
}

/**
 * Posted to a worker: the files of one batch as `path NUL role NUL root NUL ...` (NUL is in no
 * path). One string clones in a fraction of the time of an array of 3 strings per file.
 */
export interface BatchRequest {
  id: number;
  maxParseBytes: number;
  /** The key lists refs are classified by (CONTRACT 1.8); a worker builds its rules from them. */
  keyLists?: KeyLists;
  /** Pack the records' rows and post them in their wire form (readWorker.ts; see logReads.ts and BatchReply). */
  packRows?: boolean;
  /**
   * With `packRows`: a file of the calling thread's (its descriptor) where a log's rows are
   * written as they are read, instead of posted, when they are many (spilledRows.ts; a log
   * worker's: logReads.ts).
   */
  spillFd?: number;
  jobs: string;
}

/** `jobs` as a request's `jobs` field: path, role and root of each, joined (read back by requestedFiles). */
export function requestJobs(jobs: readonly ReadJob[]): string {
  const fields: string[] = [];
  for (const j of jobs) fields.push(j.path, j.role, j.root);
  return fields.join('\0');
}

/** The [path, role, root] of each file in `request.jobs`. */
export function requestedFiles(request: BatchRequest): [string, FileRole, string][] {
  const parts = request.jobs.split('\0');
  const out: [string, FileRole, string][] = [];
  for (let i = 0; i + 2 < parts.length; i += 3) out.push([parts[i], parts[i + 1] as FileRole, parts[i + 2]]);
  return out;
}

/**
 * Posted back: the batch's records in request order, or why it could not be read. With
 * `packRows`, `rows` holds the rows of the records whose reader left them as objects, each such
 * record's `rows` its window of them (packedRows.ts BatchRows); a log's own rows are its own.
 */
export type BatchReply = { id: number; records: FileRecord[]; rows?: PackedRowsWire } | { id: number; error: string };
