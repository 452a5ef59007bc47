// The persistent index (CONTRACT 4), in the cache folder:
// - `records-<token>.bin` (recordsFile): the records, in 256 buckets by path hash, each
//   bucket its files' records in the byte codec and their occurrence and event rows as column
//   sections (savedBucket.ts), written straight to bytes and to disk bucket by bucket: a cold
//   save holds one bucket in memory and writes rows from the columns as they are, a load
//   appends them to the columns with no object per row, a changed file re-encodes only its
//   bucket (the others' bytes are copied over), and a damaged bucket costs only its own files.
// - `keys<format>-<token>.bin` (keyIndex.ts, same bucket layout): beside each bucket of records, the
//   keys each record answers to, so a query needing a few records (`refscope show`, `trace`)
//   decodes only their buckets (scopedLoad.ts). A missing one is written again by the next save.
// - `summary.sqlite`: the schema and options the records were made with, the name of the
//   records file and of the file table, and the whole-index counters. Small.
// - `files-<token>.bin` (fileTable.ts): every file's (size, mtime, role, root) as columns,
//   checksummed: an unchanged workspace is recognised, and its stats answered, from these two
//   files alone, with no object per file.
// Each file is written atomically and durably (fs/atomicWrite); the records file gets a new
// name on each save and the summary naming it is renamed in last, so a crash at any point
// leaves a summary that names complete records. The summary database is opened only to load
// and save, never kept.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import { writeFileAtomic, writeFileAtomicFrom } from '../fs/atomicWrite';
import { loadedSqlJs } from '../readers/wasm';
import type { Problem } from '../records';
import { ByteWriter } from './byteCodec';
import { FileTable, type FilesToSave, type StampPatches, type TableEntry, type TableToSave } from './fileTable';
import { KEY_INDEX_FORMAT, KeyBucketWriter, keyHash, type KeySink } from './keyIndex';
import { damagedBuckets, KEPT_BUFFER_BYTES, MAX_FILES, RecordsReader, SLICE_BYTES, tokenOf, writeAt, writeRecordsFiles, type BucketSink } from './recordsFile';
import { BucketWriter, checkedRows, placeBucket, savedFiles, type PlacedFile, type RowColumns, type SavedRows } from './savedBucket';
import { FILES_PER_PAUSE, timeSlices } from './timeSlices';
import type { StoredFile } from './memoryIndex';

/** Bumped whenever the stored shape, or what a reader puts in a record, changes: an older cache is then rebuilt. */
export const CACHE_SCHEMA = 18;
export const BUCKETS = 256;
const SUMMARY = 'summary.sqlite';
const RECORDS = /^records-[0-9a-f]{16}\.bin$/;
const FILES = /^files-[0-9a-f]{16}\.bin$/;
/** Records, key-index and file-table files of every schema, for clean-up (schema 5 kept records in sql.js databases). */
const ANY_RECORDS = /^(records|files|keys\d*)-[0-9a-f]{16}\.(bin|sqlite)$/;
/** Records and key-index files of this schema's layout: a save may refer to an earlier one's buckets. */
const RECORDS_OR_KEYS = new RegExp(`^(records|keys${KEY_INDEX_FORMAT})-[0-9a-f]{16}\\.bin$`);

export function bucketOf(p: string): number {
  return keyHash(p) % BUCKETS;
}

/** bucketOf(files.pathOf(id)), with no path made (see SavedFiles.pathHash). */
function bucketOfFile(files: SavedFiles, id: number): number {
  return files.pathHash(id) % BUCKETS;
}

function sqlJs() {
  const sql = loadedSqlJs();
  if (!sql) throw new Error('sql.js is not loaded (initReaders() first)');
  return sql;
}

/** Whole-index counters saved with the records, so an unchanged workspace can answer stats without loading them. */
export interface SavedCounts {
  artifacts: number;
  refs: number;
  dangling: number;
  events: number;
  blobs: number;
  problems: number;
  /** The sizes of the tables a full load fills: it sizes them once from these (schema 15). */
  tables: SavedTables;
}

/**
 * How much the saved records bring to the tables that grew by doubling as a load filled them:
 * told ahead, a full load of the 1M bench sizes each once (its digests' 128 MB held 68 MB, its
 * path names' 128 MB ~60 MB, and each doubling copied the table; the events' summary bytes,
 * planned from the first rows loaded, were copied to their size at the end of the load). At most what a load of
 * them makes (ids are never given back while the index runs): sizes only room, never a count.
 */
export interface SavedTables {
  files: number;
  /** The held files' path names, in bytes (pathTable.ts). */
  nameBytes: number;
  digests: number;
  /** The key strings table's ids (ref keys, run ids, digest keys). */
  keys: number;
  /** The events' refs, and their summaries' bytes (eventColumns.ts). */
  eventRefs: number;
  summaryBytes: number;
  /**
   * The key strings table's strings other than digest keys, in bytes (textPool.ts). Room only,
   * as the others: absent from a save before it (and the four below), a load grows them as they fill.
   */
  textBytes?: number;
  /** The pool ints of the lookups of files by key, of events by ref key and by run, and of the runs' groups (idsByKey.ts, runColumns.ts); as textBytes. */
  keyFileWords?: number;
  refRowWords?: number;
  runRowWords?: number;
  runWords?: number;
}

export interface Summary {
  files: FileTable;
  counts: SavedCounts;
  /** The records file (a bare name inside the cache folder). */
  records: string;
  /** The file table's file (a bare name inside the cache folder). */
  table: string;
  /** The stamps of files changed since the table was written (see StampPatches): `files` has them in place. */
  patches: StampPatches;
}

function openDb(file: string): Database | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return new (sqlJs().Database)(bytes);
}

/** Whether `cacheDir` holds a saved index at all (of any schema or options): what a start can tell before it reads anything. */
export function hasSavedIndex(cacheDir: string): boolean {
  return fs.existsSync(path.join(cacheDir, SUMMARY));
}

/** What a summary says besides its file table: enough for a warm start that trusts its folder stamps (warmCheck.ts). */
export type SummaryHead = Omit<Summary, 'files'>;

/** A summary's file table already read, with the head it was read for (loadFileTable). */
export interface TableRead {
  head: SummaryHead;
  files: FileTable;
}

/**
 * The saved summary, if there is one of this schema and these options; anything else is ignored
 * with a reason. `read`: its file table, when this start has read it already (its records file
 * names the save it belongs to).
 */
export function loadSummary(cacheDir: string, optionsKey: string, read?: TableRead): { summary?: Summary; discarded?: string } {
  return readSummary(cacheDir, optionsKey, true, read);
}

/** As loadSummary, without reading the file table (22 MB at 140k files). */
export function loadSummaryHead(cacheDir: string, optionsKey: string): { summary?: SummaryHead; discarded?: string } {
  return readSummary(cacheDir, optionsKey, false);
}

/** The file table of summary `head`, its patches in place; undefined when it is missing. Throws on a damaged one. */
function readFileTable(cacheDir: string, head: SummaryHead): FileTable | undefined {
  let table: Buffer;
  try {
    table = fs.readFileSync(path.join(cacheDir, head.table));
  } catch {
    return undefined;
  }
  return FileTable.decode(table).patched(head.patches);
}

/** The file table of summary `head`, for a start that read the head alone; undefined when it is missing or damaged. */
export function loadFileTable(cacheDir: string, head: SummaryHead): FileTable | undefined {
  try {
    return readFileTable(cacheDir, head);
  } catch {
    return undefined;
  }
}

function readSummary(cacheDir: string, optionsKey: string, withFiles: true, read?: TableRead): { summary?: Summary; discarded?: string };
function readSummary(cacheDir: string, optionsKey: string, withFiles: false): { summary?: SummaryHead; discarded?: string };
function readSummary(cacheDir: string, optionsKey: string, withFiles: boolean, read?: TableRead): { summary?: SummaryHead | Summary; discarded?: string } {
  const file = path.join(cacheDir, SUMMARY);
  let db: Database | undefined;
  try {
    db = openDb(file);
    if (!db) return {};
    // The schema first: an older summary's table may not have the columns read below.
    const schema = db.exec('SELECT schema FROM summary')[0]?.values[0]?.[0];
    if (schema === undefined) return { discarded: 'cache summary is empty; rebuilding' };
    if (String(schema) !== String(CACHE_SCHEMA)) return { discarded: `cache schema ${schema} is not ${CACHE_SCHEMA}; rebuilding` };
    const row = db.exec('SELECT options, records, counts, files, patches FROM summary')[0]?.values[0];
    if (!row) return { discarded: 'cache summary is empty; rebuilding' };
    if (String(row[0]) !== optionsKey) return { discarded: 'index options changed; rebuilding' };
    const records = String(row[1]);
    const filesName = String(row[3]);
    if (!RECORDS.test(records) || !FILES.test(filesName)) return { discarded: 'cache summary names no valid records file; rebuilding' };
    const counts = JSON.parse(String(row[2])) as SavedCounts;
    const patches = JSON.parse(String(row[4])) as StampPatches;
    if (!Array.isArray(patches)) return { discarded: 'cache summary is damaged; rebuilding' };
    const head = { counts, records, table: filesName, patches };
    if (!withFiles) return { summary: head };
    const files = read?.head.records === records && read.head.table === filesName ? read.files : readFileTable(cacheDir, head);
    return files ? { summary: { ...head, files } } : { discarded: `cache file table ${filesName} is missing; rebuilding` };
  } catch (err) {
    return { discarded: `cache file ${file} is unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    db?.close();
  }
}

/** The saved records, if the cache is of this schema and these options; anything else is ignored with a reason. */
export interface LoadedRecords {
  /** How many files were handed to `keep`. */
  files: number;
  /** Each file's cross-file ref problems as they were when saved (consistent with `files`). */
  derived: Map<string, Problem[]>;
  /** Why nothing was loaded. */
  discarded?: string;
  /** Buckets that were damaged, and what was said about them: their files were not loaded. */
  damaged: number[];
  /** Buckets whose key index is missing or damaged: their files were loaded, and the next save writes them again. */
  stale: number[];
  messages: string[];
  /** The records file loaded (a bare name inside the cache folder). */
  records?: string;
}

/** Where a load puts the saved files: a store, which takes each file's rows from its bucket's sections. */
export interface SavedFilesSink {
  /** Called once before the files: how many refs and events they bring (the summary's counts), so the store sizes its columns once. */
  expectSaved(counts: SavedCounts): void;
  setSaved(file: PlacedFile, rows: SavedRows): void;
}

/**
 * Hands each saved file to `store` a bucket at a time, as soon as its bucket decoded whole:
 * its rows go from the bucket's sections into the store's columns, no object made per row.
 */
export function loadRecords(cacheDir: string, optionsKey: string, store: SavedFilesSink): LoadedRecords {
  const loaded: LoadedRecords = { files: 0, derived: new Map(), damaged: [], stale: [], messages: [] };
  // The head only: the records check themselves, and the file table (a third of a 100k load's
  // summary time) is read only to count a damaged bucket's files.
  const { summary, discarded } = loadSummaryHead(cacheDir, optionsKey);
  if (!summary) return { ...loaded, discarded };
  loaded.records = summary.records;
  let reader: RecordsReader | undefined;
  try {
    reader = RecordsReader.open(path.join(cacheDir, summary.records), BUCKETS);
  } catch (err) {
    return { ...loaded, discarded: `cache records are unreadable (${(err as Error).message}); rebuilding` };
  }
  if (!reader) return { ...loaded, discarded: `cache records ${summary.records} are missing; rebuilding` };
  const damaged = new Map<number, string>();
  store.expectSaved(summary.counts);
  try {
    for (const b of loadOrder(reader)) {
      const { files, damaged: why } = loadBucket(reader, b, store, loaded.derived);
      loaded.files += files;
      if (why) damaged.set(b, why);
    }
  } finally {
    reader.close();
  }
  const keys = damagedKeys(cacheDir, summary.records);
  for (let b = 0; b < BUCKETS; b++) if (!keys || keys.has(b)) loaded.stale.push(b);
  if (!damaged.size) return loaded;
  const paths = loadSummary(cacheDir, optionsKey).summary?.files.pathList();
  const filesIn = new Int32Array(BUCKETS);
  for (const p of paths ?? []) filesIn[bucketOf(p)]++;
  for (const [b, reason] of damaged) {
    loaded.damaged.push(b);
    const files = paths ? `its ${filesIn[b]} files` : 'its files';
    loaded.messages.push(`cache bucket ${b} of ${summary.records} is damaged (${reason}): ${files} are read again`);
  }
  return loaded;
}

/**
 * Hands bucket `b`'s files to `store`, their saved derived problems to `derived`; nothing when
 * it is damaged (then why). Returns how many files it held.
 */
export function loadBucket(reader: RecordsReader, b: number, store: Pick<SavedFilesSink, 'setSaved'>, derived: Map<string, Problem[]>): { files: number; damaged?: string } {
  const bucket = bucketRows(reader, b);
  if (!bucket) return { files: 0 };
  if (bucket.damaged !== undefined) return { files: 0, damaged: bucket.damaged };
  let files = 0;
  // Its files read, each held as it is read (see savedFiles): the bucket's check passed over the same bytes.
  for (const file of savedFiles(bucket.data)) {
    store.setSaved(file, bucket.rows);
    files++;
    if (file.derived) derived.set(file.record.path, file.derived);
  }
  return { files };
}

/**
 * Bucket `b`'s bytes and rows, decoded and checked whole before anything is kept (a bucket is
 * loaded entirely or not at all), or why it is damaged; undefined when it is empty. A big one is
 * read in pieces (PlacedBucket): its checksum first, through one small buffer.
 */
function bucketRows(reader: RecordsReader, b: number): { data: Uint8Array; rows: SavedRows; damaged?: undefined } | { damaged: string } | undefined {
  const big = reader.byteLength(b) > KEPT_BUFFER_BYTES;
  const bucket = big ? undefined : reader.bucket(b);
  const damaged = big ? reader.damage(b) : bucket?.damaged;
  if (damaged) return { damaged };
  if (!big && !bucket?.data) return undefined;
  try {
    if (!big) return { data: bucket!.data!, rows: checkedRows(bucket!.data!) };
    const placed = reader.placed(b);
    return { data: placed.data, rows: placeBucket(placed) };
  } catch (err) {
    return { damaged: `it does not decode (${(err as Error).message})` };
  }
}

/**
 * The buckets in the order a load reads them: those over KEPT_BUFFER_BYTES (a big log's) first,
 * largest first, then the others in order. The part of a big bucket read in (its records,
 * strings and row counts: a fraction of the 1M bench's 299 MB) is garbage once its rows are in the columns; read
 * last, it was still held at the end of the load, where its peak is, and read first, a
 * collection during the rest of the load frees it.
 */
function loadOrder(reader: RecordsReader): number[] {
  const big: number[] = [];
  const rest: number[] = [];
  for (let b = 0; b < BUCKETS; b++) (reader.byteLength(b) > KEPT_BUFFER_BYTES ? big : rest).push(b);
  big.sort((a, b) => reader.byteLength(b) - reader.byteLength(a));
  return big.concat(rest);
}

/** The damaged buckets of a records file's key index; undefined when it is missing or unreadable. */
function damagedKeys(cacheDir: string, records: string): Map<number, string> | undefined {
  try {
    return damagedBuckets(path.join(cacheDir, keysFileOf(records)), BUCKETS);
  } catch {
    return undefined;
  }
}

/**
 * Why the saved records or their key index cannot be used as they are (missing, unreadable,
 * truncated, a damaged key bucket), if they cannot. The records' buckets are not read here:
 * each one's checksum is checked when it is loaded (a lazy start does not read 100 MB through
 * to answer from a few buckets), and a damaged one is then read again from the workspace
 * (loadRecords says which). The key index, a tenth of their size, is checked whole: the first
 * scoped query reads all of it anyway.
 */
export function recordsProblem(cacheDir: string, summary: SummaryHead): string | undefined {
  const problem = recordsHeaderProblem(cacheDir, summary);
  if (problem) return problem;
  const keys = damagedKeys(cacheDir, summary.records);
  if (!keys) return `cache key index ${keysFileOf(summary.records)} is missing or unreadable`;
  if (keys.size) return `cache key index ${keysFileOf(summary.records)} has ${keys.size} damaged buckets`;
  return undefined;
}

/**
 * recordsProblem without the key index, for a start that reads the key index next and checks
 * it there (a full load marks its damaged buckets stale; a start after a change reads it whole
 * first and loads everything when it cannot): read twice, it was ~0.4 s at 1M artifacts.
 */
export function recordsHeaderProblem(cacheDir: string, summary: SummaryHead): string | undefined {
  try {
    const reader = RecordsReader.open(path.join(cacheDir, summary.records), BUCKETS);
    if (!reader) return `cache records ${summary.records} are missing`;
    const truncated = reader.truncated;
    reader.close();
    return truncated ? `cache records ${summary.records} are truncated` : undefined;
  } catch (err) {
    return `cache records are unreadable (${(err as Error).message})`;
  }
}

/** The saved files of buckets `damaged` (as the file table has them), to be read again. */
export function filesOfBuckets(cacheDir: string, optionsKey: string, damaged: readonly number[]): TableEntry[] {
  const table = loadSummary(cacheDir, optionsKey).summary?.files;
  return table ? table.entries((p) => damaged.includes(bucketOf(p))) : [];
}

/** The files a save writes, by file id (the store's HeldFiles). */
export interface SavedFiles {
  ids(): Iterable<number>;
  /** A new string per call. */
  pathOf(id: number): string;
  /** keyHash(pathOf(id)) (keyIndex.ts), without making the path: a save finds each file's bucket by it. */
  pathHash(id: number): number;
  byId(id: number): StoredFile | undefined;
}

/** What a save needs of the index besides its files. */
export interface SaveSource {
  /** Each file's cross-file ref problems. */
  derivedOf(path: string): Problem[];
  /**
   * Lists into `into` the hashes (keyHash) of the keys a file can be looked up under (see
   * keyIndex.ts), yielding where the save may take its pause (a big file's rows now and then).
   */
  keysOf(file: StoredFile, into: KeySink): Iterator<void>;
  /** The store's columns: the rows are saved from them as they are. */
  rows: RowColumns;
}

/**
 * Called between records while a save encodes: it resolves at once or after a turn of the event
 * loop, and may throw to give the save up (the files being written are then removed, and the
 * previous save stays in place).
 */
export type SavePause = () => Promise<void>;

/** The key index saved beside a records file (`keys<format>-<token>.bin` beside `records-<token>.bin`). */
export function keysFileOf(records: string): string {
  return records.replace(/^records-/, `keys${KEY_INDEX_FORMAT}-`);
}

/** The previous records and key index, when both are there and readable: their clean buckets are referred to or copied (planReuse). */
function openPrevious(cacheDir: string, previous: SummaryHead | undefined): { records: RecordsReader; keys: RecordsReader } | undefined {
  let records: RecordsReader | undefined;
  try {
    records = previous && RecordsReader.open(path.join(cacheDir, previous.records), BUCKETS);
    const keys = records && RecordsReader.open(path.join(cacheDir, keysFileOf(previous!.records)), BUCKETS);
    if (keys) return { records: records!, keys };
  } catch {
    // unreadable: every bucket is written anew
  }
  records?.close();
  return undefined;
}

/**
 * The earlier saves whose files the new save refers to for its clean buckets (`clean(b)`), by
 * token; the clean buckets of the others are copied into the new files. A file whose buckets
 * still in use (clean here) take less than half of it is copied from, so its garbage goes with
 * it and the cache stays under twice what it holds; of the rest, the MAX_FILES - 1 with the
 * most in use are kept (the new save's own file is the last).
 */
function planReuse(kept: { records: RecordsReader; keys: RecordsReader }, clean: (b: number) => boolean): Set<string> {
  const live = new Map<string, number>();
  for (let b = 0; b < BUCKETS; b++) {
    if (!clean(b)) continue;
    const bytes = kept.records.byteLength(b) + kept.keys.byteLength(b);
    const token = kept.records.place(b).token;
    if (bytes > 0) live.set(token, (live.get(token) ?? 0) + bytes);
  }
  const size = new Map<string, number>();
  for (const reader of [kept.records, kept.keys]) for (const [token, bytes] of reader.fileSizes()) size.set(token, (size.get(token) ?? 0) + bytes);
  const worth = [...live].filter(([token, bytes]) => 2 * bytes >= (size.get(token) ?? 0));
  worth.sort((a, b) => b[1] - a[1]);
  return new Set(worth.slice(0, MAX_FILES - 1).map(([token]) => token));
}

/** Files grouped into buckets between two pauses of a save: each is a path hashed from the path table. */
const PATHS_PER_PAUSE = 256;

/**
 * Writes a new records file and its key index: the dirty buckets (every bucket when there
 * are no usable previous files) encoded from `files`, the others referred to where earlier
 * saves left them or their bytes copied from there one at a time (planReuse). Returns the
 * records file's name, and the tokens of the saves whose files the new ones refer to.
 */
async function saveRecords(cacheDir: string, previous: SummaryHead | undefined, files: SavedFiles, dirty: Set<number>, source: SaveSource, pause: SavePause, partial: boolean): Promise<{ records: string; tokens: string[] }> {
  const kept = openPrevious(cacheDir, previous);
  const reusable = kept ? planReuse(kept, (b) => !dirty.has(b)) : new Set<string>();
  try {
    if (partial && !kept) throw new Error('the saved records to copy the clean buckets from are missing');
    // File ids, not the files' views or paths: a view or path string made now would outlive many
    // collections until its bucket is written, and so would the record a view makes then (100k
    // of them, garbage only a full collection frees); made when its bucket is written, they die young.
    const groups = new Map<number, number[]>();
    let grouped = 0;
    for (const id of files.ids()) {
      const b = bucketOfFile(files, id);
      if (kept && !dirty.has(b)) continue;
      let g = groups.get(b);
      if (!g) groups.set(b, (g = []));
      g.push(id);
      // A pause per file was a promise per file; one per 4096 files held the thread
      // 11-15 ms at 1M files (when each path was made and hashed for its bucket).
      if (++grouped % PATHS_PER_PAUSE === 0) await pause();
    }
    // One buffer's worth at a time: each bucket is spilled into its file as it is encoded (a big log's is ~60 MB).
    let w = new ByteWriter(SLICE_BYTES);
    const bucketWriter = new BucketWriter(source.rows);
    const keys = new KeyBucketWriter();
    const records = `records-${randomBytes(8).toString('hex')}.bin`;
    const encode = async (ids: number[], [recordSink, keySink]: BucketSink[]): Promise<void> => {
      const g: StoredFile[] = [];
      for (const id of ids) {
        const f = files.byId(id);
        if (f) g.push(f);
      }
      // The keys in the records' order: a key's record is found by its position in the bucket.
      for (let i = 0; i < g.length; i++) {
        keys.nextRecord();
        const listing = source.keysOf(g[i], keys);
        while (!listing.next().done) await pause();
        if ((i + 1) % FILES_PER_PAUSE === 0) await pause();
      }
      // The key bucket first, its keys let go before the records are encoded: a big log's keys
      // (~4M at 1M artifacts, 32-64 MB) were held through its records' encoding, where the
      // bucket's strings are numbered, and the two tops added up to the cold save's peak.
      await keys.write(keySink, pause);
      keys.reset();
      // A buffer grown for one value larger than it (a huge string) is let go, not kept for the buckets after it.
      if (w.capacity > SLICE_BYTES) w = new ByteWriter(SLICE_BYTES);
      w.reset((bytes) => recordSink.write(bytes));
      await bucketWriter.write(w, g, (p) => source.derivedOf(p), pause);
      w.flush();
    };
    const tokens = await writeRecordsFiles([path.join(cacheDir, records), path.join(cacheDir, keysFileOf(records))], BUCKETS, async (b, sinks) => {
      await pause();
      const g = groups.get(b);
      // Let go once written: the records its files' views made (each with its path string, made from the path table) go with them.
      groups.delete(b);
      if (g) return encode(g, sinks);
      // A dirty bucket with no file left is empty now: its old bytes would bring back files gone from it.
      if (!kept || dirty.has(b)) return;
      const at = kept.records.place(b);
      const keysAt = kept.keys.place(b);
      if (at.length === 0 && keysAt.length === 0) return;
      // Not read, so not checked: a damaged bucket referred to is found when it is loaded, and costs its files then.
      if (reusable.has(at.token) && keysAt.token === at.token) {
        sinks[0].refer(at);
        sinks[1].refer(keysAt);
        return;
      }
      const bucket = await kept.records.bucketInSlices(b, pause);
      if (!bucket.damaged) {
        const keys = await kept.keys.bucketInSlices(b, pause);
        if (!keys.damaged) {
          if (bucket.data) await sinks[0].writeInSlices(bucket.data, pause);
          if (keys.data) await sinks[1].writeInSlices(keys.data, pause);
          return;
        }
      }
      // A damaged bucket is never copied forward: it is encoded anew from the records in memory,
      // which a partial store does not hold (its save is given up, and the start loads everything).
      if (partial) throw new Error(`the saved records bucket ${b} to copy is damaged`);
      const mine: number[] = [];
      for (const id of files.ids()) if (bucketOfFile(files, id) === b) mine.push(id);
      if (mine.length) await encode(mine, sinks);
    });
    return { records, tokens };
  } finally {
    kept?.records.close();
    kept?.keys.close();
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns under a folder
 * that refuses new entries with ENOENT (procfs: `--cache /proc/x` spun forever); here the
 * first refused level throws, and the caller reports that the index could not be saved.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

/** Rewrites the dirty buckets (all of them when there are no usable records yet), then the summary. */
export async function saveCache(
  cacheDir: string,
  optionsKey: string,
  files: SavedFiles,
  dirty: Set<number>,
  counts: SavedCounts,
  source: SaveSource,
  /** Every file held, in discovery order (the order the next start is likely to list them in); or the saved table kept, with patches. */
  table: TableToSave,
  pause: SavePause = timeSlices(),
  /** `files` are only those of the dirty buckets (a start that loaded what a change touched): every other bucket must be copied. */
  partial = false,
): Promise<string> {
  makeDirs(cacheDir);
  // A turn of its own for the summary's read (opening it in SQLite: 10-13 ms at 1M files), and
  // a save that gives way to an update does so before it.
  await pause();
  // Only the records file's name: not the file table (22 MB at 140k files, ~750 ms of decoding
  // while an agent writes and the language server should be answering hovers).
  const previous = loadSummaryHead(cacheDir, optionsKey).summary;
  const { records, tokens } = await saveRecords(cacheDir, previous, files, dirty, source, pause, partial);
  const kept = 'kept' in table ? table : undefined;
  // Like the records, a new name each save, renamed into place before the summary names it.
  const filesName = kept?.kept ?? `files-${randomBytes(8).toString('hex')}.bin`;
  // Written as it is encoded, piece by piece: the table is never whole in memory.
  if (!kept) await writeFileAtomicFrom(path.join(cacheDir, filesName), (fd) => FileTable.write(table as FilesToSave, pause, (bytes, at) => writeAt(fd, bytes, at)));
  const summary = new (sqlJs().Database)();
  try {
    summary.run('CREATE TABLE summary (schema TEXT, options TEXT, records TEXT, counts TEXT, files TEXT, patches TEXT)');
    summary.run('INSERT INTO summary VALUES (?, ?, ?, ?, ?, ?)', [String(CACHE_SCHEMA), optionsKey, records, JSON.stringify(counts), filesName, JSON.stringify(kept?.patches ?? [])]);
    writeFileAtomic(path.join(cacheDir, SUMMARY), summary.export());
  } finally {
    summary.close();
  }
  // Older records and file-table files are no longer named by the summary, but for the earlier saves' records the new ones refer to.
  const referred = new Set(tokens);
  for (const name of fs.readdirSync(cacheDir)) {
    if (!ANY_RECORDS.test(name) || name === filesName) continue;
    if (RECORDS_OR_KEYS.test(name) && referred.has(tokenOf(name))) continue;
    fs.rmSync(path.join(cacheDir, name), { force: true });
  }
  return records;
}

export function deleteCache(cacheDir: string): void {
  for (const name of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []) {
    if (name === SUMMARY || ANY_RECORDS.test(name)) fs.rmSync(path.join(cacheDir, name), { force: true });
  }
}
