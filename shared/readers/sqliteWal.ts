// The write-ahead log beside a SQLite event store in WAL mode. A live writer keeps its recent
// commits in `<db>-wal` until a checkpoint copies them into `<db>`, so the store is the two
// files together: the index keys it by both, and the reader hands both to SQLite. SQLite
// itself decides which WAL frames count (salts and checksums: a torn or unfinished last write
// is ignored), in sql.js's in-memory file system: nothing is ever written beside the store.
import * as fs from 'node:fs';
import type { Database, SqlJsStatic } from 'sql.js';

/** Files SQLite keeps beside `<db>` (its WAL and the WAL's shared-memory index). */
const COMPANION = /-(wal|shm)$/;

/** A file's size and mtime, as the index compares them. */
export interface Stamp {
  size: number;
  mtimeMs: number;
}

/** `<db>` for `<db>-wal` or `<db>-shm` (a path or a bare name), else undefined. */
export function companionOf(file: string): string | undefined {
  return COMPANION.test(file) ? file.slice(0, -4) : undefined;
}

export function walPathOf(db: string): string {
  return db + '-wal';
}

/** The size and mtime of `<db>-wal` when it is a regular file (never through a symlink, as it is read). */
function statWal(db: string): Stamp | undefined {
  const st = fs.lstatSync(walPathOf(db), { throwIfNoEntry: false });
  return st?.isFile() ? st : undefined;
}

/**
 * The store's size and mtime as the index keys it: a commit that only appends to the WAL
 * leaves `<db>` untouched, so the WAL's size and mtime must count too.
 */
export function storeStamp(db: Stamp, wal: Stamp | undefined): Stamp {
  return wal ? { size: db.size + wal.size, mtimeMs: Math.max(db.mtimeMs, wal.mtimeMs) } : db;
}

/** storeStamp of the store at `db`, whose own stat is `st`, with its WAL as it is on disk now. */
export function storeStampOnDisk(db: string, st: Stamp): Stamp {
  return storeStamp(st, statWal(db));
}

const WAL_HEADER = 32;
const WAL_MAGIC = 0x377f0682; // low bit set: checksums over big-endian words
const WAL_VERSION = 3007000;

/** SQLite's WAL checksum (fileformat2 section 4.1) over `bytes[0..end)`. */
function walChecksum(bytes: Uint8Array, end: number, bigEndian: boolean): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, end);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < end; i += 8) {
    s1 = (s1 + view.getUint32(i, !bigEndian) + s2) >>> 0;
    s2 = (s2 + view.getUint32(i + 4, !bigEndian) + s1) >>> 0;
  }
  return [s1, s2];
}

/**
 * Why `wal` (non-empty) is not a WAL SQLite would use, or undefined. SQLite silently treats a
 * WAL with a bad header as empty; the index says so, since the commits in it are then unseen.
 */
export function walHeaderProblem(wal: Uint8Array): string | undefined {
  if (wal.length < WAL_HEADER) return `it is ${wal.length} bytes, shorter than a WAL header`;
  const view = new DataView(wal.buffer, wal.byteOffset, WAL_HEADER);
  const magic = view.getUint32(0);
  if ((magic & ~1) >>> 0 !== WAL_MAGIC) return 'it does not start with the WAL magic number';
  const version = view.getUint32(4);
  if (version !== WAL_VERSION) return `its format version ${version} is not ${WAL_VERSION}`;
  const pageSize = view.getUint32(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `its page size ${pageSize} is not a power of two from 512 to 65536`;
  const [s1, s2] = walChecksum(wal, 24, (magic & 1) === 1);
  if (s1 !== view.getUint32(24) || s2 !== view.getUint32(28)) return 'its header checksum does not match';
  return undefined;
}

/**
 * sql.js writes a Database's bytes to a file it names at random in its in-memory file system
 * (it does not expose that file system), and removes that file on close(). A subclass whose
 * `filename` is ours places a database and its WAL side by side as `<name>` and `<name>-wal`,
 * and, renamed, removes a file of our choice.
 */
function databaseNamed(SQL: SqlJsStatic, name: () => string): new (data?: Uint8Array) => Database {
  class Named extends SQL.Database {}
  Object.defineProperty(Named.prototype, 'filename', { get: name, set: () => undefined });
  return Named;
}

let opened = 0;

/** An open store and how to close it (with its in-memory files). */
export interface WalDatabase {
  db: Database;
  close(): void;
}

/**
 * Opens `db` with `wal` as its write-ahead log, both copies in sql.js's memory. Throws when
 * SQLite cannot use them (the caller then reads the main file alone).
 */
export function openWithWal(SQL: SqlJsStatic, db: Uint8Array, wal: Uint8Array): WalDatabase {
  const name = `refscope-store-${++opened}.db`;
  let target = walPathOf(name);
  const Holder = databaseNamed(SQL, () => target);
  const walHolder = new Holder(wal); // never queried: it only places the bytes at <name>-wal
  let main: Database | undefined;
  const close = () => {
    // The last connection to close a WAL database copies the WAL into it first (a checkpoint:
    // ~0.5 s for a 5 MB WAL), unless the database file is gone. Removing the copy first (the
    // holder's close removes its file: renamed, the database's) leaves SQLite nothing to do.
    target = name;
    walHolder.close();
    try {
      main?.close();
    } catch {
      // sql.js, after SQLite closed, fails to remove the copy removed above.
    }
    target = walPathOf(name);
    new Holder().close(); // opens the WAL copy without reading it, and removes it
  };
  try {
    main = new (databaseNamed(SQL, () => name))(db);
    // Before the first read: with exclusive locking SQLite keeps the WAL index in heap memory
    // instead of a -shm file it would have to map.
    main.exec('PRAGMA locking_mode=EXCLUSIVE');
    const file = main.exec('PRAGMA database_list')[0]?.values[0]?.[2];
    if (file !== '/' + name) throw new Error('this sql.js names its database files itself, so the WAL cannot be placed beside one');
    return { db: main, close };
  } catch (err) {
    close();
    throw err;
  }
}
