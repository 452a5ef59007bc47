// Every ref occurrence the index holds, as rows of four numbers in one growing Uint32Array
// (line, column, key id, form/flags/namespace id/width): 16 bytes a ref, where an Occurrence
// object with its strings cost ~140 bytes and a pointer the GC had to trace. A saved bucket
// keeps five (the end column instead of the width: see OccurrenceSection).
// A file owns a contiguous range of rows (a file is the unit of change): a changed file's
// rows are appended anew and its old ones left dead until the dead outnumber the live, then
// the live rows are copied together. Occurrence objects are made only when asked for (a
// document's refs, the places of one key), never kept.
import type { Occurrence, RefForm } from '../records';
import type { StringIds, StringTable } from './stringTable';
import type { ByteReader, ByteWriter, ReadPiece } from './byteCodec';
import { checkLocal, type LocalIds, type LocalTable } from './localIds';
import { ROWS_PER_PAUSE } from './timeSlices';
import { grownInSlices, roomFor, settledRoom, tooRoomy } from './columnRoom';
import type { WindowScratch } from './windowScratch';

/** A saved row's numbers (OccurrenceSection): line, column, end column, key id, META. */
const FIELDS = 5;
const LINE = 0;
const COL = 1;
const END_COL = 2;
const KEY = 3;
const META = 4;
/**
 * A held row's numbers: line, column, key id and META with the namespace narrowed and the width
 * (end column - column) above it. At 1M artifacts (6.57M refs) the end column's 4 bytes a row
 * were 26 MB, for a width that is a ref's length (71 for most).
 */
const HELD = 4;
const HELD_KEY = 2;
const HELD_META = 3;

const FORMS: RefForm[] = ['canonical', 'namespaced', 'abbreviated', 'bare', 'blake3', 'object'];
const ABBREVIATED = FORMS.indexOf('abbreviated');
const NAMESPACED = FORMS.indexOf('namespaced');
/** plainScope's answers besides a namespace id: a ref in no namespace, and a row to check as an object. */
export const UNSCOPED = -1;
export const NOT_PLAIN = -2;
// META: the form's index in the low 3 bits, then flags, the role (CONTRACT 1.8) in 2 bits,
// then the namespace id + 1 (0: none).
const FORM_MASK = 7;
const UPPER_CASE = 1 << 3;
/** The reason is in the range's extras. */
const INVALID = 1 << 4;
const TEXT_NS_KEY = 1 << 5;
const TEXT_VALUE = 1 << 6;
/** The text is in the range's extras. */
const TEXT_OWN = 1 << 7;
const ROLE_SHIFT = 8;
/** 0 a pointer (no role field), else the index here. */
const ROLES = [undefined, 'fingerprint', 'run'] as const;
const NAMESPACE_SHIFT = 10;
/** META without the namespace id. */
const NAMESPACE_LOW = (1 << NAMESPACE_SHIFT) - 1;
/** The namespace id does not fit in META: the namespace is in the range's extras. */
const NAMESPACE_OWN = (1 << 22) - 1;
const MAX_NAMESPACE_ID = NAMESPACE_OWN - 2;
// A held row's META: as a saved row's below the namespace, which takes 14 bits (namespaces are
// a handful of names-table ids), then the width in the top 8 bits.
const HELD_NAMESPACE_MASK = (1 << 14) - 1;
const HELD_NAMESPACE_OWN = HELD_NAMESPACE_MASK;
const HELD_MAX_NAMESPACE_ID = HELD_NAMESPACE_OWN - 2;
const WIDTH_SHIFT = 24;
/** The width does not fit in META (a long ref, or one ending on another line): the end column is in the range's extras. */
const WIDTH_OWN = 255;
const MIN_ROWS = 4096;
/** Files with more rows than this get a key-sorted order once they have been looked up by key often. */
const SCAN_ROWS = 512;
/**
 * Lookups by key a large file answers by a scan before its rows are sorted by key: a scan of a
 * 200k-row log takes ~0.4 ms, the sort 20-85 ms, which the first hover that met it paid (the
 * p99 of the first hovers after ready). Sorted after this many, the sort costs at most a few
 * scans' worth per lookup, and a file looked up once or twice is never sorted.
 */
const SCANS_BEFORE_SORT = 32;
/**
 * Row indices below this pack beside a key id into one float64 (2^32 keys x 2^21 rows < 2^53),
 * which sorts as typed numbers. A file with more rows (the audit log of a million-artifact
 * workspace has several million) is sorted in segments of this many rows, each in key order on
 * its own.
 */
const ROW_SPAN = 2 ** 21;

/** How an occurrence's text relates to its key: only text not derivable from it is kept. */
export type TextShape = 'key' | 'namespacedKey' | 'value' | 'own';

export function textShape(o: Occurrence): TextShape {
  const t = o.text;
  if (t === o.key) return 'key';
  const ns = o.namespace;
  if (ns && t.length === ns.length + 1 + o.key.length && t.charCodeAt(ns.length) === 47 && t.startsWith(ns) && t.endsWith(o.key)) return 'namespacedKey';
  const colon = o.key.indexOf(':');
  if (t.length === o.key.length - colon - 1 && o.key.endsWith(t)) return 'value';
  return 'own';
}

const TEXT_FLAGS: Record<TextShape, number> = { key: 0, namespacedKey: TEXT_NS_KEY, value: TEXT_VALUE, own: TEXT_OWN };

/** The strings a few occurrences have, by index in their range. */
export interface OccurrenceExtra {
  invalid?: string;
  text?: string;
  namespace?: string;
  /** A held row's end column when its width does not fit in META (never saved: a saved row has it). */
  endCol?: number;
}

/** A file's rows: kept on the file's own index entry, moved by compaction. */
export interface OccurrenceRange {
  occStart: number;
  occCount: number;
  /**
   * Rows kept free after the range's own for it to grow into (see extend): a grown log moved to
   * the end of the columns takes room for as many rows again. Counted as dead rows.
   */
  occSpare?: number;
  occExtras?: Map<number, OccurrenceExtra>;
  /**
   * A large file's row indices in key order (then row order), each segment of ROW_SPAN rows
   * sorted on its own, made on its first lookups by key: a hover over a ref in a 100k-line log
   * is a binary search per segment, not a scan per request. The keys are read from the rows: held
   * beside each index as one float64 (as they are sorted), the 3.3M rows of the 1M bench's log
   * took 26.5 MB, the indices alone 13.
   */
  occByKey?: Uint32Array;
  /** Lookups by key answered by a scan so far (see SCANS_BEFORE_SORT). */
  occScans?: number;
}

/**
 * A saved bucket's occurrence rows (see persist.ts): its files' rows back to back, as in
 * memory but with the bucket's own string ids (localIds.ts), and their extras by row.
 *
 *   uint rows | align 4 | rows x 5 u32 | uint extras | per extra: uint row, byte which, its strings
 */
export interface OccurrenceSection {
  rows: Uint32Array;
  extras: Map<number, OccurrenceExtra>;
}

const EXTRA_NAMESPACE = 1;
const EXTRA_INVALID = 2;
const EXTRA_TEXT = 4;

/** Throws on a section whose string ids its bucket does not hold. */
export function readOccurrenceSection(r: ByteReader): OccurrenceSection {
  const n = r.uint();
  r.align(4);
  // Placed, not read, by a reader that loads on demand (see readEventSection).
  const rows = r.place(Uint32Array, n * FIELDS);
  const extras = new Map<number, OccurrenceExtra>();
  const count = r.uint();
  r.need(count);
  for (let i = 0; i < count; i++) {
    const row = r.uint();
    const which = r.byte();
    const x: OccurrenceExtra = {};
    if (which & EXTRA_NAMESPACE) x.namespace = r.string();
    if (which & EXTRA_INVALID) x.invalid = r.string();
    if (which & EXTRA_TEXT) x.text = r.string();
    extras.set(row, x);
  }
  return { rows, extras };
}

/** Rows `from` to `to` of a section whose rows are placed (see readOccurrenceSection) as a section of their own, read by `read` into `scratch`'s arrays (as eventSectionWindow). */
export function occurrenceSectionWindow(section: OccurrenceSection, from: number, to: number, read: ReadPiece, scratch: WindowScratch): OccurrenceSection {
  const rows = scratch.of('rows', section.rows, (to - from) * FIELDS);
  read(section.rows.subarray(from * FIELDS, to * FIELDS), rows);
  const extras = new Map<number, OccurrenceExtra>();
  for (const [row, x] of section.extras) if (row >= from && row < to) extras.set(row - from, x);
  return { rows, extras };
}

/** Throws unless every string id of `section` is one of its bucket's. */
export function checkOccurrenceSection({ rows }: OccurrenceSection, strings: number, names: number): void {
  for (let b = 0; b < rows.length; b += FIELDS) {
    checkLocal(rows[b + KEY], strings);
    const ns = rows[b + META] >>> NAMESPACE_SHIFT;
    if (ns !== 0 && ns !== NAMESPACE_OWN) checkLocal(ns - 1, names);
  }
}

/** How many rows a section holds. */
export function sectionRows({ rows }: OccurrenceSection): number {
  return rows.length / FIELDS;
}

/** A section row's key (a bucket string id) and form, for a load that keeps only some rows. */
export function sectionRowKey({ rows }: OccurrenceSection, row: number): { key: number; form: RefForm } {
  return { key: rows[row * FIELDS + KEY], form: FORMS[rows[row * FIELDS + META] & FORM_MASK] };
}

/**
 * Writes `o` as row `row` of `d`, its key and namespace as ids of `keys` and `names`; returns
 * the strings kept beside the row when it has any (an invalid ref's reason, text not derived
 * from its key, a namespace id too large for META).
 */
export function writeOccurrenceRow(d: Uint32Array, row: number, o: Occurrence, keys: StringIds, names: StringIds): OccurrenceExtra | undefined {
  const b = row * FIELDS;
  const extra = describeRow(o, names, MAX_NAMESPACE_ID, NAMESPACE_OWN);
  d[b + LINE] = o.line;
  d[b + COL] = o.col;
  d[b + END_COL] = o.endCol;
  d[b + KEY] = keys.id(o.key);
  d[b + META] = described.low | (described.namespace << NAMESPACE_SHIFT);
  return extra;
}

/** What describeRow found of a row: META below the namespace, and the namespace's field (0: none, id + 1, or the own marker). */
const described = { low: 0, namespace: 0 };

/**
 * Sets `described` for `o` (namespace ids past `maxNamespace` as `own`) and returns the strings
 * kept beside its row when it has any (an invalid ref's reason, text not derived from its key,
 * a namespace id too large for META).
 */
function describeRow(o: Occurrence, names: StringIds, maxNamespace: number, own: number): OccurrenceExtra | undefined {
  const shape = textShape(o);
  let ns = 0;
  let extra: OccurrenceExtra | undefined;
  if (o.namespace !== undefined) {
    const id = names.id(o.namespace);
    if (id <= maxNamespace) ns = id + 1;
    else {
      (extra ??= {}).namespace = o.namespace;
      ns = own;
    }
  }
  if (o.invalid) (extra ??= {}).invalid = o.invalid;
  if (shape === 'own') (extra ??= {}).text = o.text;
  const form = FORMS.indexOf(o.form);
  const role = o.role === undefined ? 0 : ROLES.indexOf(o.role);
  described.low = (form < 0 ? 0 : form) | (o.upperCase ? UPPER_CASE : 0) | (o.invalid ? INVALID : 0) | TEXT_FLAGS[shape] | (Math.max(role, 0) << ROLE_SHIFT);
  described.namespace = ns;
  return extra;
}

/** A held row's META: `low`, the namespace field and the width of a ref from `col` to `endCol` (WIDTH_OWN when it does not fit). */
function heldMeta(low: number, namespace: number, col: number, endCol: number): number {
  const width = endCol - col;
  return (low | (namespace << NAMESPACE_SHIFT) | ((width >= 0 && width < WIDTH_OWN ? width : WIDTH_OWN) << WIDTH_SHIFT)) >>> 0;
}

/** The namespace field of a held row's META. */
function heldNamespace(meta: number): number {
  return (meta >>> NAMESPACE_SHIFT) & HELD_NAMESPACE_MASK;
}

/**
 * Occurrence rows a reader packs as it goes (see PackedRows), a section the columns append as
 * they append a saved bucket's: rows past `count` are room, not rows.
 */
export class OccurrenceRows implements OccurrenceSection {
  rows = new Uint32Array(MIN_ROWS * FIELDS);
  extras = new Map<number, OccurrenceExtra>();
  count = 0;

  /** Appends `occurrences`, their strings as ids of `keys` and `names`. */
  push(occurrences: readonly Occurrence[], keys: StringIds, names: StringIds): void {
    const n = occurrences.length;
    if ((this.count + n) * FIELDS > this.rows.length) {
      const next = new Uint32Array(Math.max(this.count + n, this.count * 2) * FIELDS);
      next.set(this.rows.subarray(0, this.count * FIELDS));
      this.rows = next;
    }
    for (let i = 0; i < n; i++) {
      const extra = writeOccurrenceRow(this.rows, this.count, occurrences[i], keys, names);
      if (extra) this.extras.set(this.count, extra);
      this.count++;
    }
  }

  /** The rows' numbers, without the room past them (what a spill writes: spilledRows.ts). */
  usedRows(): Uint32Array {
    return this.rows.subarray(0, this.count * FIELDS);
  }

  /** Forgets the rows (written out: PackedRows spills them a window at a time), keeping their room for the next; their extras go with them. */
  clear(): void {
    this.count = 0;
    this.extras = new Map();
  }

  /** Gives back the room past the rows (before they cross threads: see PackedRows.toWire). */
  fit(): void {
    this.rows = this.rows.slice(0, this.count * FIELDS);
  }
}

export class OccurrenceColumns {
  private data = new Uint32Array(MIN_ROWS * HELD);
  /** Rows in use at the end of `data`, live and dead. */
  private used = 0;
  private dead = 0;

  /** `keys` gives each ref key its id, `names` each namespace; `segmentRows` is ROW_SPAN but in tests. */
  constructor(
    private readonly keys: StringTable,
    private readonly names: StringTable,
    private readonly segmentRows = ROW_SPAN,
  ) {}

  /** Appends `occurrences` as the rows of `range`. */
  add(occurrences: readonly Occurrence[], range: OccurrenceRange): void {
    range.occStart = this.used;
    range.occCount = 0;
    if (range.occSpare) range.occSpare = 0;
    range.occExtras = undefined;
    range.occByKey = undefined;
    range.occScans = undefined;
    this.room(occurrences.length);
    this.used += occurrences.length;
    this.writeRows(occurrences, range);
  }

  /**
   * Keeps the first `keep` rows of `range` and appends `occurrences` after them (a grown log's
   * new refs; rows after `keep` were a line still being written when it was last read). The
   * rows stay where they are when the range (with its spare rows) ends the columns, as the log
   * an agent appends to usually does, or when its spare rows take the new ones; otherwise the
   * kept rows move to the end first, left dead where they were, with up to as many spare rows again.
   * Moved without room to spare, a log appended to in turns with other files (an agent's log
   * beside its new artifacts) was copied whole at each of its slices, and its dead copies
   * compacted the columns again and again.
   */
  extend(range: OccurrenceRange, keep: number, occurrences: readonly Occurrence[]): void {
    const n = occurrences.length;
    if (range.occExtras) for (const i of Array.from(range.occExtras.keys())) if (i >= keep) range.occExtras.delete(i);
    const room = range.occCount + (range.occSpare ?? 0);
    // The spare rows are counted again below, as what is left of them.
    this.dead -= room - range.occCount;
    let newRoom = room;
    if (range.occStart + room === this.used) {
      this.used = range.occStart + keep;
      this.room(n);
      this.used += n;
      newRoom = keep + n;
    } else if (keep + n > room) {
      // Spare rows only from the room the columns have (the update makes room ahead, a slice at
      // a time: MemoryIndex.makeRoom), never by growing them here in one copy.
      this.room(keep + n);
      newRoom = Math.min(2 * (keep + n), this.data.length / HELD - this.used);
      this.data.copyWithin(this.used * HELD, range.occStart * HELD, (range.occStart + keep) * HELD);
      this.dead += room;
      range.occStart = this.used;
      this.used += newRoom;
    }
    range.occCount = keep;
    // Sorted again once looked up often enough (see SCANS_BEFORE_SORT).
    range.occByKey = undefined;
    range.occScans = undefined;
    this.writeRows(occurrences, range);
    range.occSpare = newRoom - range.occCount;
    this.dead += range.occSpare;
  }

  /** Writes `occurrences` as the rows after those `range` holds, in room made for them. */
  private writeRows(occurrences: readonly Occurrence[], range: OccurrenceRange): void {
    const n = occurrences.length;
    const d = this.data;
    for (let i = 0; i < n; i++) {
      const o = occurrences[i];
      let extra = describeRow(o, this.names, HELD_MAX_NAMESPACE_ID, HELD_NAMESPACE_OWN);
      const meta = heldMeta(described.low, described.namespace, o.col, o.endCol);
      if (meta >>> WIDTH_SHIFT === WIDTH_OWN) (extra ??= {}).endCol = o.endCol;
      const b = (range.occStart + range.occCount + i) * HELD;
      d[b + LINE] = o.line;
      d[b + COL] = o.col;
      d[b + HELD_KEY] = this.keys.id(o.key);
      d[b + HELD_META] = meta;
      if (extra) (range.occExtras ??= new Map()).set(range.occCount + i, extra);
    }
    range.occCount += n;
  }

  /** Writes the rows of `ranges` (one saved bucket's files, in order) as an OccurrenceSection, string ids numbered by `strings` and `names`; `pause` is the save's. */
  async writeSection(w: ByteWriter, ranges: readonly OccurrenceRange[], strings: LocalIds, names: LocalIds, pause: () => Promise<void>): Promise<void> {
    let n = 0;
    for (const r of ranges) n += r.occCount;
    w.uint(n);
    w.align(4);
    // ROWS_PER_PAUSE rows at a time through one small array, the save's pause after each: a
    // 435k-row log's rows take their bucket ids for a tenth of a second, and a copy of them all
    // (9 MB) beside the columns was the save's peak.
    const chunk = new Uint32Array(Math.min(n, ROWS_PER_PAUSE) * FIELDS);
    const d = this.data;
    let filled = 0;
    for (const r of ranges) {
      for (let i = 0; i < r.occCount; ) {
        const take = Math.min(r.occCount - i, ROWS_PER_PAUSE - filled);
        for (let b = filled * FIELDS, last = (filled + take) * FIELDS; b < last; b += FIELDS, i++) {
          const from = (r.occStart + i) * HELD;
          const meta = d[from + HELD_META];
          const col = d[from + COL];
          const width = meta >>> WIDTH_SHIFT;
          const ns = heldNamespace(meta);
          chunk[b + LINE] = d[from + LINE];
          chunk[b + COL] = col;
          chunk[b + END_COL] = width === WIDTH_OWN ? r.occExtras!.get(i)!.endCol! : col + width;
          chunk[b + KEY] = strings.of(d[from + HELD_KEY]);
          chunk[b + META] = (meta & NAMESPACE_LOW) | ((ns === 0 ? 0 : ns === HELD_NAMESPACE_OWN ? NAMESPACE_OWN : names.of(ns - 1) + 1) << NAMESPACE_SHIFT);
        }
        filled += take;
        if (filled === ROWS_PER_PAUSE) {
          w.raw(chunk);
          filled = 0;
          await pause();
        }
      }
    }
    w.raw(chunk.subarray(0, filled * FIELDS));
    // An extra that holds only a held row's end column is not saved: the saved row has it.
    const saved = (x: OccurrenceExtra) => x.namespace !== undefined || x.invalid !== undefined || x.text !== undefined;
    let extras = 0;
    for (const r of ranges) for (const x of r.occExtras?.values() ?? []) if (saved(x)) extras++;
    w.uint(extras);
    let row = 0;
    for (const r of ranges) {
      for (const [i, x] of r.occExtras ?? []) {
        if (!saved(x)) continue;
        w.uint(row + i);
        w.byte((x.namespace !== undefined ? EXTRA_NAMESPACE : 0) | (x.invalid !== undefined ? EXTRA_INVALID : 0) | (x.text !== undefined ? EXTRA_TEXT : 0));
        if (x.namespace !== undefined) w.string(x.namespace);
        if (x.invalid !== undefined) w.string(x.invalid);
        if (x.text !== undefined) w.string(x.text);
      }
      row += r.occCount;
    }
  }

  /**
   * Appends rows `start` to `start + count` of a saved section (one file's) as the rows of
   * `range`, their string ids turned into the tables' through `strings` and `names`; `keep`,
   * when given, picks the rows to keep (a scoped load of a large log).
   */
  appendSection(section: OccurrenceSection, start: number, count: number, range: OccurrenceRange, strings: LocalTable, names: LocalTable, keep?: (row: number) => boolean): void {
    range.occStart = this.used;
    if (range.occSpare) range.occSpare = 0;
    range.occExtras = undefined;
    range.occByKey = undefined;
    this.room(count);
    const d = this.data;
    const s = section.rows;
    let n = 0;
    for (let row = start, end = start + count; row < end; row++) {
      if (keep && !keep(row)) continue;
      const from = row * FIELDS;
      const to = (this.used + n) * HELD;
      const meta = s[from + META];
      let ns = meta >>> NAMESPACE_SHIFT;
      let extra = meta & (INVALID | TEXT_OWN) || ns === NAMESPACE_OWN ? section.extras.get(row) : undefined;
      if (ns === NAMESPACE_OWN) ns = HELD_NAMESPACE_OWN;
      else if (ns !== 0) {
        const id = names.id(ns - 1);
        if (id <= HELD_MAX_NAMESPACE_ID) ns = id + 1;
        else {
          extra = { ...extra, namespace: this.names.value(id) };
          ns = HELD_NAMESPACE_OWN;
        }
      }
      const col = s[from + COL];
      const endCol = s[from + END_COL];
      const held = heldMeta(meta & NAMESPACE_LOW, ns, col, endCol);
      // A copy: the section's extra may be another row's too (a window of the same section).
      if (held >>> WIDTH_SHIFT === WIDTH_OWN) extra = { ...extra, endCol };
      d[to + LINE] = s[from + LINE];
      d[to + COL] = col;
      d[to + HELD_KEY] = strings.id(s[from + KEY]);
      d[to + HELD_META] = held;
      if (extra) (range.occExtras ??= new Map()).set(n, extra);
      n++;
    }
    this.used += n;
    range.occCount = n;
  }

  /** Marks a range's rows dead (the range is no longer held). */
  release(range: OccurrenceRange): void {
    this.dead += range.occCount + (range.occSpare ?? 0);
  }

  /** Whether enough rows are dead that copying the live ones together pays. */
  get wasteful(): boolean {
    return this.dead > MIN_ROWS && this.dead * 2 > this.used;
  }

  /** Copies the rows of `live` (every range still held) together, dropping the dead, into room for `capacity` rows. */
  compact(live: Iterable<OccurrenceRange>, capacity = Math.max(MIN_ROWS, (this.used - this.dead) * 2)): void {
    const next = new Uint32Array(capacity * HELD);
    let at = 0;
    for (const r of live) {
      next.set(this.data.subarray(r.occStart * HELD, (r.occStart + r.occCount) * HELD), at * HELD);
      r.occStart = at;
      if (r.occSpare) r.occSpare = 0;
      at += r.occCount;
    }
    this.data = next;
    this.used = at;
    this.dead = 0;
  }

  /**
   * After a build: drops dead rows when they are more than a fifth of the rows written, keeping
   * room for a tenth more. Room never written is kept (see columnRoom.ts).
   */
  settle(live: Iterable<OccurrenceRange>): void {
    const rows = this.used - this.dead;
    if (tooRoomy(this.used, rows, MIN_ROWS)) this.compact(live, settledRoom(rows, MIN_ROWS));
  }

  /** Room for `n` more rows, the columns copied a slice at a time when they must grow (see columnRoom.ts). */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    const capacity = roomFor(this.data.length / HELD, this.used, n);
    if (capacity !== undefined) this.data = await grownInSlices(this.data, this.used * HELD, capacity * HELD, pause);
  }

  /**
   * Room for `n` more rows and a tenth, made once: a load of the saved index knows how many refs
   * it holds (its summary's count), where growing by half again copied every row each time
   * (at 6.6M rows, seconds of copies and a compaction after) and left up to a third spare.
   */
  expect(n: number): void {
    const capacity = settledRoom(this.used + n, MIN_ROWS);
    if (capacity * HELD > this.data.length) this.grow(capacity);
  }

  /** Room for `n` more rows now (in one copy when the columns must grow: makeRoom made it ahead where it could). */
  private room(n: number): void {
    const capacity = roomFor(this.data.length / HELD, this.used, n);
    if (capacity !== undefined) this.grow(capacity);
  }

  /** The rows copied into room for `capacity`. */
  private grow(capacity: number): void {
    const next = new Uint32Array(capacity * HELD);
    next.set(this.data.subarray(0, this.used * HELD));
    this.data = next;
  }

  keyId(range: OccurrenceRange, i: number): number {
    return this.data[(range.occStart + i) * HELD + HELD_KEY];
  }

  /**
   * What the cross-file check needs of row `i` to settle it by ids alone (see MemoryIndex.plainlyResolves):
   * the names id of its namespace when its form is namespaced and it has one, UNSCOPED when not;
   * NOT_PLAIN for a row whose problems need the whole occurrence (invalid, upper-case hex,
   * abbreviated, a namespace kept as text).
   */
  plainScope(range: OccurrenceRange, i: number): number {
    const meta = this.data[(range.occStart + i) * HELD + HELD_META];
    if (meta & (INVALID | UPPER_CASE) || (meta & FORM_MASK) === ABBREVIATED) return NOT_PLAIN;
    const ns = heldNamespace(meta);
    if ((meta & FORM_MASK) !== NAMESPACED || ns === 0) return UNSCOPED;
    return ns === HELD_NAMESPACE_OWN ? NOT_PLAIN : ns - 1;
  }

  isAbbreviated(range: OccurrenceRange, i: number): boolean {
    return (this.data[(range.occStart + i) * HELD + HELD_META] & FORM_MASK) === ABBREVIATED;
  }

  /** The occurrence at index `i` of `range`, made as the scanner makes it (same fields, same order). */
  at(range: OccurrenceRange, i: number): Occurrence {
    const d = this.data;
    const b = (range.occStart + i) * HELD;
    const meta = d[b + HELD_META];
    const key = this.keys.value(d[b + HELD_KEY]);
    const width = meta >>> WIDTH_SHIFT;
    const extra = meta & (INVALID | TEXT_OWN) || heldNamespace(meta) === HELD_NAMESPACE_OWN || width === WIDTH_OWN ? range.occExtras?.get(i) : undefined;
    const namespace = this.namespaceOf(meta, extra);
    const text =
      meta & TEXT_OWN ? (extra?.text ?? key) : meta & TEXT_NS_KEY ? `${namespace}/${key}` : meta & TEXT_VALUE ? key.slice(key.indexOf(':') + 1) : key;
    const col = d[b + COL];
    const endCol = width === WIDTH_OWN ? extra!.endCol! : col + width;
    const o: Occurrence = { line: d[b + LINE], col, endCol, form: FORMS[meta & FORM_MASK], key, text };
    if (namespace !== undefined) o.namespace = namespace;
    if (meta & UPPER_CASE) o.upperCase = true;
    if (meta & INVALID) o.invalid = extra?.invalid;
    const role = ROLES[(meta >>> ROLE_SHIFT) & 3];
    if (role !== undefined) o.role = role;
    return o;
  }

  /** FNV-1a over the first `count` rows' numbers (positions, key and namespace ids, form and flags). */
  rowsHash(range: OccurrenceRange, count: number): number {
    const d = this.data;
    let h = 0x811c9dc5;
    for (let b = range.occStart * HELD, end = (range.occStart + count) * HELD; b < end; b++) h = Math.imul(h ^ d[b], 0x01000193);
    return h >>> 0;
  }

  /** Every occurrence of `range`, in order. */
  all(range: OccurrenceRange): Occurrence[] {
    const out = new Array<Occurrence>(range.occCount);
    for (let i = 0; i < range.occCount; i++) out[i] = this.at(range, i);
    return out;
  }

  /**
   * Puts a large file's rows in key order now instead of after its first lookups: a server does
   * it before ready, so the first hovers that meet a big log do not pay its scans and its sort.
   */
  orderByKey(range: OccurrenceRange): void {
    if (range.occCount > SCAN_ROWS) range.occByKey ??= this.sortedByKey(range);
  }

  /** The occurrences of `range` whose key has id `keyId`, in order; no object is made for the others. */
  withKey(range: OccurrenceRange, keyId: number): Occurrence[] {
    return this.rowsWithKey(range, keyId).map((i) => this.at(range, i));
  }

  /** The rows of `range` whose key has id `keyId`, in order, as row indices: no occurrence is made. */
  rowsWithKey(range: OccurrenceRange, keyId: number): number[] {
    const out: number[] = [];
    const d = this.data;
    if (range.occCount <= SCAN_ROWS || (range.occByKey === undefined && (range.occScans = (range.occScans ?? 0) + 1) <= SCANS_BEFORE_SORT)) {
      for (let i = 0, b = range.occStart * HELD + HELD_KEY; i < range.occCount; i++, b += HELD) if (d[b] === keyId) out.push(i);
      return out;
    }
    const sorted = (range.occByKey ??= this.sortedByKey(range));
    const span = this.segmentRows;
    const keys = range.occStart * HELD + HELD_KEY;
    for (let start = 0; start < sorted.length; start += span) {
      const end = Math.min(start + span, sorted.length);
      let lo = start;
      for (let hi = end; lo < hi; ) {
        const mid = (lo + hi) >>> 1;
        if (d[keys + sorted[mid] * HELD] < keyId) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < end && d[keys + sorted[j] * HELD] === keyId; j++) out.push(sorted[j]);
    }
    return out;
  }

  /** Row `i`'s line. */
  line(range: OccurrenceRange, i: number): number {
    return this.data[(range.occStart + i) * HELD + LINE];
  }

  /** Whether row `i` is an invalid ref. */
  isInvalid(range: OccurrenceRange, i: number): boolean {
    return (this.data[(range.occStart + i) * HELD + HELD_META] & INVALID) !== 0;
  }

  /** Whether row `i` is written with a namespace (`ns/sha256:…`). */
  isNamespaced(range: OccurrenceRange, i: number): boolean {
    return (this.data[(range.occStart + i) * HELD + HELD_META] & FORM_MASK) === NAMESPACED;
  }

  /** Row `i`'s namespace, as `at()` gives it. */
  namespaceAt(range: OccurrenceRange, i: number): string | undefined {
    const meta = this.data[(range.occStart + i) * HELD + HELD_META];
    return this.namespaceOf(meta, heldNamespace(meta) === HELD_NAMESPACE_OWN ? range.occExtras?.get(i) : undefined);
  }

  /** The namespace a row's META names: none, one of the names, or its own (kept in its extras). */
  private namespaceOf(meta: number, extra: { namespace?: string } | undefined): string | undefined {
    const nsId = heldNamespace(meta);
    return nsId === 0 ? undefined : nsId === HELD_NAMESPACE_OWN ? extra?.namespace : this.names.value(nsId - 1);
  }

  /** See occByKey: each segment sorted as key x span + row packed in a float64, then kept as its row indices. */
  private sortedByKey(range: OccurrenceRange): Uint32Array {
    const span = this.segmentRows;
    const rows = new Uint32Array(range.occCount);
    const packed = new Float64Array(Math.min(span, range.occCount));
    for (let start = 0; start < rows.length; start += span) {
      const end = Math.min(start + span, rows.length);
      const segment = packed.subarray(0, end - start);
      for (let i = start, b = (range.occStart + start) * HELD + HELD_KEY; i < end; i++, b += HELD) segment[i - start] = this.data[b] * span + (i - start);
      segment.sort();
      for (let i = start; i < end; i++) rows[i] = start + (segment[i - start] % span);
    }
    return rows;
  }
}
