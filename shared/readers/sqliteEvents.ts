// SQLite event stores (CONTRACT 1.4.4): a table `events` (sequence, event_type, subject_kind,
// subject_id, actor, payload JSON, payload_digest = BLAKE3(payload UTF-8), created_at).
// sql.js opens a copy of the bytes in memory, so the file on disk is never written or locked;
// a store in WAL mode is read with a copy of its `-wal` (sqliteWal.ts), as a live writer keeps
// its latest commits there. Any other SQLite file (e.g. a file store's artifact_catalog.sqlite3)
// has no `events` table and yields no events.
import type { Database, SqlJsStatic } from 'sql.js';
import type { EventEntry, FileRecord, TailOf } from '../records';
import type { ReadContext } from './types';
import { eventRefs, num, str, type JsonObject } from './eventFields';
import type { KeyRules } from '../refs/refRole';
import { scanRefs } from '../refs/scanner';
import { readFileBytes, UnreadableError, type FileBytes } from './fileBytes';
import { addProblem, newRecord, readInto } from './record';
import { openWithWal, storeStamp, walHeaderProblem, walPathOf, type Stamp, type WalDatabase } from './sqliteWal';
import { blake3Hex, loadedSqlJs, sqliteUnavailable } from './wasm';
import { PackedRows } from '../index/packedRows';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** An event store is loaded whole into WASM memory: bounded apart from the text parse cap. */
const MIN_SQLITE_CAP = 256 * 1024 * 1024;

function hex(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (typeof v === 'string' && /^(blake3:)?[0-9a-fA-F]{64}$/.test(v)) return v.replace(/^blake3:/, '').toLowerCase();
  return undefined;
}

function payloadText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  return undefined;
}

/**
 * Where the last read of a store stopped (its ResumePoint's state): the last rowid read, how
 * many rows and problems came before, whether a payload had been altered, and a hash of the last
 * row's values. A store holding the same rows up to there only grew (an agent inserts; rowids
 * only increase), and is read from the next rowid on.
 */
interface StoreState {
  format: 'sqlite';
  rowid: number;
  rows: number;
  problems: number;
  broken: boolean;
  lastRow: string;
}

export function readSqliteEvents(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'sqlite');
  const cap = Math.max(ctx.maxParseBytes, MIN_SQLITE_CAP);
  // The WAL before the database: a checkpoint in between only copies WAL pages into the
  // database, so applying them again is harmless; the other order could pair an old database
  // with a WAL restarted after the checkpoint.
  const wal = readWal(rec, cap);
  const data = readInto(rec, cap);
  if (!data) return rec;
  Object.assign(rec, storeStamp(rec, wal.stamp));
  if (!data.bytes) {
    addProblem(rec, 'too-large', 'warning', `${(data.size / 1048576).toFixed(0)} MB SQLite file is too large to open: not read`);
    return rec;
  }
  if (data.bytes.length === 0) {
    addProblem(rec, 'malformed', 'warning', 'empty file: not a SQLite database');
    return rec;
  }
  if (data.bytes.length < 100 || !data.bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
    addProblem(rec, 'unreadable', 'error', 'not a SQLite database (the file does not start with the SQLite header)');
    return rec;
  }
  const SQL = loadedSqlJs();
  const unavailable = sqliteUnavailable();
  if (!SQL || unavailable) {
    addProblem(rec, 'unreadable', 'error', `${unavailable ?? 'SQLite support is not loaded'}: event store not read`);
    return rec;
  }
  let walError: string | undefined;
  if (wal.bytes) {
    const problems = rec.problems.length;
    try {
      readStore(SQL, data.bytes, wal.bytes, rec, ctx);
      return rec;
    } catch (err) {
      walError = (err as Error).message;
      delete rec.events;
      rec.problems.length = problems;
    }
  }
  try {
    // The database file alone, after a WAL that failed: read whole, as it may hold fewer rows.
    readStore(SQL, data.bytes, undefined, rec, { ...ctx, previous: walError === undefined ? ctx.previous : undefined });
    // Said only once the database file alone reads: else the database is what is broken.
    if (walError !== undefined) {
      addProblem(rec, 'malformed', 'warning', `${walPathOf(path)} cannot be applied (${walError}): only the events already in the database file are shown`);
    }
  } catch (err) {
    addProblem(rec, 'unreadable', 'error', `cannot read the SQLite database: ${(err as Error).message}`);
  }
  return rec;
}

/**
 * The store's `-wal`: its size and mtime whenever it exists (they are part of the store's
 * stamp), its bytes when it holds a WAL SQLite would use. A missing or empty one is no WAL, an
 * unusable one a warning (the database file is still read).
 */
function readWal(rec: FileRecord, cap: number): { stamp?: Stamp; bytes?: Buffer } {
  const file = walPathOf(rec.path);
  let wal: FileBytes;
  try {
    wal = readFileBytes(file, cap);
  } catch (err) {
    if (!(err instanceof UnreadableError)) throw err;
    if (!err.gone) addProblem(rec, 'unreadable', 'warning', `${err.message}: only the events already in the database file are shown`);
    return {};
  }
  const stamp = { size: wal.size, mtimeMs: wal.mtimeMs };
  const { bytes } = wal;
  if (bytes?.length === 0) return { stamp };
  const why = bytes ? walHeaderProblem(bytes) : `its ${(wal.size / 1048576).toFixed(0)} MB are over the read cap`;
  if (why) {
    addProblem(rec, 'malformed', 'warning', `${file} is not a usable SQLite WAL (${why}): only the events already in the database file are shown`);
    return { stamp };
  }
  return { stamp, bytes };
}

/** Reads the `events` table of `db` (with `wal` as its write-ahead log) into `rec`. */
function readStore(SQL: SqlJsStatic, bytes: Buffer, wal: Buffer | undefined, rec: FileRecord, ctx: ReadContext): void {
  let opened: WalDatabase;
  if (wal) opened = openWithWal(SQL, bytes, wal);
  else {
    const plain = new SQL.Database(bytes);
    opened = { db: plain, close: () => plain.close() };
  }
  const { db } = opened;
  try {
    const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'");
    if (tables.length === 0) return; // some other database: nothing to index
    const tail = ctx.tailOnly && rec.problems.length === 0 ? grownFrom(db, ctx.previous) : undefined;
    // A tail read keeps objects, as a log's does (the store extends the store it holds from them).
    const packed = ctx.packRows && !tail ? new PackedRows(ctx.spillFd) : undefined;
    readRows(db, rec, ctx.keyRules, tail, packed);
    if (packed) rec.rows = packed;
  } finally {
    opened.close();
  }
}

/** A row's values as text, to compare the last row read with the row at its rowid now. */
function rowText(values: unknown[]): string {
  return JSON.stringify(values, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
}

/** The previous read's state, if the store still holds the same rows up to its last rowid (checked by count and by that row's values). */
function grownFrom(db: Database, previous: FileRecord | undefined): StoreState | undefined {
  const s = previous?.resume?.state as StoreState | undefined;
  if (previous?.role !== 'sqlite' || s?.format !== 'sqlite') return undefined;
  try {
    const [[count]] = db.exec('SELECT count(*) FROM events WHERE rowid <= ?', [s.rowid])[0]?.values ?? [[undefined]];
    if (count !== s.rows) return undefined;
    if (s.rows === 0) return s;
    const last = db.exec('SELECT * FROM events WHERE rowid = ?', [s.rowid])[0]?.values[0];
    return last && rowText(last) === s.lastRow ? s : undefined;
  } catch {
    return undefined; // a table without rowids: read whole
  }
}

/**
 * Reads the rows of `events` into `rec`; with `from`, only those after its last rowid (rec.tailOf
 * then says what they follow). With `packed`, each event goes into it as it is read: the bench's
 * 14 MB store held its 31k events as objects until the read's end (33 MB of heap, 65 MB
 * committed, in the worker that reads it beside the calling thread's own read).
 */
function readRows(db: Database, rec: FileRecord, rules: KeyRules | undefined, from?: StoreState, packed?: PackedRows): void {
  const events: EventEntry[] = (rec.events = []);
  const storeProblems = rec.problems.length;
  let rowid = from?.rowid ?? 0;
  let lastRow = from?.lastRow ?? '';
  /** The last row's values: only its text is kept (see rowText), made once at the end. */
  let lastValues: unknown[] | undefined;
  let withRowids = true;
  let stmt;
  try {
    stmt = db.prepare(from ? 'SELECT rowid, * FROM events WHERE rowid > ? ORDER BY rowid' : 'SELECT rowid, * FROM events ORDER BY rowid');
    if (from) stmt.bind([from.rowid]);
  } catch {
    withRowids = false; // a table without rowids: read whole, never resumed
    stmt = db.prepare('SELECT * FROM events');
  }
  try {
    // Rows as arrays: getAsObject() builds an object keyed by every column name for every row.
    const names = stmt.getColumnNames().slice(withRowids ? 1 : 0);
    const at = (name: string) => names.indexOf(name);
    const [cSequence, cType, cCreated, cKind, cId, cActor, cPayload, cDigest] = ['sequence', 'event_type', 'created_at', 'subject_kind', 'subject_id', 'actor', 'payload', 'payload_digest'].map(at);
    let broken = from?.broken ?? false;
    while (stmt.step()) {
      let values = stmt.get();
      if (withRowids) {
        rowid = Number(values[0]);
        values = values.slice(1);
        lastValues = values;
      }
      const row = {
        sequence: values[cSequence],
        event_type: values[cType],
        created_at: values[cCreated],
        subject_kind: values[cKind],
        subject_id: values[cId],
        actor: values[cActor],
        payload: values[cPayload],
        payload_digest: values[cDigest],
      };
      const sequence = num(row.sequence);
      const entry: EventEntry = { source: 'sqlite', file: rec.path, eventType: str(row.event_type) ?? 'unknown', refs: [] };
      if (sequence !== undefined) entry.sequence = sequence;
      const time = str(row.created_at);
      if (time !== undefined) entry.time = time;
      const kind = str(row.subject_kind);
      const id = str(row.subject_id);
      if (kind !== undefined || id !== undefined) entry.subject = `${kind ?? ''}:${id ?? ''}`;
      const actor = str(row.actor);
      if (actor !== undefined) entry.actor = actor;
      const where = sequence !== undefined ? { sequence } : {};
      const text = payloadText(row.payload);
      const stored = hex(row.payload_digest);
      if (text !== undefined) {
        const actual = blake3Hex(Buffer.from(text, 'utf8'))!;
        if (stored !== undefined && stored === actual) entry.payloadDigest = stored;
        else {
          broken = true;
          entry.payloadDigest = stored ?? actual;
          addProblem(rec, 'digest-mismatch', 'error', stored === undefined
            ? `event ${sequence ?? '?'}: payload_digest is missing or not 32 bytes; the payload's BLAKE3 is ${actual}`
            : `event ${sequence ?? '?'}: payload_digest ${stored} is not the BLAKE3 of its payload (${actual}): the payload was altered`, where);
        }
        addPayloadFacts(entry, text, rec, where, rules);
      }
      entry.verified = !broken;
      events.push(entry);
      packed?.take(rec);
    }
    // A read with problems of the store's own (a WAL warning) leaves no resume point: the next is whole, and says them again or not.
    if (!withRowids || storeProblems > 0) return;
    if (lastValues) lastRow = rowText(lastValues);
    const before: TailOf = { events: from?.rows ?? 0, occurrences: 0, problems: from?.problems ?? 0 };
    const state: StoreState = { format: 'sqlite', rowid, rows: before.events + events.length + (packed?.eventCount ?? 0), problems: before.problems + rec.problems.length, broken, lastRow };
    rec.resume = { offset: 0, line: 0, state };
    if (from) rec.tailOf = before;
  } finally {
    stmt.free();
  }
}

function addPayloadFacts(entry: EventEntry, text: string, rec: FileRecord, where: { sequence?: number }, rules: KeyRules | undefined): void {
  const hasRefs = scanRefs(text).length > 0;
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    addProblem(rec, 'malformed', 'warning', `event ${where.sequence ?? '?'}: payload is not valid JSON`, where);
    return;
  }
  entry.refs = eventRefs(payload, hasRefs, rules).map((r) => ({ ...r, field: r.field ? `payload.${r.field}` : 'payload' }));
  const obj = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as JsonObject) : undefined;
  const runId = obj && str(obj.run_id);
  if (runId !== undefined) entry.runId = runId;
  else if (entry.subject?.startsWith('run:')) entry.runId = entry.subject.slice(4);
}
