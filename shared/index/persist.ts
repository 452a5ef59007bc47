// The persistent index (CONTRACT 4): one sql.js database file in the cache folder. Records
// are stored in 256 buckets by path hash, one row per bucket holding the compact records
// (recordCodec) as deflated JSON: a cold save is a few hundred inserts instead of 100k (sql.js
// inserts ~60k rows/s), a warm load a few hundred inflate + JSON.parse calls, a changed file
// rewrites only its bucket, and the file (which sql.js holds whole in memory, page by page
// through its virtual file system) stays a fraction of the workspace's size. The database is opened only
// to load and to save, never kept, so it costs no memory between saves and is never on a
// query path. Writes go to a temp file renamed over the old one, so a crash leaves either
// the old index or the new one, never half of one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Database } from 'sql.js';
import { loadedSqlJs } from '../readers/wasm';
import { decodeRecord, encodeRecord } from './recordCodec';
import type { StoredFile } from './store';

/** Bumped whenever the stored record shape changes: an older cache is then rebuilt. */
export const CACHE_SCHEMA = 3;
export const BUCKETS = 256;
const FILE = 'index.sqlite';

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
}

type Opened = { db: Database } | { discarded?: string };

function openCacheDb(cacheDir: string, optionsKey: string): Opened {
  const file = path.join(cacheDir, FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return {};
  }
  let db: Database | undefined;
  try {
    db = new (sqlJs().Database)(bytes);
    const meta = new Map<string, string>();
    for (const row of db.exec('SELECT key, value FROM meta')[0]?.values ?? []) meta.set(String(row[0]), String(row[1]));
    const why =
      meta.get('schema') !== String(CACHE_SCHEMA) ? `cache schema ${meta.get('schema')} is not ${CACHE_SCHEMA}; rebuilding` : meta.get('options') !== optionsKey ? 'index options changed; rebuilding' : undefined;
    if (why) {
      db.close();
      return { discarded: why };
    }
    return { db };
  } catch (err) {
    db?.close();
    return { discarded: `cache file ${file} is unreadable (${(err as Error).message}); rebuilding` };
  }
}

function unpack<T>(blob: unknown): T {
  return JSON.parse(inflateRawSync(blob as Uint8Array).toString('utf8')) as T;
}

function pack(value: unknown): Buffer {
  return deflateRawSync(JSON.stringify(value), { level: 1 });
}

/** The file table and counters of the saved index, without its records (cheap: one row). */
export function loadSummary(cacheDir: string, optionsKey: string): { summary?: Summary; discarded?: string } {
  const opened = openCacheDb(cacheDir, optionsKey);
  if (!('db' in opened)) return opened;
  try {
    const row = opened.db.exec('SELECT data FROM summary')[0]?.values[0];
    if (!row) return { discarded: 'cache has no summary; rebuilding' };
    const { files, counts } = unpack<{ files: [string, number, number, string, string][]; counts: SavedCounts }>(row[0]);
    return { summary: { files: new Map(files.map(([p, ...rest]) => [p, rest])), counts } };
  } catch (err) {
    return { discarded: `cache summary is unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    opened.db.close();
  }
}

/** The saved records, if the cache is of this schema and these options; anything else is ignored. */
export function loadRecords(cacheDir: string, optionsKey: string): { files: Map<string, StoredFile>; discarded?: string } {
  const files = new Map<string, StoredFile>();
  const opened = openCacheDb(cacheDir, optionsKey);
  if (!('db' in opened)) return { files, discarded: opened.discarded };
  const stmt = opened.db.prepare('SELECT data FROM buckets');
  try {
    while (stmt.step()) {
      for (const e of unpack<Parameters<typeof decodeRecord>[0][]>(stmt.get()[0])) {
        const stored = decodeRecord(e);
        files.set(stored.record.path, stored);
      }
    }
    return { files };
  } catch (err) {
    files.clear();
    return { files, discarded: `cache records are unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    stmt.free();
    opened.db.close();
  }
}

/** Rewrites the dirty buckets (all of them when the cache file is missing or unusable). */
export function saveCache(cacheDir: string, optionsKey: string, files: Map<string, StoredFile>, dirty: Set<number>, counts: SavedCounts): void {
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, FILE);
  const sql = sqlJs();
  let db: Database | undefined;
  let all = false;
  try {
    db = new sql.Database(fs.readFileSync(file));
    const meta = db.exec("SELECT value FROM meta WHERE key IN ('schema', 'options') ORDER BY key")[0]?.values ?? [];
    if (meta.length !== 2 || String(meta[0][0]) !== optionsKey || String(meta[1][0]) !== String(CACHE_SCHEMA)) throw new Error('stale');
  } catch {
    db?.close();
    db = new sql.Database();
    // Big pages: sql.js writes each page through its in-memory file system, per-page costs dominate.
    db.run('PRAGMA page_size = 65536');
    db.run(
      'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE buckets (id INTEGER PRIMARY KEY, data BLOB NOT NULL); CREATE TABLE summary (data BLOB NOT NULL)',
    );
    db.run('INSERT INTO meta VALUES (?, ?), (?, ?)', ['schema', String(CACHE_SCHEMA), 'options', optionsKey]);
    all = true;
  }
  try {
    const groups = new Map<number, StoredFile[]>();
    for (const [p, stored] of files) {
      const b = bucketOf(p);
      if (!all && !dirty.has(b)) continue;
      let g = groups.get(b);
      if (!g) groups.set(b, (g = []));
      g.push(stored);
    }
    db.run('BEGIN');
    const put = db.prepare('INSERT OR REPLACE INTO buckets (id, data) VALUES (?, ?)');
    const drop = db.prepare('DELETE FROM buckets WHERE id = ?');
    for (let b = 0; b < BUCKETS; b++) {
      if (!all && !dirty.has(b)) continue;
      const g = groups.get(b);
      if (g) put.run([b, pack(g.map(encodeRecord))]);
      else drop.run([b]);
    }
    put.free();
    drop.free();
    const table: [string, number, number, string, string][] = [];
    for (const [p, { record, root }] of files) table.push([p, record.size, record.mtimeMs, record.role, root]);
    db.run('DELETE FROM summary');
    db.run('INSERT INTO summary (data) VALUES (?)', [pack({ files: table, counts })]);
    db.run('COMMIT');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, db.export());
    fs.renameSync(tmp, file);
  } finally {
    db.close();
  }
}

export function deleteCache(cacheDir: string): void {
  fs.rmSync(path.join(cacheDir, FILE), { force: true });
}
