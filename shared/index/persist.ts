// The persistent index (CONTRACT 4): sql.js databases in the cache folder.
// - `records-<token>.sqlite`: the records, in 256 buckets by path hash, one row per bucket
//   holding the compact records (recordCodec) as deflated JSON: a cold save is a few hundred
//   inserts instead of 100k (sql.js inserts ~60k rows/s), a warm load a few hundred inflate +
//   JSON.parse calls, a changed file rewrites only its bucket, and the file (which sql.js
//   holds whole in memory) stays a fraction of the workspace's size.
// - `summary.sqlite`: the schema and options the records were made with, the name of the
//   records file, every file's (size, mtime, role, root) and the whole-index counters. Small:
//   an unchanged workspace is recognised, and its stats answered, from this file alone.
// Each file is written to a temp file and renamed; the records file gets a new name on each
// save and the summary naming it is renamed in last, so a crash at any point leaves a summary
// that names complete records. Databases are opened only to load and save, never kept.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Database } from 'sql.js';
import { loadedSqlJs } from '../readers/wasm';
import type { Problem } from '../model';
import { decodeRecord, encodeRecord, type EncodedRecord } from './recordCodec';
import type { StoredFile } from './store';

/** Bumped whenever the stored shape changes: an older cache is then rebuilt. */
export const CACHE_SCHEMA = 5;
export const BUCKETS = 256;
const SUMMARY = 'summary.sqlite';
const RECORDS = /^records-[0-9a-f]{16}\.sqlite$/;

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
  return JSON.parse(inflateRawSync(blob as Uint8Array).toString('utf8')) as T;
}

const deflateRawAsync = promisify(deflateRaw);

/** Deflates on the libuv thread pool, so the main thread encodes the next bucket meanwhile. */
function pack(value: unknown): Promise<Buffer> {
  return deflateRawAsync(JSON.stringify(value), { level: 1 });
}

/** Buckets being deflated at once: enough to keep the other core busy, few enough to bound memory. */
const PACKING = 4;

function openDb(file: string): Database | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  return new (sqlJs().Database)(bytes);
}

function writeAtomically(file: string, db: Database): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, db.export());
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

function readBuckets(db: Database, loaded: LoadedRecords): void {
  const stmt = db.prepare('SELECT data FROM buckets');
  try {
    while (stmt.step()) {
      for (const e of unpack<EncodedRecord[]>(stmt.get()[0])) {
        const { stored, derived } = decodeRecord(e);
        loaded.files.set(stored.record.path, stored);
        if (derived) loaded.derived.set(stored.record.path, derived);
      }
    }
  } finally {
    stmt.free();
  }
}

/** The saved records, if the cache is of this schema and these options; anything else is ignored with a reason. */
export interface LoadedRecords {
  files: Map<string, StoredFile>;
  /** Each file's cross-file ref problems as they were when saved (consistent with `files`). */
  derived: Map<string, Problem[]>;
  discarded?: string;
}

export function loadRecords(cacheDir: string, optionsKey: string): LoadedRecords {
  const loaded: LoadedRecords = { files: new Map(), derived: new Map() };
  const { summary, discarded } = loadSummary(cacheDir, optionsKey);
  if (!summary) return { ...loaded, discarded };
  let db: Database | undefined;
  try {
    db = openDb(path.join(cacheDir, summary.records));
    if (!db) return { ...loaded, discarded: `cache records ${summary.records} are missing; rebuilding` };
    readBuckets(db, loaded);
    return loaded;
  } catch (err) {
    return { files: new Map(), derived: new Map(), discarded: `cache records are unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    db?.close();
  }
}

function newRecordsDb(): Database {
  const db = new (sqlJs().Database)();
  // Big pages: sql.js writes each page through its in-memory file system, per-page costs dominate.
  db.run('PRAGMA page_size = 65536');
  db.run('CREATE TABLE buckets (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  return db;
}

/** Rewrites the dirty buckets (all of them when there are no usable records yet), then the summary. */
export async function saveCache(
  cacheDir: string,
  optionsKey: string,
  files: Map<string, StoredFile>,
  dirty: Set<number>,
  counts: SavedCounts,
  derivedOf: (path: string) => Problem[],
): Promise<void> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const previous = loadSummary(cacheDir, optionsKey).summary;
  let db: Database | undefined;
  let all = false;
  try {
    db = previous ? openDb(path.join(cacheDir, previous.records)) : undefined;
    db?.exec('SELECT count(*) FROM buckets');
  } catch {
    db?.close();
    db = undefined;
  }
  if (!db) {
    db = newRecordsDb();
    all = true;
  }
  const records = `records-${randomBytes(8).toString('hex')}.sqlite`;
  try {
    const groups = new Map<number, StoredFile[]>();
    for (const [p, stored] of files) {
      const b = bucketOf(p);
      if (!all && !dirty.has(b)) continue;
      let g = groups.get(b);
      if (!g) groups.set(b, (g = []));
      g.push(stored);
    }
    const packed = new Map<number, Buffer>();
    const pending: Promise<void>[] = [];
    for (const [b, g] of groups) {
      pending.push(pack(g.map((stored) => encodeRecord(stored, derivedOf(stored.record.path)))).then((data) => void packed.set(b, data)));
      if (pending.length >= PACKING) await pending.shift();
    }
    await Promise.all(pending);
    db.run('BEGIN');
    const put = db.prepare('INSERT OR REPLACE INTO buckets (id, data) VALUES (?, ?)');
    const drop = db.prepare('DELETE FROM buckets WHERE id = ?');
    for (let b = 0; b < BUCKETS; b++) {
      if (!all && !dirty.has(b)) continue;
      const data = packed.get(b);
      if (data) put.run([b, data]);
      else drop.run([b]);
    }
    put.free();
    drop.free();
    db.run('COMMIT');
    writeAtomically(path.join(cacheDir, records), db);
  } finally {
    db.close();
  }
  const table: [string, number, number, string, string][] = [];
  for (const [p, { record, root }] of files) table.push([p, record.size, record.mtimeMs, record.role, root]);
  const data = await pack({ files: table, counts });
  const summary = new (sqlJs().Database)();
  try {
    summary.run('CREATE TABLE summary (schema TEXT, options TEXT, records TEXT, data BLOB)');
    summary.run('INSERT INTO summary VALUES (?, ?, ?, ?)', [String(CACHE_SCHEMA), optionsKey, records, data]);
    writeAtomically(path.join(cacheDir, SUMMARY), summary);
  } finally {
    summary.close();
  }
  // Older records files are no longer named by the summary.
  for (const name of fs.readdirSync(cacheDir)) if (RECORDS.test(name) && name !== records) fs.rmSync(path.join(cacheDir, name), { force: true });
}

export function deleteCache(cacheDir: string): void {
  for (const name of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []) {
    if (name === SUMMARY || RECORDS.test(name)) fs.rmSync(path.join(cacheDir, name), { force: true });
  }
}
