// Every event the index holds as rows of typed-array columns (file, line, sequence, type,
// time, run, subject, actor, payload digest, chain hash, verified, refs), strings as ids of
// the index's string tables: about 70 bytes an event with its refs, where an EventEntry with
// its ref objects, strings and lookup list slots cost ~650 bytes the GC had to trace. A file
// owns a contiguous range of rows (a file is the unit of change); a changed file's rows are
// appended anew and the old ones left dead until the dead outnumber the live, then the live
// rows are copied together and the lookups made again. Summaries (small objects of a few
// fields) are bytes of the byte codec in one buffer, each coded with its row's refs known
// (summaryKnown): most summary fields name a ref of the event, by the ref's own field, key or
// hex. The lookups (ref key, run id, target
// key, deleted key -> rows) are id-indexed (IdsByKey), not Maps of strings to objects.
// EventEntry objects are made only when asked for, never kept.
import type { EventEntry, EventRef, EventSource } from '../records';
import { ByteReader, ByteWriter, type ReadPiece } from './byteCodec';
import { IdsByKey } from './idsByKey';
import { renderTime, TimeForm, timeValue } from './timeText';
import { checkLocal, type LocalIds, type LocalTable } from './localIds';
import { ROWS_PER_PAUSE } from './timeSlices';
import { grown as copiedTo, grownInSlices, LOADED_SPARE, roomFor, settledRoom, tooRoomy, withSettledRoom, type Column } from './columnRoom';
import type { StringIds, StringTable } from './stringTable';
import { copyNumbers, holdsIds, numberAt, wideIds, withId, withNumber, type IdColumn, type NumberColumn } from './narrowColumns';
import type { WindowScratch } from './windowScratch';

const SOURCES: EventSource[] = ['audit', 'ledger', 'jsonl', 'sqlite', 'otlp'];
const REF_ROLES = [undefined, 'fingerprint', 'run'] as const;
/**
 * META: the source's index in the low 3 bits, then `verified` (0 absent, 1 false, 2 true),
 * then how the time is kept (TimeForm).
 */
const SOURCE_MASK = 7;
const VERIFIED_SHIFT = 3;
const VERIFIED_MASK = 3;
const TIME_SHIFT = 5;
const TIME_MASK = 7;

/**
 * The strings a row's summary is coded with as known (ByteWriter.seed, ByteReader.seed): each
 * ref's key, field and the key's hex after its prefix. A summary's fields are mostly its refs
 * (`artifact_ref: sha256:<hex>`, `request_hash: <hex>`), each then a byte or two where its
 * name and value took ~48 (the 1M bench's 1.37M summaries: 99 MB of 108 MB held at 1M).
 */
export function summaryKnown(refs: readonly EventRef[]): string[] {
  const known = new Array<string>(3 * refs.length);
  for (let k = 0; k < refs.length; k++) {
    const key = refs[k].key;
    known[3 * k] = key;
    known[3 * k + 1] = refs[k].field;
    known[3 * k + 2] = key.slice(key.indexOf(':') + 1);
  }
  return known;
}

/** Absent string ids are stored as -1. */
const NONE = -1;
const MIN_ROWS = 1024;
const DELETED = 'artifact.deleted';

/** String ids of the keys rows are looked up by: ref keys, run ids, target keys, deleted keys. */
export interface RowKeys {
  ref: Set<number>;
  run: Set<number>;
  target: Set<number>;
  deleted: Set<number>;
}

/** Where addKeysOfRows puts the ids: a RowKeys, or sinks that take each id as it comes (a save's key listing). */
export type RowKeySinks = { [K in keyof RowKeys]: { add(id: number): unknown } };

/** An empty RowKeys, filled by addKeysOfRows. */
export function noRowKeys(): RowKeys {
  return { ref: new Set(), run: new Set(), target: new Set(), deleted: new Set() };
}

/**
 * Where an event stands and what it is, read from its row without its refs or summary: what a
 * hover needs of each of the (often dozens of) events naming its target; `row` makes it whole.
 */
export interface EventPlaceRow {
  row: number;
  file: string;
  eventType: string;
  line?: number;
  sequence?: number;
  time?: string;
}

/** A file's rows: kept on the file's own index entry, moved by compaction. */
export interface EventRange {
  evStart: number;
  evCount: number;
}

/** Where a range's rows, refs and summary bytes end, or its room for them does (see EventColumns.extend). */
interface Ends {
  rows: number;
  refs: number;
  summary: number;
}

/**
 * The room a grown log was moved into: its refs' and summary bytes' start (its rows start at
 * its range's), where its rows written so far end, and where each kind of room ends.
 */
interface Room {
  refStart: number;
  summaryStart: number;
  filled: number;
  end: Ends;
}

/** Chain hashes are written `sha256:<hex>` (audit logs) or bare hex (ledgers). */
export function hashKey(hash: string): string {
  const lower = hash.toLowerCase();
  return lower.startsWith('sha256:') ? lower : 'sha256:' + lower;
}

/**
 * `a` grown to hold `size` elements: to `planned` when that is enough (see EventRows.expect) and
 * at least by half (a plan that keeps being a little short must not copy the column each time),
 * else by doubling.
 */
function grown<T extends Column>(a: T, size: number, planned = 0): T {
  if (size <= a.length) return a;
  let n = a.length;
  if (planned >= size) n = Math.max(planned, Math.ceil(a.length * 1.5));
  else while (n < size) n *= 2;
  return copiedTo(a, n);
}

/**
 * Event rows as columns: the store's, and a saved bucket's section of them (see persist.ts),
 * which holds its files' rows back to back with the bucket's own string ids (localIds.ts).
 * On disk a section is its row, ref and summary-byte counts, then each column's bytes (aligned
 * to its element size; `refStart` and `summaryAt` are not saved: they follow from the counts),
 * then the text times by row.
 */
export interface EventSection {
  file: IdColumn;
  meta: Uint16Array;
  line: NumberColumn;
  sequence: NumberColumn;
  type: IdColumn;
  time: Float64Array;
  run: Int32Array;
  subject: Int32Array;
  actor: IdColumn;
  payload: Int32Array;
  hash: Int32Array;
  refStart: Uint32Array;
  refCount: Uint32Array;
  times: Map<number, string>;
  summaryAt: Uint32Array;
  summaryLength: Uint32Array;
  summaryBytes: Uint8Array;
  refKey: Int32Array;
  refField: IdColumn;
  refNamespace: IdColumn;
  refRole: Uint8Array;
}

/** A section's columns holding string ids, with the table they name: names (true) or strings. */
const ROW_IDS = [['file', true], ['type', true], ['run', false], ['subject', false], ['actor', true], ['payload', false], ['hash', false]] as const;
const REF_IDS = [['refKey', false], ['refField', true], ['refNamespace', true]] as const;
type IdColumnName = (typeof ROW_IDS)[number][0] | (typeof REF_IDS)[number][0];

/** Offsets from counts: entry i is the sum of counts before it; throws unless they add up to `total`. */
function offsets(counts: Uint32Array, total: number): Uint32Array {
  const out = new Uint32Array(counts.length);
  let at = 0;
  for (let i = 0; i < counts.length; i++) {
    out[i] = at;
    at += counts[i];
  }
  if (at !== total) throw new Error('the counts of an event section do not add up');
  return out;
}

/**
 * Throws on bytes that are not an event section. From a reader that loads on demand, its columns
 * are placed, not read (ByteReader.place), but for the counts its ref and summary starts come from.
 */
export function readEventSection(r: ByteReader): EventSection {
  const rows = r.uint();
  const refs = r.uint();
  const summary = r.uint();
  r.align(8);
  const line = r.place(Float64Array, rows);
  const sequence = r.place(Float64Array, rows);
  const time = r.place(Float64Array, rows);
  const ids = (n: number) => r.place(Int32Array, n);
  const file = ids(rows);
  const type = ids(rows);
  const run = ids(rows);
  const subject = ids(rows);
  const actor = ids(rows);
  const payload = ids(rows);
  const hash = ids(rows);
  const refCount = r.view(Uint32Array, rows);
  const summaryLength = r.view(Uint32Array, rows);
  const refKey = ids(refs);
  const refField = ids(refs);
  const refNamespace = ids(refs);
  const meta = r.place(Uint16Array, rows);
  const refRole = r.place(Uint8Array, refs);
  const summaryBytes = r.place(Uint8Array, summary);
  const times = new Map<number, string>();
  const n = r.uint();
  r.need(n);
  for (let i = 0; i < n; i++) times.set(r.uint(), r.string());
  const refStart = offsets(refCount, refs);
  const summaryAt = offsets(summaryLength, summary);
  return { file, meta, line, sequence, type, time, run, subject, actor, payload, hash, refStart, refCount, times, summaryAt, summaryLength, summaryBytes, refKey, refField, refNamespace, refRole };
}

/**
 * Rows `from` to `to` of a section whose columns are placed (see readEventSection) as a section
 * of their own, each column's piece read by `read`: a big bucket's rows are checked and appended
 * a window at a time (placedRows.ts), never read whole. The window's columns are `scratch`'s
 * arrays, written again by the next window read into it.
 */
export function eventSectionWindow(section: EventSection, from: number, to: number, read: ReadPiece, scratch: WindowScratch): EventSection {
  const piece = <T extends Column>(name: string, c: T, a: number, b: number): T => {
    const out = scratch.of(name, c, b - a);
    read(c.subarray(a, b), out);
    return out;
  };
  /** `column`'s rows of the window, less `base` (where the window's refs or summary bytes start). */
  const rebased = (name: string, column: Uint32Array, base: number): Uint32Array => {
    const out = scratch.of(name, column, to - from);
    for (let i = 0; i < out.length; i++) out[i] = column[from + i] - base;
    return out;
  };
  const last = to - 1;
  const refFrom = from < to ? section.refStart[from] : 0;
  const refTo = from < to ? section.refStart[last] + section.refCount[last] : 0;
  const summaryFrom = from < to ? section.summaryAt[from] : 0;
  const summaryTo = from < to ? section.summaryAt[last] + section.summaryLength[last] : 0;
  const columns: Record<string, Column> = {};
  // The counts were read whole (the starts come from them): viewed, not read.
  for (const c of PLAIN_ROW_COLUMNS) columns[c] = c === 'refCount' || c === 'summaryLength' ? section[c].subarray(from, to) : piece(c, section[c], from, to);
  for (const c of NUMBER_COLUMNS) columns[c] = piece(c, section[c], from, to);
  for (const [c] of ROW_IDS) columns[c] = piece(c, section[c], from, to);
  for (const [c] of REF_IDS) columns[c] = piece(c, section[c], refFrom, refTo);
  const times = new Map<number, string>();
  for (const [row, time] of section.times) if (row >= from && row < to) times.set(row - from, time);
  return {
    ...(columns as unknown as EventSection),
    refRole: piece('refRole', section.refRole, refFrom, refTo),
    summaryBytes: piece('summaryBytes', section.summaryBytes, summaryFrom, summaryTo),
    refStart: rebased('refStart', section.refStart, refFrom),
    summaryAt: rebased('summaryAt', section.summaryAt, summaryFrom),
    times,
  };
}

/** Where one file's rows, refs and summary bytes lie in the columns. */
interface Span {
  rows: [number, number];
  refs: [number, number];
  summary: [number, number];
}

/** Throws unless every string id of `section` is one of its bucket's `strings` or `names`. */
export function checkEventSection(section: EventSection, strings: number, names: number): void {
  for (const [column, isName] of [...ROW_IDS, ...REF_IDS]) for (const id of section[column]) checkLocal(id, isName ? names : strings);
}

/** The row columns a saved section's rows are copied from as they are (see appendRows). */
const PLAIN_ROW_COLUMNS = ['meta', 'time', 'refCount', 'summaryLength'] as const;
/** The row columns of numbers that may be absent (narrowColumns.ts). */
const NUMBER_COLUMNS = ['line', 'sequence'] as const;

/** The columns with an entry per row, and those with one per ref. */
const ROW_COLUMNS = ['file', 'meta', 'line', 'sequence', 'type', 'time', 'run', 'subject', 'actor', 'payload', 'hash', 'refStart', 'refCount', 'summaryAt', 'summaryLength'] as const;
const REF_COLUMNS = ['refKey', 'refField', 'refNamespace', 'refRole'] as const;

/** The pool ints of the events' lookups by ref key and by run id (IdsByKey.expect). */
export interface EventListWords {
  refRowWords: number;
  runRowWords: number;
}

/**
 * Event rows: the store's columns, or those a reader packs as it goes (see PackedRows). Their
 * names-table ids, lines and sequences are held narrow until a value does not fit
 * (narrowColumns.ts); a saved section holds them at 32 and 64 bits.
 */
export class EventRows implements EventSection {
  file: IdColumn = new Int16Array(MIN_ROWS);
  meta = new Uint16Array(MIN_ROWS);
  line: NumberColumn = new Int32Array(MIN_ROWS);
  sequence: NumberColumn = new Int32Array(MIN_ROWS);
  type: IdColumn = new Int16Array(MIN_ROWS);
  /** The time as its TimeForm's number (NaN when kept as text in `times`, or absent). */
  time = new Float64Array(MIN_ROWS);
  run = new Int32Array(MIN_ROWS);
  subject = new Int32Array(MIN_ROWS);
  actor: IdColumn = new Int16Array(MIN_ROWS);
  payload = new Int32Array(MIN_ROWS);
  hash = new Int32Array(MIN_ROWS);
  refStart = new Uint32Array(MIN_ROWS);
  refCount = new Uint32Array(MIN_ROWS);
  /** Times that are not a round-tripping ISO instant, by row (rare). */
  times = new Map<number, string>();
  /** Each row's summary: its bytes' start in `summaryBytes` and their length (0: none). */
  summaryAt = new Uint32Array(MIN_ROWS);
  summaryLength = new Uint32Array(MIN_ROWS);
  summaryBytes = new Uint8Array(MIN_ROWS * 64);
  summaryUsed = 0;
  refKey = new Int32Array(MIN_ROWS);
  refField: IdColumn = new Int16Array(MIN_ROWS);
  refNamespace: IdColumn = new Int16Array(MIN_ROWS);
  refRole = new Uint8Array(MIN_ROWS);
  rows = 0;
  refs = 0;
  /** The rows a load of the saved index will have written when done (see expect); 0 when none is under way. */
  private expectedRows = 0;

  /**
   * Room for `rows` more rows, made once: a load of the saved index knows how many events it
   * holds (its summary's count), where growing by doubling copied every column again and again
   * and left up to half of them spare (at 1M events, seconds of copies and trims, and the peak).
   * Refs and summary bytes, not counted there, are given room for the rows to come at as many
   * a row as the rows so far have, unless the save told them (`refs`, `summary`: SavedTables):
   * planned from the first rows a load brings (the big log's), the summary bytes of the 1M bench
   * were given ~100 MB of room to give back, copied by trim() at the end of the load, its peak.
   * Until settle(), which ends the load.
   */
  expect(rows: number, refs = 0, summary = 0): void {
    this.expectedRows = this.rows + rows;
    this.reserve(rows, 0);
    const columns = this.columns();
    if (refs) for (const c of REF_COLUMNS) columns[c] = withSettledRoom(columns[c], this.refs + refs, MIN_ROWS, LOADED_SPARE);
    if (summary) this.summaryBytes = withSettledRoom(this.summaryBytes, this.summaryUsed + summary, MIN_ROWS, LOADED_SPARE);
  }

  /** The length to grow a column to when it must hold `need` (refs or summary bytes) for `rows` rows: see expect. */
  private planned(need: number, rows: number): number {
    if (this.expectedRows <= rows || rows === 0) return 0;
    return settledRoom(Math.ceil((need / rows) * this.expectedRows), MIN_ROWS, LOADED_SPARE);
  }

  reserve(rows: number, refs: number): void {
    // Every row column has one length, every ref column another (they grow and shrink together).
    // A reader packs a log a line at a time, and nearly every line fits: the loops over the
    // columns by name cost it ~2 us a line (0.3 s over the bench's audit log).
    if (this.rows + rows <= this.file.length && this.refs + refs <= this.refKey.length) return;
    const columns = this.columns();
    const rowRoom = this.expectedRows >= this.rows + rows ? settledRoom(this.expectedRows, MIN_ROWS, LOADED_SPARE) : 0;
    for (const c of ROW_COLUMNS) columns[c] = grown(columns[c], this.rows + rows, rowRoom);
    const refRoom = this.planned(this.refs + refs, this.rows + rows);
    for (const c of REF_COLUMNS) columns[c] = grown(columns[c], this.refs + refs, refRoom);
  }

  /**
   * Room for `rows` more rows, `refs` refs and `summary` summary bytes, each column that must
   * grow copied a slice at a time with `pause` between (see columnRoom.ts).
   */
  async makeRoom(rows: number, refs: number, summary: number, pause: () => Promise<void>): Promise<void> {
    const columns = this.columns();
    for (const [names, used, need] of [[ROW_COLUMNS, this.rows, rows], [REF_COLUMNS, this.refs, refs]] as const) {
      for (const c of names) {
        const capacity = roomFor(columns[c].length, used, need);
        if (capacity !== undefined) columns[c] = await grownInSlices(columns[c], used, capacity, pause);
      }
    }
    const capacity = roomFor(this.summaryBytes.length, this.summaryUsed, summary);
    if (capacity !== undefined) this.summaryBytes = await grownInSlices(this.summaryBytes, this.summaryUsed, capacity, pause);
  }

  /** The columns by name, for the loops over all of them. */
  private columns(): Record<(typeof ROW_COLUMNS)[number] | (typeof REF_COLUMNS)[number], Column> {
    return this as unknown as Record<(typeof ROW_COLUMNS)[number] | (typeof REF_COLUMNS)[number], Column>;
  }

  /** Room for `events` and their refs after the rows. */
  reserveFor(events: readonly EventEntry[]): void {
    let refs = 0;
    for (const e of events) refs += e.refs.length;
    this.reserve(events.length, refs);
  }

  /**
   * Writes `e` as the next row (room reserved), its strings as ids of `strings` and `names`,
   * its summary encoded through `summary`; returns the row.
   */
  push(e: EventEntry, strings: StringIds, names: StringIds, summary: ByteWriter): number {
    const i = this.rows++;
    this.file = withId(this.file, i, names.id(e.file));
    let timeForm = TimeForm.None;
    this.line = withNumber(this.line, i, e.line);
    this.sequence = withNumber(this.sequence, i, e.sequence);
    this.type = withId(this.type, i, names.id(e.eventType));
    this.time[i] = NaN;
    if (e.time !== undefined) {
      [timeForm, this.time[i]] = timeValue(e.time);
      if (timeForm === TimeForm.Text) this.times.set(i, e.time);
    }
    this.meta[i] = SOURCES.indexOf(e.source) | ((e.verified === undefined ? 0 : e.verified ? 2 : 1) << VERIFIED_SHIFT) | (timeForm << TIME_SHIFT);
    this.run[i] = e.runId === undefined ? NONE : strings.id(e.runId);
    this.subject[i] = e.subject === undefined ? NONE : strings.id(e.subject);
    this.actor = withId(this.actor, i, e.actor === undefined ? NONE : names.id(e.actor));
    // As its target key (`blake3:<hex>`, which the lookup needs anyway): the digest is its tail.
    this.payload[i] = e.payloadDigest === undefined ? NONE : strings.id('blake3:' + e.payloadDigest);
    this.hash[i] = e.hash === undefined ? NONE : strings.id(e.hash);
    summary.reset();
    if (e.summary !== undefined) {
      summary.seed(summaryKnown(e.refs));
      summary.value(e.summary);
    }
    this.setSummary(i, summary.bytes());
    this.refStart[i] = this.refs;
    this.refCount[i] = e.refs.length;
    for (const x of e.refs) {
      const m = this.refs++;
      this.refKey[m] = strings.id(x.key);
      this.refField = withId(this.refField, m, names.id(x.field));
      this.refNamespace = withId(this.refNamespace, m, x.namespace === undefined ? NONE : names.id(x.namespace));
      this.refRole[m] = REF_ROLES.indexOf(x.role);
    }
    return i;
  }

  /** Where the rows, refs and summary bytes end: where push() writes next. */
  ends(): Ends {
    return { rows: this.rows, refs: this.refs, summary: this.summaryUsed };
  }

  /**
   * Runs `write` (its push() calls) with the rows, refs and summary bytes written from `at`
   * instead of the columns' ends, in room made for all of them (a grown log's room in the middle
   * of the columns: EventColumns.extend), then puts the ends back.
   */
  writeAt(at: Ends, write: () => void): void {
    const ends = this.ends();
    this.moveEnds(at);
    try {
      write();
    } finally {
      this.moveEnds(ends);
    }
  }

  /** Sets where the rows, refs and summary bytes end (rows after them are spare or dropped: never read). */
  moveEnds(to: Ends): void {
    this.rows = to.rows;
    this.refs = to.refs;
    this.summaryUsed = to.summary;
  }

  /** Forgets the rows (written out: PackedRows spills them a window at a time), keeping the columns' room for the next; their text times go with them. */
  clear(): void {
    this.moveEnds({ rows: 0, refs: 0, summary: 0 });
    this.times = new Map();
  }

  /** Forgets the text times of rows `from` to `to` (rows dropped, to be written again: push() sets a row's only when it has one). */
  forgetTimes(from: number, to: number): void {
    for (let i = from; i < to && this.times.size; i++) this.times.delete(i);
  }

  /** Room for `bytes` more summary bytes. */
  reserveSummary(bytes: number): void {
    this.summaryBytes = grown(this.summaryBytes, this.summaryUsed + bytes);
  }

  /**
   * Gives back the room grown for rows not written, but a tenth: before the rows cross threads
   * (PackedRows.toWire), where a column's room would be held in the calling thread as it is.
   */
  trim(): void {
    this.endPlan();
    const columns = this.columns();
    // Each kind of column only when it is that roomy: those a load sized (see expect) are not copied again.
    if (tooRoomy(this.file.length, this.rows, MIN_ROWS)) for (const c of ROW_COLUMNS) columns[c] = columns[c].slice(0, settledRoom(this.rows, MIN_ROWS));
    if (tooRoomy(this.refKey.length, this.refs, MIN_ROWS)) for (const c of REF_COLUMNS) columns[c] = columns[c].slice(0, settledRoom(this.refs, MIN_ROWS));
    if (tooRoomy(this.summaryBytes.length, this.summaryUsed, MIN_ROWS)) this.summaryBytes = this.summaryBytes.slice(0, settledRoom(this.summaryUsed, MIN_ROWS));
  }

  /** Each column by name, cut to the rows, refs or summary bytes in use (what a spill writes: spilledRows.ts). */
  usedColumns(): [keyof EventSection, Column][] {
    const columns = this.columns();
    const out: [keyof EventSection, Column][] = [];
    for (const c of ROW_COLUMNS) out.push([c, columns[c].subarray(0, this.rows)]);
    for (const c of REF_COLUMNS) out.push([c, columns[c].subarray(0, this.refs)]);
    out.push(['summaryBytes', this.summaryBytes.subarray(0, this.summaryUsed)]);
    return out;
  }

  /** Ends a load's plan (see expect): the columns grow as they need from now on. */
  endPlan(): void {
    this.expectedRows = 0;
  }

  /** Row `j`'s summary bytes (none when empty), appended to the buffer. */
  setSummary(j: number, bytes: Uint8Array): void {
    this.summaryAt[j] = this.summaryUsed;
    this.summaryLength[j] = bytes.length;
    if (bytes.length === 0) return;
    this.summaryBytes = grown(this.summaryBytes, this.summaryUsed + bytes.length, this.planned(this.summaryUsed + bytes.length, j + 1));
    this.summaryBytes.set(bytes, this.summaryUsed);
    this.summaryUsed += bytes.length;
  }

  /**
   * Appends rows `start` to `start + count` of a saved section column by column (a file's rows,
   * refs and summary bytes lie together there), string ids turned into the tables' through
   * `strings` and `names`: a full load appends 1.4M rows at 1M artifacts, where a row at a time
   * took a call per field and id.
   */
  appendRows(from: EventSection, start: number, count: number, strings: LocalTable, names: LocalTable): void {
    if (count === 0) return;
    const end = start + count;
    const last = end - 1;
    const refFrom = from.refStart[start];
    const refs = from.refStart[last] + from.refCount[last] - refFrom;
    const summaryFrom = from.summaryAt[start];
    const summary = from.summaryAt[last] + from.summaryLength[last] - summaryFrom;
    this.reserve(count, refs);
    const j = this.rows;
    const m = this.refs;
    this.summaryBytes = grown(this.summaryBytes, this.summaryUsed + summary, this.planned(this.summaryUsed + summary, j + count));
    for (const c of PLAIN_ROW_COLUMNS) this[c].set(from[c].subarray(start, end), j);
    for (const c of NUMBER_COLUMNS) this[c] = copyNumbers(from[c], start, count, this[c], j);
    for (const [c, isName] of ROW_IDS) this.mapIds(c, isName ? names : strings, from[c], start, end, j);
    for (const [c, isName] of REF_IDS) this.mapIds(c, isName ? names : strings, from[c], refFrom, refFrom + refs, m);
    this.refRole.set(from.refRole.subarray(refFrom, refFrom + refs), m);
    this.summaryBytes.set(from.summaryBytes.subarray(summaryFrom, summaryFrom + summary), this.summaryUsed);
    for (let i = 0; i < count; i++) {
      this.refStart[j + i] = from.refStart[start + i] - refFrom + m;
      this.summaryAt[j + i] = from.summaryAt[start + i] - summaryFrom + this.summaryUsed;
    }
    for (let i = start; i < end && from.times.size; i++) {
      const time = from.times.get(i);
      if (time !== undefined) this.times.set(j + i - start, time);
    }
    this.rows += count;
    this.refs += refs;
    this.summaryUsed += summary;
  }

  /**
   * Writes the table ids of `from`'s local ids from `start` to `end` into column `c` from `at`
   * (LocalTable.mapIds), widening the column and writing them again when one did not fit.
   */
  private mapIds(c: IdColumnName, table: LocalTable, from: IdColumn, start: number, end: number, at: number): void {
    const columns = this.idColumns();
    if (holdsIds(columns[c], table.mapIds(from, start, end, columns[c], at))) return;
    columns[c] = wideIds(columns[c]);
    table.mapIds(from, start, end, columns[c], at);
  }

  /** Sets string-id column `c` at `at` to `id`, widening it when the id does not fit. */
  setId(c: IdColumnName, at: number, id: number): void {
    const columns = this.idColumns();
    columns[c] = withId(columns[c], at, id);
  }

  /** The columns holding string ids, by name. */
  private idColumns(): Record<IdColumnName, IdColumn> {
    return this as unknown as Record<IdColumnName, IdColumn>;
  }

  /** Copies row `i` of `from` (these rows or a saved section) to the end of these rows. */
  copy(from: EventSection, i: number): void {
    const j = this.rows++;
    this.file = withId(this.file, j, from.file[i]);
    this.meta[j] = from.meta[i];
    this.line = withNumber(this.line, j, numberAt(from.line, i));
    this.sequence = withNumber(this.sequence, j, numberAt(from.sequence, i));
    this.type = withId(this.type, j, from.type[i]);
    this.time[j] = from.time[i];
    this.run[j] = from.run[i];
    this.subject[j] = from.subject[i];
    this.actor = withId(this.actor, j, from.actor[i]);
    this.payload[j] = from.payload[i];
    this.hash[j] = from.hash[i];
    const time = from.times.get(i);
    if (time !== undefined) this.times.set(j, time);
    this.setSummary(j, from.summaryBytes.subarray(from.summaryAt[i], from.summaryAt[i] + from.summaryLength[i]));
    this.refStart[j] = this.refs;
    this.refCount[j] = from.refCount[i];
    for (let k = from.refStart[i], end = k + from.refCount[i]; k < end; k++) {
      const m = this.refs++;
      this.refKey[m] = from.refKey[k];
      this.refField = withId(this.refField, m, from.refField[k]);
      this.refNamespace = withId(this.refNamespace, m, from.refNamespace[k]);
      this.refRole[m] = from.refRole[k];
    }
  }
}

export class EventColumns {
  private d = new EventRows();
  private live = 0;
  /** Ref key id -> rows of the events naming it (each event once per key). */
  private readonly byRef = new IdsByKey();
  /** Run id (as written) -> its rows: a few run ids among every key id (160k of 3M at 1M artifacts). */
  private readonly byRun = new IdsByKey(true);
  /** `blake3:<payload digest>` and `sha256:<record hash>` -> the rows answering to it (the last one wins). */
  private readonly byTarget = new IdsByKey();
  /** `sha256:<hex>` -> rows of `artifact.deleted` events naming it (pruned evidence: rare). */
  private readonly deleted = new IdsByKey(true);
  private readonly summaryWriter = new ByteWriter(1024);
  /** By the first row of its range: the room a grown log was moved into (see extend), until compact(). */
  private readonly rooms = new Map<number, Room>();
  /** Which row an EventEntry handed out was made from: identity for callers that compare events. */
  private readonly rowOfEntry = new WeakMap<EventEntry, number>();

  constructor(
    /** Ref keys, run ids, digests, subjects. */
    private readonly strings: StringTable,
    /** Kinds of few values: files, event types, actors, field paths, namespaces. */
    private readonly names: StringTable,
  ) {}

  /**
   * Room for about `rows` more rows (their refs and summaries estimated from the rows held),
   * made a slice at a time ahead of a batch (see columnRoom.ts).
   */
  async makeRoom(rows: number, pause: () => Promise<void>): Promise<void> {
    const d = this.d;
    // As many refs and summary bytes a row as the rows held have, and a quarter more.
    const share = (1.25 * rows) / Math.max(d.rows, 1);
    const refs = Math.ceil(d.refs * share);
    await d.makeRoom(rows, refs, Math.ceil(d.summaryUsed * share), pause);
    // Keyed by strings ids: each new row or ref may bring a new key.
    const keys = this.strings.size + rows + refs;
    for (const lookup of [this.byRef, this.byRun, this.byTarget]) await lookup.makeRoom(keys, pause);
  }

  /** Appends a file's events as rows, which `range` then holds. */
  add(events: readonly EventEntry[], range: EventRange): void {
    range.evStart = this.d.rows;
    range.evCount = 0;
    this.append(events, range);
  }

  /**
   * Keeps the first `keep` rows of `range` and appends `events` after them (a grown log's new
   * events; rows after `keep` were a line still being written when it was last read). The rows
   * stay where they are when the range (with its room) ends the columns, as the log an agent
   * appends to usually does, or when its room takes the new ones; otherwise the kept rows move to
   * the end first, left dead where they were, into room for as many rows, refs and summary bytes
   * again (not counted dead: see wasteful). Moved without room to spare, a log appended to in turns
   * with other files (the language server's updates: an agent's log beside its new artifacts,
   * a slice at a time) was copied, unlinked and linked again whole at each of its slices.
   */
  extend(range: EventRange, keep: number, events: readonly EventEntry[]): void {
    const d = this.d;
    const start = range.evStart;
    this.unlinkRows(start + keep, start + range.evCount);
    const room = this.rooms.get(start);
    const kept = this.keptEnds(range, keep, room);
    const end = room?.end ?? this.keptEnds(range, range.evCount, undefined);
    d.forgetTimes(kept.rows, start + range.evCount);
    if (end.rows === d.rows && end.refs === d.refs && end.summary === d.summaryUsed) {
      // It ends the columns: what it drops is written over, and its room is the columns' own.
      this.rooms.delete(start);
      d.moveEnds(kept);
      range.evCount = keep;
      this.append(events, range);
      return;
    }
    const need = this.needOf(events);
    if (room && kept.rows + need.rows <= end.rows && kept.refs + need.refs <= end.refs && kept.summary + need.summary <= end.summary) {
      range.evCount = keep;
      d.writeAt(kept, () => this.append(events, range));
      room.filled = start + range.evCount;
      return;
    }
    const moved = this.moveToEnd(range, keep, kept, need);
    this.append(events, range);
    // What is left of the room is taken as the columns' own rows, refs and bytes: nothing else is written there.
    moved.filled = d.rows;
    d.moveEnds(moved.end);
  }

  /** Where the first `keep` rows of `range` (whose room, if any, is `room`) and their refs and summary bytes end. */
  private keptEnds(range: EventRange, keep: number, room: Room | undefined): Ends {
    const d = this.d;
    const start = range.evStart;
    if (keep > 0) {
      const last = start + keep - 1;
      return { rows: start + keep, refs: d.refStart[last] + d.refCount[last], summary: d.summaryAt[last] + d.summaryLength[last] };
    }
    if (room) return { rows: start, refs: room.refStart, summary: room.summaryStart };
    // No rows kept: a range that holds some starts its refs and bytes at its first row's; an empty one ends the columns or holds nothing to keep.
    if (range.evCount > 0) return { rows: start, refs: d.refStart[start], summary: d.summaryAt[start] };
    return { rows: start, refs: d.refs, summary: d.summaryUsed };
  }

  /** The rows, refs and summary bytes `events` take. */
  private needOf(events: readonly EventEntry[]): Ends {
    const need = { rows: events.length, refs: 0, summary: 0 };
    const w = this.summaryWriter;
    for (const e of events) {
      need.refs += e.refs.length;
      if (e.summary === undefined) continue;
      w.reset();
      w.value(e.summary);
      need.summary += w.bytes().length;
    }
    return need;
  }

  /**
   * Copies the first `keep` rows of `range` (ending at `kept`) to the end of the columns, into
   * room for twice them and `need` more (the columns grown for what the rows need, the room
   * beyond that only from the room they have: the update makes room ahead, a slice at a time).
   */
  private moveToEnd(range: EventRange, keep: number, kept: Ends, need: Ends): Room {
    const d = this.d;
    const start = range.evStart;
    this.rooms.delete(start);
    this.unlinkRows(start, start + keep);
    const refs = kept.refs - (keep > 0 ? d.refStart[start] : kept.refs);
    const summary = kept.summary - (keep > 0 ? d.summaryAt[start] : kept.summary);
    d.reserve(keep + need.rows, refs + need.refs);
    d.reserveSummary(summary + need.summary);
    const at = d.ends();
    range.evStart = at.rows;
    for (let i = start; i < start + keep; i++) {
      // From and to the same rows: reserve() grew the arrays in place of the old ones.
      d.copy(d, i);
      this.link(d.rows - 1);
    }
    this.live += keep;
    range.evCount = keep;
    const end = {
      rows: at.rows + Math.min(2 * (keep + need.rows), d.file.length - at.rows),
      refs: at.refs + Math.min(2 * (refs + need.refs), d.refKey.length - at.refs),
      summary: at.summary + Math.min(2 * (summary + need.summary), d.summaryBytes.length - at.summary),
    };
    const room = { refStart: at.refs, summaryStart: at.summary, filled: at.rows, end };
    this.rooms.set(range.evStart, room);
    return room;
  }

  /** Appends `events` as rows after those `range` holds (which must end the columns), and links them. */
  private append(events: readonly EventEntry[], range: EventRange): void {
    // Most files (artifacts) have none: no room is looked for in the ~18 columns for each of them.
    if (events.length === 0) return;
    const d = this.d;
    d.reserveFor(events);
    range.evCount += events.length;
    for (const e of events) this.link(d.push(e, this.strings, this.names, this.summaryWriter));
    this.live += events.length;
  }

  /** Where the rows, refs and summary bytes of `ranges` lie, and how many of each there are. */
  private spansOf(ranges: readonly EventRange[]): { spans: Span[]; rows: number; refs: number; summary: number } {
    const d = this.d;
    // A file's rows, refs and summary bytes each lie together (rows are appended a file at a time).
    const spans: Span[] = [];
    let rows = 0;
    let refs = 0;
    let summary = 0;
    for (const r of ranges) {
      if (!r.evCount) continue;
      const last = r.evStart + r.evCount - 1;
      const span = {
        rows: [r.evStart, r.evStart + r.evCount] as [number, number],
        refs: [d.refStart[r.evStart], d.refStart[last] + d.refCount[last]] as [number, number],
        summary: [d.summaryAt[r.evStart], d.summaryAt[last] + d.summaryLength[last]] as [number, number],
      };
      spans.push(span);
      rows += r.evCount;
      refs += span.refs[1] - span.refs[0];
      summary += span.summary[1] - span.summary[0];
    }
    return { spans, rows, refs, summary };
  }

  /** Writes the rows of `ranges` (one saved bucket's files, in order) as an EventSection, string ids numbered by `strings` and `names`. */
  async writeSection(w: ByteWriter, ranges: readonly EventRange[], strings: LocalIds, names: LocalIds, pause: () => Promise<void>): Promise<void> {
    const d = this.d;
    const { spans, rows, refs, summary } = this.spansOf(ranges);
    w.uint(rows);
    w.uint(refs);
    w.uint(summary);
    const scratch = new Int32Array(ROWS_PER_PAUSE);
    // A column at a time, ROWS_PER_PAUSE values with the save's pause after each (ids turned into bucket ids through one small array): a big log's section is neither written in one go nor copied whole.
    const wide = new Float64Array(ROWS_PER_PAUSE);
    // `numbers`: a column of NUMBER_COLUMNS, held narrow (narrowColumns.ts) and saved as float64s.
    const put = async (column: Column, of: 'rows' | 'refs' | 'summary', local?: LocalIds, numbers = false) => {
      for (const span of spans) {
        const [from, to] = span[of];
        for (let i = from; i < to; i += ROWS_PER_PAUSE) {
          const end = Math.min(to, i + ROWS_PER_PAUSE);
          if (numbers) {
            for (let j = i; j < end; j++) wide[j - i] = numberAt(column as NumberColumn, j) ?? NaN;
            w.raw(wide.subarray(0, end - i));
          } else if (!local) w.raw(column.subarray(i, end));
          else {
            // A plain loop into a reused array: Int32Array.from with a map function costs about ten times as much.
            for (let j = i; j < end; j++) scratch[j - i] = local.of(column[j]);
            w.raw(scratch.subarray(0, end - i));
          }
          if (end - i === ROWS_PER_PAUSE) await pause();
        }
      }
      await pause();
    };
    w.align(8);
    await put(d.line, 'rows', undefined, true);
    await put(d.sequence, 'rows', undefined, true);
    await put(d.time, 'rows');
    for (const [column, isName] of ROW_IDS) await put(d[column], 'rows', isName ? names : strings);
    await put(d.refCount, 'rows');
    await put(d.summaryLength, 'rows');
    for (const [column, isName] of REF_IDS) await put(d[column], 'refs', isName ? names : strings);
    await put(d.meta, 'rows');
    await put(d.refRole, 'refs');
    await put(d.summaryBytes, 'summary');
    // Text times are rare: a file's are looked up only when the store holds any.
    const times: [number, string][] = [];
    let row = 0;
    for (const span of spans) {
      for (let i = span.rows[0]; i < span.rows[1] && d.times.size; i++) {
        const time = d.times.get(i);
        if (time !== undefined) times.push([row + i - span.rows[0], time]);
      }
      row += span.rows[1] - span.rows[0];
    }
    w.uint(times.length);
    for (const [at, time] of times) {
      w.uint(at);
      w.string(time);
    }
  }

  /**
   * Appends rows `start` to `start + count` of a saved section (one file's) as the rows of
   * `range`, their string ids turned into the tables' through `strings` and `names`, and links
   * them; `keep`, when given, picks the rows to keep (a scoped load of a large log).
   */
  appendSection(section: EventSection, start: number, count: number, range: EventRange, strings: LocalTable, names: LocalTable, keep?: (row: number) => boolean): void {
    const d = this.d;
    const first = d.rows;
    if (!keep) d.appendRows(section, start, count, strings, names);
    else {
      const end = start + count;
      d.reserve(count, count ? section.refStart[end - 1] + section.refCount[end - 1] - section.refStart[start] : 0);
      for (let row = start; row < end; row++) {
        if (!keep(row)) continue;
        const j = d.rows;
        d.copy(section, row);
        for (const [column, isName] of ROW_IDS) d.setId(column, j, (isName ? names : strings).id(d[column][j]));
        for (let k = d.refStart[j], last = k + d.refCount[j]; k < last; k++) for (const [column, isName] of REF_IDS) d.setId(column, k, (isName ? names : strings).id(d[column][k]));
      }
    }
    range.evStart = first;
    range.evCount = d.rows - first;
    for (let i = first; i < d.rows; i++) this.link(i);
    this.live += range.evCount;
  }

  /** Adds the string ids rows `from` to `to` are looked up by to `seen`, each once, by lookup: read from the columns, no event made. */
  addKeysOfRows(from: number, to: number, seen: RowKeySinks): void {
    for (let i = from; i < to; i++) this.keysOfRow(i, seen);
  }

  /** Drops a file's rows from the lookups; the rows stay, dead, until compact(). */
  release(range: EventRange): void {
    this.rooms.delete(range.evStart);
    this.unlinkRows(range.evStart, range.evStart + range.evCount);
    range.evCount = 0;
  }

  /** Drops rows `from` to `to` from the lookups and the live count. */
  private unlinkRows(from: number, to: number): void {
    if (from >= to) return;
    const seen = noRowKeys();
    this.addKeysOfRows(from, to, seen);
    for (const k of seen.ref) this.byRef.deleteRange(k, from, to);
    for (const k of seen.run) this.byRun.deleteRange(k, from, to);
    for (const k of seen.target) this.byTarget.deleteRange(k, from, to);
    for (const k of seen.deleted) this.deleted.deleteRange(k, from, to);
    this.live -= to - from;
  }

  /**
   * After a build or a load: drops dead rows when they are more than a fifth of the rows
   * written, and ends the load's plan (EventRows.expect). Room never written is kept (see
   * columnRoom.ts).
   */
  settle(ranges: Iterable<EventRange>): void {
    if (tooRoomy(this.d.rows, this.live, MIN_ROWS)) this.compact(ranges);
    this.d.endPlan();
  }

  /**
   * Room for `rows` more rows (and `refs`, `summary` bytes when told), made once, for a load that
   * knows how many it will append (see EventRows.expect); the lookups by ref and target key for
   * key ids below `keys`, and by ref and run for the `lists` they had when saved (IdsByKey.expect).
   */
  expect(rows: number, refs = 0, summary = 0, keys = 0, lists: Partial<EventListWords> = {}): void {
    this.d.expect(rows, refs, summary);
    this.byRef.expect(keys, lists.refRowWords);
    this.byRun.expect(0, lists.runRowWords);
    this.byTarget.expect(keys);
  }

  /** The pool ints of the lookups by ref and by run (what a save tells the next full load: SavedTables). */
  get listWords(): EventListWords {
    return { refRowWords: this.byRef.poolWords, runRowWords: this.byRun.poolWords };
  }

  /** The refs and summary bytes the rows hold, dead rows' too until a compaction (what a save tells the next load: SavedTables). */
  get held(): { refs: number; summaryBytes: number } {
    return { refs: this.d.refs, summaryBytes: this.d.summaryUsed };
  }

  /**
   * More dead rows than live ones (and enough to bother): time for compact(). The grown logs'
   * spare rows are not dead: counted so, a log's room (as many rows again) soon made the columns
   * wasteful, and the compaction that let it go made the log move again at its next slice.
   */
  get wasteful(): boolean {
    let spare = 0;
    for (const room of this.rooms.values()) spare += room.end.rows - room.filled;
    const dead = this.d.rows - this.live - spare;
    return dead > MIN_ROWS && dead > this.live;
  }

  /** Copies the live rows of `ranges` (every file held) together, and makes the lookups again. */
  compact(ranges: Iterable<EventRange>): void {
    const from = this.d;
    const to = new EventRows();
    to.reserve(this.live, from.refs);
    to.summaryBytes = new Uint8Array(Math.max(from.summaryUsed, MIN_ROWS));
    for (const range of ranges) {
      const start = to.rows;
      for (let i = range.evStart, end = i + range.evCount; i < end; i++) to.copy(from, i);
      range.evStart = start;
    }
    this.d = to;
    this.rooms.clear();
    for (const lookup of [this.byRef, this.byRun, this.byTarget, this.deleted]) lookup.clear();
    for (let i = 0; i < to.rows; i++) this.link(i);
  }

  private link(i: number): void {
    const d = this.d;
    const deletion = this.names.value(d.type[i]) === DELETED;
    for (let k = d.refStart[i], end = k + d.refCount[i]; k < end; k++) {
      // An event naming a key twice is listed under it once.
      if (deletion) this.addOnce(this.deleted, d.refKey[k], i);
      this.addOnce(this.byRef, d.refKey[k], i);
    }
    if (d.run[i] !== NONE) this.byRun.add(d.run[i], i);
    if (d.payload[i] !== NONE) this.byTarget.add(d.payload[i], i);
    if (d.hash[i] !== NONE) this.byTarget.add(this.hashTarget(d.hash[i]), i);
  }

  private addOnce(lookup: IdsByKey, key: number, row: number): void {
    if (lookup.last(key) !== row) lookup.add(key, row);
  }

  /**
   * The string id of the target key of chain hash `hash` (a string id): a row answers to its
   * payload digest's id as it is and to this (no list made per row: a load links 1.4M at 1M artifacts).
   */
  private hashTarget(hash: number): number {
    // A hash written `sha256:<hex>` in lower case is its own key (its id is a digest's): no string made and interned again.
    return this.strings.digestIdOf(hash) >= 0 ? hash : this.strings.id(hashKey(this.strings.value(hash)));
  }

  private keysOfRow(i: number, seen: RowKeySinks): void {
    const d = this.d;
    const deletion = this.names.value(d.type[i]) === DELETED;
    for (let k = d.refStart[i], end = k + d.refCount[i]; k < end; k++) {
      seen.ref.add(d.refKey[k]);
      if (deletion) seen.deleted.add(d.refKey[k]);
    }
    if (d.run[i] !== NONE) seen.run.add(d.run[i]);
    if (d.payload[i] !== NONE) seen.target.add(d.payload[i]);
    if (d.hash[i] !== NONE) seen.target.add(this.hashTarget(d.hash[i]));
  }

  /** The event of row `i`, made now. */
  entry(i: number): EventEntry {
    const d = this.d;
    const meta = d.meta[i];
    const e: EventEntry = { source: SOURCES[meta & SOURCE_MASK], file: this.names.value(d.file[i]), eventType: '', refs: [] };
    const line = numberAt(d.line, i);
    if (line !== undefined) e.line = line;
    const sequence = numberAt(d.sequence, i);
    if (sequence !== undefined) e.sequence = sequence;
    e.eventType = this.names.value(d.type[i]);
    const time = this.timeOf(i);
    if (time !== undefined) e.time = time;
    if (d.run[i] !== NONE) e.runId = this.strings.value(d.run[i]);
    if (d.subject[i] !== NONE) e.subject = this.strings.value(d.subject[i]);
    if (d.actor[i] !== NONE) e.actor = this.names.value(d.actor[i]);
    const refs: EventRef[] = new Array(d.refCount[i]);
    for (let k = d.refStart[i], n = 0; n < refs.length; k++, n++) {
      const x: EventRef = { key: this.strings.value(d.refKey[k]), field: this.names.value(d.refField[k]) };
      if (d.refNamespace[k] !== NONE) x.namespace = this.names.value(d.refNamespace[k]);
      const role = REF_ROLES[d.refRole[k]];
      if (role) x.role = role;
      refs[n] = x;
    }
    e.refs = refs;
    if (d.payload[i] !== NONE) e.payloadDigest = this.strings.value(d.payload[i]).slice(7);
    if (d.hash[i] !== NONE) e.hash = this.strings.value(d.hash[i]);
    const verified = (meta >> VERIFIED_SHIFT) & VERIFIED_MASK;
    if (verified) e.verified = verified === 2;
    const length = d.summaryLength[i];
    if (length) {
      const r = new ByteReader(d.summaryBytes.subarray(d.summaryAt[i], d.summaryAt[i] + length));
      r.seed(summaryKnown(refs));
      e.summary = r.value() as Record<string, unknown>;
    }
    this.rowOfEntry.set(e, i);
    return e;
  }

  /** Row `i`'s place (see EventPlaceRow). */
  place(i: number): EventPlaceRow {
    const d = this.d;
    const p: EventPlaceRow = { row: i, file: this.names.value(d.file[i]), eventType: this.names.value(d.type[i]) };
    const line = numberAt(d.line, i);
    if (line !== undefined) p.line = line;
    const sequence = numberAt(d.sequence, i);
    if (sequence !== undefined) p.sequence = sequence;
    const time = this.timeOf(i);
    if (time !== undefined) p.time = time;
    return p;
  }

  /** Row `i`'s time as written (or rendered from its number), if it has one. */
  private timeOf(i: number): string | undefined {
    const d = this.d;
    const timeForm = ((d.meta[i] >> TIME_SHIFT) & TIME_MASK) as TimeForm;
    if (timeForm === TimeForm.Text) return d.times.get(i);
    return timeForm === TimeForm.None ? undefined : renderTime(timeForm, d.time[i]);
  }

  /** The row an entry was made from (undefined for one this store did not make). */
  rowOf(e: EventEntry): number | undefined {
    return this.rowOfEntry.get(e);
  }

  /** A file's events, made from its rows. */
  all(range: EventRange): EventEntry[] {
    const out = new Array<EventEntry>(range.evCount);
    for (let n = 0; n < range.evCount; n++) out[n] = this.entry(range.evStart + n);
    return out;
  }

  private entries(rows: readonly number[]): EventEntry[] {
    return rows.map((i) => this.entry(i));
  }

  /** Events naming `keyId`, each once, in the order their files were added. */
  withRef(keyId: number): EventEntry[] {
    return this.entries(this.byRef.get(keyId));
  }

  /** Rows of the events naming `keyId` (for callers that merge several keys' events). */
  rowsWithRef(keyId: number): readonly number[] {
    return this.byRef.get(keyId);
  }

  ofRun(runId: number): EventEntry[] {
    return this.entries(this.byRun.get(runId));
  }

  hasRun(runId: number): boolean {
    return this.byRun.get(runId).length > 0;
  }

  /** Run ids (as string ids) some event carries. */
  runIds(): IterableIterator<number> {
    return this.byRun.keys();
  }

  /** Ref key ids some event names. */
  refKeys(): IterableIterator<number> {
    return this.byRef.keys();
  }

  /** The event answering to a target key (`blake3:<payload>`, `sha256:<record hash>`). */
  byTargetKey(keyId: number): EventEntry | undefined {
    const rows = this.byTarget.get(keyId);
    return rows.length ? this.entry(rows[rows.length - 1]) : undefined;
  }

  /** Whether an event answers to the target key `keyId`, without making it (the cross-file check asks this of a log's every chain ref). */
  hasTarget(keyId: number): boolean {
    return this.byTarget.last(keyId) !== -1;
  }

  /** `artifact.deleted` events naming `keyId`. */
  deletionsOf(keyId: number): EventEntry[] {
    return this.entries(this.deleted.get(keyId));
  }
}
