// A saved bucket's own numbering of the strings its column sections name. In memory, columns
// hold ids of the index's string tables, which differ from one run to the next; on disk, each
// bucket numbers the strings its rows use from 0 and saves them once, beside the rows. A save
// turns table ids into bucket ids (LocalIds), a load turns them back through one small array
// per bucket (LocalTable), so rows move between disk and columns without an object each.
import { ByteReader, sha256HeadAt, type ByteWriter } from './byteCodec';
import type { StringTable } from './stringTable';
import { releaseBuffer } from '../releaseBuffer';
import { ROWS_PER_PAUSE } from './timeSlices';
import { grown } from './columnRoom';

/**
 * Bucket ids a LocalIds keeps room for from one bucket to the next: a bucket of the 1M bench
 * names ~20k strings; one holding a big log, millions (see write).
 */
const KEPT_USED = 1 << 16;

/** Absent string ids are -1 in every column, in memory and on disk. */
const NONE = -1;
const SHA256 = 'sha256:';

/** Save side: table id -> bucket id, numbered in order of first use. */
export class LocalIds {
  /** Table id -> bucket id + 1 (0: not used in this bucket yet); cleared entry by entry after each bucket. */
  private slot = new Int32Array(1024);
  /**
   * The table ids numbered so far, in bucket order: a typed array, grown by doubling. As a JS
   * array, the 1M bench's audit log bucket (~3M strings) grew it to ~24 MB of heap, its copies
   * ~50 MB more of garbage that waited for a full collection: +55 MB of RSS at the save's top.
   */
  private used = new Int32Array(1024);
  private count = 0;

  /** The bucket id of table id `id` (NONE stays NONE). */
  of(id: number): number {
    if (id < 0) return NONE;
    if (id >= this.slot.length) {
      const next = new Int32Array(Math.max(id + 1, this.slot.length * 2));
      next.set(this.slot);
      this.slot = next;
    }
    let local = this.slot[id];
    if (local === 0) {
      if (this.count === this.used.length) {
        const next = grown(this.used, this.used.length * 2);
        releaseBuffer(new Uint8Array(this.used.buffer));
        this.used = next;
      }
      this.used[this.count++] = id;
      local = this.slot[id] = this.count;
    }
    return local - 1;
  }

  /** Writes the strings numbered so far, in bucket order, and starts the next bucket's numbering; `pause` (the save's) is awaited every ROWS_PER_PAUSE strings. */
  async write(w: ByteWriter, table: StringTable, pause: () => Promise<void>): Promise<void> {
    const n = this.count;
    w.uint(n);
    // Most are digest keys, 33 bytes each (see ByteWriter.reserve).
    w.reserve(n * 33);
    let listed = 0;
    for (let i = 0; i < n; i++) {
      const id = this.used[i];
      if (++listed % ROWS_PER_PAUSE === 0) await pause();
      // A digest key (most of a bucket's strings) goes from the digest table as it is: no `sha256:<hex>` string made.
      const digest = table.digestIdOf(id);
      if (digest >= 0) w.lastDigestKey(table.digests!, digest);
      else w.lastString(table.value(id));
      this.slot[id] = 0;
    }
    this.count = 0;
    // Room grown for a big log's bucket is given back now, not held through the buckets after it.
    if (this.used.length > KEPT_USED) {
      releaseBuffer(new Uint8Array(this.used.buffer));
      this.used = new Int32Array(1024);
    }
  }
}

/**
 * A bucket's strings as read (see LocalIds.write): a digest key (most of them) as where its 32
 * bytes are in the bucket, interned from there (LocalTable.id) with no `sha256:<hex>` string made
 * and parsed back per key; any other string made when first asked for (see readLocalStrings).
 */
export class LocalStrings implements StringsById {
  constructor(
    private readonly bytes: Uint8Array,
    /** By bucket id: where the digest's bytes start, or -1 for another string. */
    private readonly digestAt: Int32Array,
    /** Any other string, by bucket id. */
    private readonly other: (local: number) => string,
    /** The digest head (see digestHead) of any other string, -1 when it is not held as a digest. */
    private readonly otherHead: (local: number) => number = () => -1,
  ) {}

  get length(): number {
    return this.digestAt.length;
  }

  /** The string bucket id `local` names (a digest key made on asking). */
  value(local: number): string {
    const at = this.digestAt[local];
    return at < 0 ? this.other(local) : SHA256 + Buffer.from(this.bytes.buffer, this.bytes.byteOffset + at, 32).toString('hex');
  }

  /** The digest head (byteCodec's digestHead) of the string bucket id `local` names, found without making it; -1 when it is not held as a digest. */
  digestHead(local: number): number {
    const at = this.digestAt[local];
    return at < 0 ? this.otherHead(local) : sha256HeadAt(this.bytes, at);
  }

  /** The id in `table` of the string bucket id `local` names, added there on first sight. */
  idIn(table: StringTable, local: number): number {
    const at = this.digestAt[local];
    return at < 0 ? table.id(this.other(local)) : table.idOfDigestBytes(this.bytes, at);
  }
}

/**
 * Reads a bucket's strings from `r`, which reads `bytes` (digest keys are kept as places in
 * them). The others are made when first asked for: a log's bucket lists a payload digest and a
 * chain hash per event, and a filtered load asks for hardly any (at 1M artifacts, 1.4M strings
 * and ~120 MB of them were made for the big bucket before a `refscope show` looked at one).
 */
export function readLocalStrings(r: ByteReader, bytes: Uint8Array): LocalStrings {
  const n = r.uint();
  r.need(n);
  const digestAt = new Int32Array(n);
  /** Where each other string is (ByteReader.stringOrPlace), or NONE for one made before the list (in `made`). */
  const places = new Float64Array(n);
  const made = new Map<number, string>();
  for (let i = 0; i < n; i++) {
    const s = r.stringOrPlace();
    if (typeof s === 'string') {
      digestAt[i] = places[i] = NONE;
      made.set(i, s);
    } else {
      digestAt[i] = ByteReader.sha256At(s);
      places[i] = s;
    }
  }
  // A reader of its own: `r`'s table of the bucket's strings is not kept alive with these.
  const at = new ByteReader(bytes);
  return new LocalStrings(
    bytes,
    digestAt,
    (local) => (places[local] >= 0 ? at.placedString(places[local]) : made.get(local)!),
    (local) => (places[local] >= 0 ? at.headAt(places[local]) : -1),
  );
}

/** Throws unless `local` is NONE or names one of `count` strings: damaged bytes never reach the columns. */
export function checkLocal(local: number, count: number): void {
  if (local !== NONE && !(local >= 0 && local < count)) throw new Error('a row names a string its bucket does not hold');
}

/** Strings by local id, as a LocalTable interns them: a bucket's (LocalStrings) or a reader's (stringsById). */
export interface StringsById {
  readonly length: number;
  /** The id in `table` of the string local id `local` names, added there on first sight. */
  idIn(table: StringTable, local: number): number;
}

/** A reader's own table of strings, or that table's values as they crossed from a worker (see PackedRows), by local id. */
export function stringsById(list: StringTable | readonly string[]): StringsById {
  if (Array.isArray(list)) {
    const values = list as readonly string[];
    return { length: values.length, idIn: (table, local) => table.id(values[local]) };
  }
  const own = list as StringTable;
  return { length: own.size, idIn: (table, local) => table.id(own.value(local)) };
}

/** What a LocalTable holds once internAll() gave every local id its table id: nothing left to look up. */
const INTERNED: StringsById = {
  length: 0,
  idIn: () => {
    throw new Error('a string looked up after its table let go of the strings');
  },
};

/** Load side: strings by local id, each given its table id when a row first names it. */
export class LocalTable {
  private readonly ids: Int32Array;

  constructor(
    private list: StringsById,
    private readonly table: StringTable,
  ) {
    this.ids = new Int32Array(list.length).fill(NONE);
  }

  /**
   * Gives every local string its table id now and lets go of the strings: for a list whose rows
   * name all of it, so that the strings can be collected before the rows land (a spilled log's).
   */
  internAll(): void {
    for (let local = 0; local < this.ids.length; local++) this.id(local);
    this.list = INTERNED;
  }

  /** Writes the table ids of the local ids `from[start..end)` into `to` from `at` (see id); returns the largest (NONE when none), for a narrow `to` to check (narrowColumns.ts). */
  mapIds(from: Int32Array | Int16Array, start: number, end: number, to: Int32Array | Int16Array, at: number): number {
    const ids = this.ids;
    let largest = NONE;
    for (let i = start; i < end; i++) {
      const local = from[i];
      let id = NONE;
      if (local >= 0) {
        id = ids[local];
        if (id === NONE) id = ids[local] = this.list.idIn(this.table, local);
        if (id > largest) largest = id;
      }
      to[at + i - start] = id;
    }
    return largest;
  }

  /** The table id of local id `local` (NONE stays NONE; ids were checked when the bucket was read). */
  id(local: number): number {
    if (local < 0) return NONE;
    const id = this.ids[local];
    return id !== NONE ? id : (this.ids[local] = this.list.idIn(this.table, local));
  }
}
