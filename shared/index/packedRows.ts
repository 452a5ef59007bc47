// A file's occurrences and events as rows, packed by its reader as it goes instead of kept as
// objects until the store takes the record: the bench's 47 MB audit log held its 435k refs and
// 132k events as Occurrence and EventEntry objects (~200 MB of heap, traced by every GC and
// promoted to the old generation while the log was read) where the rows take ~20 MB. A reader
// has no store, so the rows name strings by ids of tables of their own; the store appends them
// as it appends a saved bucket's rows, through a LocalTable per table. Rows packed in a worker
// cross to the calling thread as typed arrays and two lists of strings (toWire, fromWire).
import type { FileRecord } from '../records';
import { ByteWriter } from './byteCodec';
import { DigestTable } from './digestTable';
import { EventRows, type EventRange, type EventSection } from './eventColumns';
import { LocalStrings, LocalTable, stringsById, type StringsById } from './localIds';
import { OccurrenceRows, type OccurrenceRange, type OccurrenceSection } from './occurrenceColumns';
import type { RowColumns } from './savedBucket';
import { RecentIds } from './recentIds';
import { appendSpilled, spillRows, SPILL_ROWS, type SpilledChunk, type SpilledRows } from './spilledRows';
import { StringTable } from './stringTable';

type Columns = Pick<RowColumns, 'occurrences' | 'events' | 'strings' | 'names'>;

/** A file's rows as its record holds them until the store appends them (FileRecord `rows`). */
export interface RowsToAppend {
  /** Rows of each kind, so the store can make room for a batch's before it appends them. */
  readonly occurrenceCount: number;
  readonly eventCount: number;
  /**
   * About how many keys its rows may add to the store's strings table, for the room made ahead
   * (MemoryIndex.makeRoom): a reader's rows name its table's strings, each of them once at most.
   */
  readonly keyCount: number;
  /** Appends the rows to the store's columns as the rows of `into`, their string ids made the store's. */
  appendTo(into: OccurrenceRange & EventRange, columns: Columns): void;
  /**
   * Makes every string the rows name the store's now and lets go of the strings as they came
   * (rows written out by a log worker, whose strings are most of what stays in memory of them),
   * so that they can be collected before the rows land: see MemoryIndex.internStrings.
   */
  internStrings?(columns: Columns): void;
}

/**
 * A table's strings as they cross threads: digest keys (most of a log's strings) as their 32
 * bytes back to back, where each starts (-1: the next of `others`), and the other strings. The
 * bench's audit log posted 212k strings, ~19 MB of `sha256:<hex>` strings in each heap, that the
 * calling thread parsed back into digests; as bytes they are 7.6 MB, transferred.
 */
export interface WireStrings {
  bytes: Uint8Array;
  digestAt: Int32Array;
  others: string[];
}

/** Packed rows as they cross threads: the sections' typed arrays (transferred) and their tables' strings by id. */
export interface PackedRowsWire {
  strings: WireStrings;
  names: string[];
  occurrences: OccurrenceSection & { count: number };
  events: EventSection & { rows: number };
}

function appendSections(strings: StringsById, names: readonly string[] | StringTable, wire: Pick<PackedRowsWire, 'occurrences' | 'events'>, into: OccurrenceRange & EventRange, columns: Columns): void {
  const stringIds = new LocalTable(strings, columns.strings);
  const nameIds = new LocalTable(stringsById(names), columns.names);
  columns.occurrences.appendSection(wire.occurrences, 0, wire.occurrences.count, into, stringIds, nameIds);
  columns.events.appendSection(wire.events, 0, wire.events.rows, into, stringIds, nameIds);
}

/** The store's ids of a wire form's strings and names, through a LocalTable each. */
function wireTables(wire: { strings: WireStrings; names: readonly string[] }, columns: Pick<Columns, 'strings' | 'names'>): { strings: LocalTable; names: LocalTable } {
  return { strings: new LocalTable(stringsFromWire(wire.strings), columns.strings), names: new LocalTable(stringsById(wire.names), columns.names) };
}

/** Every value of `table` by id. */
function valuesOf(table: StringTable): string[] {
  const out = new Array<string>(table.size);
  for (let i = 0; i < out.length; i++) out[i] = table.value(i);
  return out;
}

/** `table`'s strings by id in their wire form (see WireStrings). */
function wireStrings(table: StringTable): WireStrings {
  const digestAt = new Int32Array(table.size);
  let digests = 0;
  for (let id = 0; id < table.size; id++) if (table.digestIdOf(id) >= 0) digests++;
  const bytes = new Uint8Array(digests * 32);
  const others: string[] = [];
  for (let id = 0, at = 0; id < table.size; id++) {
    const digest = table.digestIdOf(id);
    if (digest < 0) {
      digestAt[id] = -1;
      others.push(table.value(id));
    } else {
      table.digests!.copyTo(digest, bytes, at);
      digestAt[id] = at;
      at += 32;
    }
  }
  return { bytes, digestAt, others };
}

/** Strings by id as they arrived (see WireStrings). */
function stringsFromWire(wire: WireStrings): StringsById {
  const strings = new Array<string | undefined>(wire.digestAt.length);
  for (let id = 0, k = 0; id < strings.length; id++) if (wire.digestAt[id] < 0) strings[id] = wire.others[k++];
  return new LocalStrings(wire.bytes, wire.digestAt, (id) => strings[id]!);
}

/** The buffers a wire form's typed arrays own whole (a view into a shared buffer is copied, never transferred). */
export function wireBuffers(wire: PackedRowsWire | SpilledRowsWire): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const section of 'spilled' in wire ? [wire.strings, ...wire.spilled.chunks] : [wire.occurrences, wire.events, wire.strings]) {
    for (const v of Object.values(section)) {
      if (ArrayBuffer.isView(v) && v.byteOffset === 0 && v.buffer instanceof ArrayBuffer && v.buffer.byteLength === v.byteLength) out.add(v.buffer);
    }
  }
  return [...out];
}

/** Packed rows a log worker wrote out (see PackedRows.toSpilled): where they are, and their tables' strings. */
export interface SpilledRowsWire {
  spilled: SpilledRows;
  strings: WireStrings;
  names: string[];
}

/** Rows packed in another thread, as they arrived (see PackedRows.toWire and toSpilled). */
export function fromWire(wire: PackedRowsWire | SpilledRowsWire): RowsToAppend {
  if ('spilled' in wire) {
    const { spilled } = wire;
    let tables: ReturnType<typeof wireTables> | undefined;
    const tablesIn = (columns: Columns) => (tables ??= wireTables(wire, columns));
    let occurrenceCount = 0;
    let eventCount = 0;
    for (const chunk of spilled.chunks) {
      occurrenceCount += chunk.occCount;
      eventCount += chunk.evCount;
    }
    return {
      occurrenceCount,
      eventCount,
      keyCount: wire.strings.digestAt.length,
      internStrings: (columns) => {
        // Its rows name every string its table holds: the wire's go once they are the store's.
        tablesIn(columns).strings.internAll();
        wire.strings = { bytes: new Uint8Array(0), digestAt: new Int32Array(0), others: [] };
      },
      appendTo: (into, columns) => {
        const { strings, names } = tablesIn(columns);
        appendSpilled(spilled, into, columns, strings, names);
      },
    };
  }
  return {
    occurrenceCount: wire.occurrences.count,
    eventCount: wire.events.rows,
    keyCount: wire.strings.digestAt.length,
    appendTo: (into, columns) => appendSections(stringsFromWire(wire.strings), wire.names, wire, into, columns),
  };
}

/** Where one record's rows lie among its batch's (see BatchRows): what the record holds of them as it crosses threads. */
export interface RowsWindow {
  occStart: number;
  occCount: number;
  evStart: number;
  evCount: number;
}

/**
 * The rows of a read worker's batch as they arrived: one wire form for every record whose
 * reader left its rows as objects, each record holding its window of them. Posted as objects,
 * a cold build's 1M refs were ~12% of the language server's thread in the structured clone
 * alone; and a table per batch maps each of its strings to the store's once, however many of
 * the batch's files name it (a run's artifacts name the same digests and run ids).
 */
export class BatchRows {
  /** The batch's local ids mapped to those of the store's tables (`of`), made on the first window appended. */
  private tables: { of: StringTable; strings: LocalTable; names: LocalTable } | undefined;

  constructor(private readonly wire: PackedRowsWire) {}

  /** The rows of `window`, to be appended as a record's own. */
  window(window: RowsWindow): RowsToAppend {
    // The batch's table is shared by its files: a file's rows name at most all of it, and most name about a key a row.
    const keyCount = Math.min(this.wire.strings.digestAt.length, window.occCount + window.evCount);
    return { occurrenceCount: window.occCount, eventCount: window.evCount, keyCount, appendTo: (into, columns) => this.append(window, into, columns) };
  }

  private append({ occStart, occCount, evStart, evCount }: RowsWindow, into: OccurrenceRange & EventRange, columns: Columns): void {
    // By the store's strings table: the columns object itself is made anew for each record.
    if (this.tables?.of !== columns.strings) {
      this.tables = { of: columns.strings, ...wireTables(this.wire, columns) };
    }
    const { strings, names } = this.tables;
    columns.occurrences.appendSection(this.wire.occurrences, occStart, occCount, into, strings, names);
    columns.events.appendSection(this.wire.events, evStart, evCount, into, strings, names);
  }
}

export class PackedRows implements RowsToAppend {
  /** Ref keys, run ids, digests, subjects (`sha256:` keys as 32-byte digests, as the store's). */
  private readonly strings = new StringTable(new DigestTable());
  /** Files, event types, actors, field paths, namespaces. */
  private readonly names = new StringTable();
  /** The ids of both tables as the rows are written: a log's lines ask for the same strings again and again (recentIds.ts). */
  private readonly recentStrings = new RecentIds(this.strings);
  private readonly recentNames = new RecentIds(this.names);
  private readonly occurrences = new OccurrenceRows();
  private readonly events = new EventRows();
  private readonly summary = new ByteWriter(1024);
  /** The rows written out so far (see spillFd), and how many of each kind they hold. */
  private readonly chunks: SpilledChunk[] = [];
  private spilledOccurrences = 0;
  private spilledEvents = 0;

  /**
   * `spillFd`: a file to write the rows to, a window at a time (SPILL_ROWS) as they fill, once
   * there are that many (spilledRows.ts; a log worker's: see toSpilled).
   */
  constructor(private readonly spillFd?: number) {}

  get occurrenceCount(): number {
    return this.spilledOccurrences + this.occurrences.count;
  }

  get eventCount(): number {
    return this.spilledEvents + this.events.rows;
  }

  get keyCount(): number {
    return this.strings.size;
  }

  /** As take(), after the rows taken before (a batch's: see BatchRows); returns where `rec`'s are. */
  takeWindow(rec: FileRecord): RowsWindow {
    const occStart = this.occurrences.count;
    const evStart = this.events.rows;
    this.take(rec);
    return { occStart, occCount: this.occurrences.count - occStart, evStart, evCount: this.events.rows - evStart };
  }

  /** Moves the occurrences and events `rec` holds into rows, leaving its lists empty. */
  take(rec: FileRecord): void {
    if (rec.occurrences.length) {
      this.occurrences.push(rec.occurrences, this.recentStrings, this.recentNames);
      rec.occurrences.length = 0;
    }
    const events = rec.events;
    if (events?.length) {
      this.events.reserveFor(events);
      for (const e of events) this.events.push(e, this.recentStrings, this.recentNames, this.summary);
      events.length = 0;
    }
    if (this.spillFd !== undefined && this.occurrences.count + this.events.rows >= SPILL_ROWS) this.spill(this.spillFd);
  }

  /** Writes the rows held to `fd` as the next chunk, and forgets them (their columns kept for the next). */
  private spill(fd: number): void {
    this.chunks.push(spillRows(fd, this.occurrences, this.events));
    this.spilledOccurrences += this.occurrences.count;
    this.spilledEvents += this.events.rows;
    this.occurrences.clear();
    this.events.clear();
  }

  /** Rows written out (a `spillFd` given) are appended through their wire form only (toSpilled). */
  appendTo(into: OccurrenceRange & EventRange, columns: Columns): void {
    if (this.chunks.length) throw new Error('rows written out are appended from their wire form');
    appendSections(stringsById(this.strings), this.names, { occurrences: this.occurrences, events: this.events }, into, columns);
  }

  /**
   * As toWire(), for rows written out as they filled (see spillFd), the rest written now;
   * undefined when none were (fewer than SPILL_ROWS, or no file): post them with toWire().
   */
  toSpilled(): SpilledRowsWire | undefined {
    if (this.spillFd === undefined || !this.chunks.length) return undefined;
    if (this.occurrences.count + this.events.rows) this.spill(this.spillFd);
    const spilled: SpilledRows = { fd: this.spillFd, chunks: this.chunks };
    return { spilled, strings: wireStrings(this.strings), names: valuesOf(this.names) };
  }

  /**
   * The rows to post to another thread (transfer wireBuffers()): this object is not to be used
   * after. Their room is given back first: a grown column is up to half room, and the calling
   * thread holds what a log worker posts until it gets to the log (13 of the 38 MB the bench's
   * audit log posted were room).
   */
  toWire(): PackedRowsWire {
    this.occurrences.fit();
    this.events.trim();
    return { strings: wireStrings(this.strings), names: valuesOf(this.names), occurrences: this.occurrences, events: this.events };
  }
}
