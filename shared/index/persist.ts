// The persistent index (CONTRACT 4), in the cache folder:
// - `records-<token>.bin` (recordsFile): the records, in 256 buckets by path hash, each
//   bucket its records in the byte codec (recordCodec), written straight to bytes and to disk
//   bucket by bucket: a cold save holds one bucket in memory, a warm load decodes bytes with
//   no JSON text in between, a changed file re-encodes only its bucket (the others' bytes
//   are copied over), and a damaged bucket costs only its own files.
// - `summary.sqlite`: the schema and options the records were made with, the name of the
//   records file, every file's (size, mtime, role, root) and the whole-index counters. Small:
//   an unchanged workspace is recognised, and its stats answered, from this file alone.
// Each file is written to a temp file and renamed; the records file gets a new name on each
// save and the summary naming it is renamed in last, so a crash at any point leaves a summary
// that names complete records. The summary database is opened only to load and save, never kept.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants as zlib } from 'node:zlib';
import type { Database } from 'sql.js';
import { loadedSqlJs } from '../readers/wasm';
import type { Problem } from '../model';
import { ByteReader, ByteWriter } from './byteCodec';
import { readRecord, writeRecord } from './recordCodec';
import { damagedBuckets, RecordsReader, writeRecordsFile } from './recordsFile';
import type { StoredFile } from './store';

/** Bumped whenever the stored shape, or what a reader puts in a record, changes: an older cache is then rebuilt. */
export const CACHE_SCHEMA = 13;
export const BUCKETS = 256;
const SUMMARY = 'summary.sqlite';
const RECORDS = /^records-[0-9a-f]{16}\.bin$/;
/** Records files of every schema, for clean-up (schema 5 kept them in sql.js databases). */
const ANY_RECORDS = /^records-[0-9a-f]{16}\.(bin|sqlite)$/;

export function bucketOf(p: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 0x01000193);
  return (h >>> 0) % BUCKETS;
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
}

/** What was indexed, file by file: path -> [size, mtimeMs, role, root]. */
export type FileTable = Map<string, [number, number, string, string]>;

export interface Summary {
  files: FileTable;
  counts: SavedCounts;
  /** The records file (a bare name inside the cache folder). */
  records: string;
}

function unpack<T>(blob: unknown): T {
  return new ByteReader(brotliDecompressSync(blob as Uint8Array)).value() as T;
}

const brotliAsync = promisify(brotliCompress);

/** The summary's data: byte-coded (no JSON text), then compressed on the libuv thread pool. */
function pack(value: unknown): Promise<Buffer> {
  const w = new ByteWriter();
  w.value(value);
  const bytes = w.bytes();
  return brotliAsync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 1, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
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

function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** The saved summary, if there is one of this schema and these options; anything else is ignored with a reason. */
export function loadSummary(cacheDir: string, optionsKey: string): { summary?: Summary; discarded?: string } {
  const file = path.join(cacheDir, SUMMARY);
  let db: Database | undefined;
  try {
    db = openDb(file);
    if (!db) return {};
    const row = db.exec('SELECT schema, options, records, data FROM summary')[0]?.values[0];
    if (!row) return { discarded: 'cache summary is empty; rebuilding' };
    if (String(row[0]) !== String(CACHE_SCHEMA)) return { discarded: `cache schema ${row[0]} is not ${CACHE_SCHEMA}; rebuilding` };
    if (String(row[1]) !== optionsKey) return { discarded: 'index options changed; rebuilding' };
    const records = String(row[2]);
    if (!RECORDS.test(records)) return { discarded: 'cache summary names no valid records file; rebuilding' };
    const { files, counts } = unpack<{ files: [string, number, number, string, string][]; counts: SavedCounts }>(row[3]);
    return { summary: { files: new Map(files.map(([p, ...rest]) => [p, rest])), counts, records } };
  } catch (err) {
    return { discarded: `cache file ${file} is unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    db?.close();
  }
}

/** The saved records, if the cache is of this schema and these options; anything else is ignored with a reason. */
export interface LoadedRecords {
  files: Map<string, StoredFile>;
  /** Each file's cross-file ref problems as they were when saved (consistent with `files`). */
  derived: Map<string, Problem[]>;
  /** Why nothing was loaded. */
  discarded?: string;
  /** Buckets that were damaged, and what was said about them: their files were not loaded. */
  damaged: number[];
  messages: string[];
}

function decodeBucket(data: Uint8Array): { stored: StoredFile; derived?: Problem[] }[] {
  const r = new ByteReader(data);
  const n = r.uint();
  const out: { stored: StoredFile; derived?: Problem[] }[] = [];
  for (let i = 0; i < n; i++) out.push(readRecord(r));
  if (!r.done) throw new Error('trailing bytes');
  return out;
}

export function loadRecords(cacheDir: string, optionsKey: string): LoadedRecords {
  const loaded: LoadedRecords = { files: new Map(), derived: new Map(), damaged: [], messages: [] };
  const { summary, discarded } = loadSummary(cacheDir, optionsKey);
  if (!summary) return { ...loaded, discarded };
  let reader: RecordsReader | undefined;
  try {
    reader = RecordsReader.open(path.join(cacheDir, summary.records), BUCKETS);
  } catch (err) {
    return { ...loaded, discarded: `cache records are unreadable (${(err as Error).message}); rebuilding` };
  }
  if (!reader) return { ...loaded, discarded: `cache records ${summary.records} are missing; rebuilding` };
  const damaged = new Map<number, string>();
  try {
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = reader.bucket(b);
      if (bucket.damaged) damaged.set(b, bucket.damaged);
      if (!bucket.data) continue;
      try {
        // Decoded whole before anything is kept: a bucket is loaded entirely or not at all.
        for (const { stored, derived } of decodeBucket(bucket.data)) {
          loaded.files.set(stored.record.path, stored);
          if (derived) loaded.derived.set(stored.record.path, derived);
        }
      } catch (err) {
        damaged.set(b, `it does not decode (${(err as Error).message})`);
      }
    }
  } finally {
    reader.close();
  }
  for (const [b, reason] of damaged) {
    loaded.damaged.push(b);
    let files = 0;
    for (const p of summary.files.keys()) if (bucketOf(p) === b) files++;
    loaded.messages.push(`cache bucket ${b} of ${summary.records} is damaged (${reason}): its ${files} files are read again`);
  }
  return loaded;
}

/** Why the saved records cannot be used as they are (missing, unreadable, a damaged bucket), if they cannot. */
export function recordsProblem(cacheDir: string, summary: Summary): string | undefined {
  try {
    const damaged = damagedBuckets(path.join(cacheDir, summary.records), BUCKETS);
    if (!damaged) return `cache records ${summary.records} are missing`;
    if (damaged.size) return `cache records ${summary.records} have ${damaged.size} damaged buckets`;
  } catch (err) {
    return `cache records are unreadable (${(err as Error).message})`;
  }
  return undefined;
}


/**
 * Writes a new records file: the dirty buckets (every bucket when there are no usable previous
 * records) encoded from `files`, the others' bytes copied from the previous file one at a
 * time. Returns its name.
 */
async function saveRecords(
  cacheDir: string,
  previous: Summary | undefined,
  files: Map<string, StoredFile>,
  dirty: Set<number>,
  derivedOf: (path: string) => Problem[],
): Promise<string> {
  let kept: RecordsReader | undefined;
  try {
    kept = previous && RecordsReader.open(path.join(cacheDir, previous.records), BUCKETS);
  } catch {
    kept = undefined; // unreadable: every bucket is written anew
  }
  try {
    const groups = new Map<number, StoredFile[]>();
    for (const [p, stored] of files) {
      const b = bucketOf(p);
      if (kept && !dirty.has(b)) continue;
      let g = groups.get(b);
      if (!g) groups.set(b, (g = []));
      g.push(stored);
    }
    const w = new ByteWriter(1 << 20);
    let sliceStart = performance.now();
    const records = `records-${randomBytes(8).toString('hex')}.bin`;
    const encode = (g: StoredFile[]) => {
      w.reset();
      w.uint(g.length);
      for (const stored of g) writeRecord(w, stored, derivedOf(stored.record.path));
      return w.bytes();
    };
    await writeRecordsFile(path.join(cacheDir, records), BUCKETS, async (b) => {
      // Encoding is synchronous: a turn of the event loop now and then keeps a language server answering.
      if (performance.now() - sliceStart > 20) {
        await turn();
        sliceStart = performance.now();
      }
      const g = groups.get(b);
      if (g || !kept) return g && encode(g);
      const bucket = kept.bucket(b);
      if (!bucket.damaged) return bucket.data;
      // A damaged bucket is never copied forward: it is encoded anew from the records in memory.
      const mine: StoredFile[] = [];
      for (const [p, stored] of files) if (bucketOf(p) === b) mine.push(stored);
      return mine.length ? encode(mine) : undefined;
    });
    return records;
  } finally {
    kept?.close();
  }
}

/** Rewrites the dirty buckets (all of them when there are no usable records yet), then the summary. */
/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns under a folder
 * that refuses new entries with ENOENT (procfs: `--cache /proc/x` spun forever); here the
 * first refused level throws, and the caller reports that the index could not be saved.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

export async function saveCache(
  cacheDir: string,
  optionsKey: string,
  files: Map<string, StoredFile>,
  dirty: Set<number>,
  counts: SavedCounts,
  derivedOf: (path: string) => Problem[],
): Promise<void> {
  makeDirs(cacheDir);
  const previous = loadSummary(cacheDir, optionsKey).summary;
  const records = await saveRecords(cacheDir, previous, files, dirty, derivedOf);
  const table: [string, number, number, string, string][] = [];
  for (const [p, { record, root }] of files) table.push([p, record.size, record.mtimeMs, record.role, root]);
  const data = await pack({ files: table, counts });
  const summary = new (sqlJs().Database)();
  try {
    summary.run('CREATE TABLE summary (schema TEXT, options TEXT, records TEXT, data BLOB)');
    summary.run('INSERT INTO summary VALUES (?, ?, ?, ?)', [String(CACHE_SCHEMA), optionsKey, records, data]);
    writeAtomically(path.join(cacheDir, SUMMARY), summary.export());
  } finally {
    summary.close();
  }
  // Older records files are no longer named by the summary.
  for (const name of fs.readdirSync(cacheDir)) if (ANY_RECORDS.test(name) && name !== records) fs.rmSync(path.join(cacheDir, name), { force: true });
}

export function deleteCache(cacheDir: string): void {
  for (const name of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []) {
    if (name === SUMMARY || ANY_RECORDS.test(name)) fs.rmSync(path.join(cacheDir, name), { force: true });
  }
}
