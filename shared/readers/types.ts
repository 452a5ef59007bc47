// The contract between the index and the readers: the index discovers files and decides
// their role; a reader turns one file into one FileRecord, synchronously (small files are
// read with readFileSync in batches: async reads cost ~115 us each in thread-pool trips).
import type { FileRecord, FileRole } from '../records';
import type { KeyRules } from '../refs/refRole';
import type { ReadBytes } from './fileBytes';

export interface ReadContext {
  /** The runtime root, file-store base or state dir the file was discovered under. */
  root: string;
  /** Content larger than this is hashed but not parsed. */
  maxParseBytes: number;
  /** The file's previous record, so an appended log is read from `previous.resume`. */
  previous?: FileRecord;
  /**
   * With `previous`: a log that only grew returns just what follows its resume point, marked
   * with `tailOf` (the index keeps the rows it has; `previous` then needs no events or
   * occurrences, only its resume point). A log that did not only grow is read from its start.
   */
  tailOnly?: boolean;
  /**
   * Read about this many bytes at most (whole lines); with `tailOnly`, of what was appended, and
   * mark the record `tailOf.more` when more follows. A language server takes an agent's
   * megabytes of appended events in slices with turns of its event loop between them (a tail
   * read in one piece held it 300-500 ms). Without a resume point (a new log, or one that did
   * not only grow) the read starts from the beginning and stops the same way: the record then
   * ends at its resume point (`size` is what was read), and the caller reads on from there.
   */
  tailBytes?: number;
  /**
   * Pack a whole log's occurrences and events as rows while it is read (FileRecord `rows`), for
   * a caller that hands the record to the store: a large log's objects never pile up. A tail
   * read (`tailOnly`) keeps objects (it is small, and the store extends a log from them).
   */
  packRows?: boolean;
  /**
   * With `packRows`: a file (its descriptor, open for writing) where a big log's rows are
   * written a window at a time as they are read, not held to its end (spilledRows.ts): a log
   * worker's, whose calling thread appends them from there (logReads.ts).
   */
  spillFd?: number;
  /** Hash model blobs too (slow for GB files: `verify` does, indexing does not). */
  verifyBlobs?: boolean;
  /** How refs are classified by their JSON key (settings `refscope.pointerKeys`, `fingerprintKeys`); default: CONTRACT 1.8's lists. */
  keyRules?: KeyRules;
  /**
   * Where an artifact's bytes come from (default: read now). A cold index of 100k artifacts
   * reads them ahead in a worker (bytePrefetch.ts), which gives the same result or error.
   */
  readBytes?: ReadBytes;
}

/** Reads one file of a known role. Never throws: bad input becomes a Problem on the record. */
export type ReadFile = (path: string, role: FileRole, ctx: ReadContext) => FileRecord;
