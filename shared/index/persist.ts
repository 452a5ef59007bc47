// The persistent index (CONTRACT 4): one sql.js database file in the cache folder. Records
// are stored in 256 buckets by path hash, one row of JSON per bucket: a cold save is a few
// hundred inserts instead of 100k (sql.js inserts ~60k rows/s), a warm load a few hundred
// JSON.parse calls, and a changed file rewrites only its bucket. The database is opened only
// to load and to save, never kept, so it costs no memory between saves and is never on a
// query path. Writes go to a temp file renamed over the old one, so a crash leaves either
// the old index or the new one, never half of one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Database } from 'sql.js';
import { loadedSqlJs } from '../readers/wasm';
import type { StoredFile } from './store';

/** Bumped whenever the stored record shape changes: an older cache is then rebuilt. */
export const CACHE_SCHEMA = 1;
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

export interface LoadResult {
  files: Map<string, StoredFile>;
  /** Why the cache was not used, when it existed but could not be. */
  discarded?: string;
}

/** The saved index, if there is one of this schema and these options; anything else is ignored. */
export function loadCache(cacheDir: string, optionsKey: string): LoadResult {
  const files = new Map<string, StoredFile>();
  const file = path.join(cacheDir, FILE);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { files };
  }
  let db: Database | undefined;
  try {
    db = new (sqlJs().Database)(bytes);
    const meta = new Map<string, string>();
    for (const row of db.exec('SELECT key, value FROM meta')[0]?.values ?? []) meta.set(String(row[0]), String(row[1]));
    if (meta.get('schema') !== String(CACHE_SCHEMA)) return { files, discarded: `cache schema ${meta.get('schema')} is not ${CACHE_SCHEMA}` };
    if (meta.get('options') !== optionsKey) return { files, discarded: 'index options changed' };
    const stmt = db.prepare('SELECT data FROM buckets');
    while (stmt.step()) {
      const entries = JSON.parse(String(stmt.get()[0])) as StoredFile[];
      for (const e of entries) files.set(e.record.path, e);
    }
    stmt.free();
    return { files };
  } catch (err) {
    files.clear();
    return { files, discarded: `cache file ${file} is unreadable (${(err as Error).message}); rebuilding` };
  } finally {
    db?.close();
  }
}

/** Rewrites the dirty buckets (all of them when the cache file is missing or unusable). */
export function saveCache(cacheDir: string, optionsKey: string, files: Map<string, StoredFile>, dirty: Set<number>): void {
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
    db.run('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); CREATE TABLE buckets (id INTEGER PRIMARY KEY, data TEXT NOT NULL)');
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
      if (g) put.run([b, JSON.stringify(g)]);
      else drop.run([b]);
    }
    put.free();
    drop.free();
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
