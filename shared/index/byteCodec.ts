// A compact binary form for JSON-like values, written straight into a growing Buffer (no
// intermediate JSON text: stringifying and then copying 100k records cost seconds and
// hundreds of MB). Integers are LEB128 varints; every string is stored once per writer (later
// uses name it by number), and a lower-case hex digest (`sha256:<hex>`, `blake3:<hex>`, bare
// 64 hex) as its 32 bytes. A reader decodes what one writer wrote, in the same order.
//
//   string slot: varint x: 0 end of an object | 1 new UTF-8 string (varint length, bytes)
//                | 2 new `sha256:` digest | 3 new `blake3:` digest | 4 new bare digest (32 bytes)
//                | x >= 5: the string numbered x - 5 (numbered in order of first use)
//   value: tag byte: 0 null | 1 false | 2 true | 3 varint | 4 negative varint | 5 float64 LE
//                | 6 string slot | 7 array (varint count, values) | 8 object ((key slot, value)*, 0)

import type { DigestTable } from './digestTable';

const END = 0;
const UTF8 = 1;
const FIRST_REF = 5;
const DIGEST_PREFIXES = ['', '', 'sha256:', 'blake3:', ''];
const SHA256_KIND = 2;
const BARE_DIGEST_KIND = 4;

const enum Tag {
  Null,
  False,
  True,
  Uint,
  NegInt,
  Float,
  String,
  Array,
  Object,
}

/** What a value is, as nextKind() tells it before the value is read. */
export type ValueKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const KIND_OF_TAG: readonly ValueKind[] = ['null', 'boolean', 'boolean', 'number', 'number', 'number', 'string', 'array', 'object'];

/** The digest kind a string may be stored as (by its shape; its hex is checked on writing), else UTF8. */
function digestKind(s: string): number {
  if (s.length === 71 && s.charCodeAt(6) === 58) {
    if (s.startsWith('sha256:')) return SHA256_KIND;
    if (s.startsWith('blake3:')) return 3;
  } else if (s.length === 64) return BARE_DIGEST_KIND;
  return UTF8;
}

const LOWER_HEX_64 = /^[0-9a-f]{64}$/;

/**
 * A number two strings stored as the same kind of digest (sha256:, blake3:, bare hex) share when
 * their first three bytes are the same: a filtered load rules out most digests of a bucket by it
 * without making their text (ByteReader.headAt). A small integer, so a Set of them holds no
 * boxed numbers. -1 for a string not stored as a digest.
 */
export function digestHead(s: string): number {
  const kind = digestKind(s);
  const hex = kind === UTF8 ? '' : s.slice(s.length - 64);
  return LOWER_HEX_64.test(hex) ? (kind << 24) | parseInt(hex.slice(0, 6), 16) : -1;
}

/** The digest head of the `sha256:` digest key whose 32 bytes start at `at`. */
export function sha256HeadAt(bytes: Uint8Array, at: number): number {
  return headOf(SHA256_KIND, bytes, at);
}

function headOf(kind: number, bytes: Uint8Array, at: number): number {
  return (kind << 24) | (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
}

/** Sets field `k` of a read object to `v`, as JSON.parse does: `__proto__` is an own property, never the prototype. */
export function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** A table tableString() writes strings of by id: a StringTable, whose digest keys it writes from their digest ids. */
export interface StringsOfTable {
  value(id: number): string;
  /** The digest id of `id` when it names a `sha256:<hex>` key kept as a digest in `digests`, else -1. */
  digestIdOf?(id: number): number;
  readonly digests?: DigestTable;
}

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;
  /** Where the buffer's bytes go whenever it is full, and on flush(): set by reset(spill). */
  private spill: ((bytes: Uint8Array) => void) | undefined;
  /** Bytes handed to `spill` since the last reset: alignment counts from the output's start. */
  private spilled = 0;
  private readonly strings = new Map<string, number>();
  /** Strings numbered so far, as the reader numbers them: those in `strings`, and those written without being remembered there (lastString, digest keys by id). */
  private numbered = 0;
  /** The `sha256:` keys among `strings`, in order (see lastDigestKey), and those of them found in a digest table so far. */
  private readonly sha256Keys: string[] = [];
  private sha256Found = 0;
  /** Digest id -> its `sha256:` key's number, for the keys written by string() (once synced: see syncDigests) or as a table's digest id (tableString). */
  private readonly sha256Numbers = new Map<number, number>();
  /**
   * The digest table of the keys tableString numbered by digest id alone (no string made, none in
   * `strings`), once it numbered one: string() then looks a new `sha256:` key up there, so that a
   * key written both ways is one number, as when tableString made every key's string.
   */
  private digestsByIdOnly: DigestTable | undefined;
  /** Per table tableString() was given: the number of each id's string written so far. */
  private readonly tableNumbers = new Map<object, Map<number, number>>();

  constructor(initialSize = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /**
   * Starts a new, independent output (the buffer is reused). With `spill`, the output is never
   * whole in memory: each time the buffer is full its bytes are handed to `spill` and it starts
   * again empty (a saved bucket of a big log is ~60 MB, written to its file a buffer at a time);
   * flush() hands over the rest.
   */
  reset(spill?: (bytes: Uint8Array) => void): void {
    this.pos = 0;
    this.spill = spill;
    this.spilled = 0;
    // A Map's clear() allocates a new table even when it is empty: an event log resets once an event.
    if (this.strings.size) this.strings.clear();
    this.numbered = 0;
    this.sha256Keys.length = 0;
    this.sha256Found = 0;
    if (this.sha256Numbers.size) this.sha256Numbers.clear();
    this.digestsByIdOnly = undefined;
    for (const numbers of this.tableNumbers.values()) if (numbers.size) numbers.clear();
  }

  /**
   * Numbers `known` as strings already written, without writing them: a reader seeded with the
   * same strings (ByteReader.seed) reads what follows. Right after reset(), before any write.
   */
  seed(known: readonly string[]): void {
    for (const s of known) {
      // A string seeded twice takes a number each time, as the reader numbers every seed.
      if (!this.strings.has(s)) this.strings.set(s, this.numbered);
      this.numbered++;
    }
  }

  /** How many bytes the buffer holds (a writer that once wrote a large output keeps its room). */
  get capacity(): number {
    return this.buf.length;
  }

  /** What was written since the last reset and not spilled (a view: copy it or use it before the next write). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** How many bytes were written since the last reset, spilled or not. */
  get length(): number {
    return this.spilled + this.pos;
  }

  /** Hands the bytes not yet spilled to the spill reset() was given (none: nothing to do). */
  flush(): void {
    if (!this.spill || this.pos === 0) return;
    this.spill(this.buf.subarray(0, this.pos));
    this.spilled += this.pos;
    this.pos = 0;
  }

  /** Room for `n` more bytes: a spilling writer first spills, and grows only for a value larger than its buffer. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /**
   * Room for `n` more bytes now, when the caller knows about how many it will write: a buffer
   * grown while writing a 30 MB bucket copies what it holds (a 16 MB copy into fresh memory held
   * the save's thread for 0.1-0.4 s), where room made first is filled in the save's slices. A
   * spilling writer never holds the whole output, so it makes none.
   */
  reserve(n: number): void {
    if (!this.spill) this.room(n);
  }

  byte(n: number): void {
    this.room(1);
    this.buf[this.pos++] = n;
  }

  /** Zero bytes up to a multiple of `n`: a typed array written next can be read in place (see ByteReader.view). */
  align(n: number): void {
    this.room(n);
    while ((this.spilled + this.pos) % n) this.buf[this.pos++] = 0;
  }

  /** A typed array's bytes as they are in memory (little-endian on every platform Node runs on). */
  raw(a: ArrayBufferView): void {
    let bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    // A spilling writer passes a column through its buffer a buffer's worth at a time, never growing to the column's size.
    while (this.spill && bytes.length > this.buf.length - this.pos) {
      const fits = this.buf.length - this.pos;
      this.buf.set(bytes.subarray(0, fits), this.pos);
      this.pos += fits;
      this.flush();
      bytes = bytes.subarray(fits);
    }
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A non-negative integer (up to 2^53). */
  uint(n: number): void {
    this.room(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  string(s: string): void {
    const id = this.strings.get(s);
    if (id !== undefined) return this.uint(id + FIRST_REF);
    const sha256 = digestKind(s) === SHA256_KIND;
    if (sha256 && this.digestsByIdOnly) {
      const digest = this.digestsByIdOnly.find(s, 7);
      const named = digest === undefined ? undefined : this.sha256Numbers.get(digest);
      if (named !== undefined) {
        this.strings.set(s, named);
        return this.uint(named + FIRST_REF);
      }
    }
    this.strings.set(s, this.numbered++);
    if (sha256) this.sha256Keys.push(s);
    this.newString(s);
  }

  /**
   * A string nothing written after it names again (a saved bucket's list of strings, written
   * last): named by number if written before, else written without being remembered, which
   * spares a Map entry per string (a large log's bucket lists 400k of them).
   */
  lastString(s: string): void {
    const id = this.strings.get(s);
    if (id !== undefined) return this.uint(id + FIRST_REF);
    this.numbered++;
    this.newString(s);
  }

  /**
   * The `sha256:<hex>` key of digest `id` of `digests`, written as lastString would write it
   * (named by number if written before, else its 32 bytes), without making the string: a saved
   * bucket lists 200k digest keys. The keys written before are found in the table once each.
   */
  lastDigestKey(digests: DigestTable, id: number): void {
    const named = this.syncedDigestNumber(digests, id);
    if (named !== undefined) return this.uint(named + FIRST_REF);
    this.numbered++;
    this.digestKeyBytes(digests, id);
  }

  /** The number of digest `id`'s `sha256:` key if it was written, the keys string() wrote found in `digests` first (once each). */
  private syncedDigestNumber(digests: DigestTable, id: number): number | undefined {
    // sha256Numbers is by digest id: one output's keys by id are all of one table (the store's).
    if (this.digestsByIdOnly && digests !== this.digestsByIdOnly) throw new Error('digest keys of two digest tables in one output');
    for (; this.sha256Found < this.sha256Keys.length; this.sha256Found++) {
      const key = this.sha256Keys[this.sha256Found];
      const digest = digests.find(key, 7);
      if (digest !== undefined && !this.sha256Numbers.has(digest)) this.sha256Numbers.set(digest, this.strings.get(key)!);
    }
    return this.sha256Numbers.get(id);
  }

  /** A new `sha256:` key string slot, from digest `id`'s 32 bytes: what newString writes for its `sha256:<hex>`. */
  private digestKeyBytes(digests: DigestTable, id: number): void {
    this.room(33);
    this.buf[this.pos] = SHA256_KIND;
    digests.copyTo(id, this.buf, this.pos + 1);
    this.pos += 33;
  }

  /**
   * String `id` of `table`, as string(table.value(id)) writes it, the same bytes: the string is
   * made (and looked up) only the first time the id is written. A save writes each artifact's
   * kind, namespace, run id...: 5-8 strings that the tables decode anew on every value() call,
   * each hashed again for its number.
   */
  tableString(table: StringsOfTable, id: number): void {
    const digest = table.digestIdOf?.(id) ?? -1;
    if (digest >= 0) return this.digestKey(table.digests!, digest);
    let numbers = this.tableNumbers.get(table);
    if (!numbers) this.tableNumbers.set(table, (numbers = new Map()));
    const named = numbers.get(id);
    if (named !== undefined) return this.uint(named + FIRST_REF);
    const s = table.value(id);
    this.string(s);
    numbers.set(id, this.strings.get(s)!);
  }

  /**
   * The `sha256:<hex>` key of digest `id` of `digests`, as string() writes it (named by number
   * if written before, else its 32 bytes, numbered), without making the string: a save writes a
   * run capsule's group refs, and made each one's key, hashed it for its number and parsed its
   * hex back (and again, once, to name it among the bucket's strings: lastDigestKey).
   */
  private digestKey(digests: DigestTable, id: number): void {
    const named = this.syncedDigestNumber(digests, id);
    if (named !== undefined) return this.uint(named + FIRST_REF);
    this.digestsByIdOnly = digests;
    this.sha256Numbers.set(id, this.numbered++);
    this.digestKeyBytes(digests, id);
  }

  /** A field whose value is string `id` of `table` (see tableString). */
  tableField(name: string, table: StringsOfTable, id: number): void {
    this.string(name);
    this.byte(Tag.String);
    this.tableString(table, id);
  }

  /**
   * A field whose value is the bare hex of digest `id` of `digests`, written as its 32 bytes
   * (what field(name, digests.hex(id)) stores) without making the hex, and not remembered for
   * naming, as lastString does: an artifact's digest is rarely written twice in a bucket, and a
   * cold save made, hashed and parsed back 109k of them.
   */
  digestField(name: string, digests: DigestTable, id: number): void {
    this.string(name);
    this.room(34);
    this.buf[this.pos++] = Tag.String;
    this.numbered++;
    this.buf[this.pos] = BARE_DIGEST_KIND;
    digests.copyTo(id, this.buf, this.pos + 1);
    this.pos += 33;
  }

  private newString(s: string): void {
    const kind = digestKind(s);
    if (kind !== UTF8) {
      this.room(33);
      // Native hex parsing stops at the first non-hex character; a string toLowerCase leaves
      // unchanged is returned as it is, so the case check allocates nothing.
      if (this.buf.write(kind === BARE_DIGEST_KIND ? s : s.slice(7), this.pos + 1, 32, 'hex') === 32 && s.toLowerCase() === s) {
        this.buf[this.pos] = kind;
        this.pos += 33;
        return;
      }
    }
    this.room(6 + s.length * 3);
    this.buf[this.pos++] = UTF8;
    if (s.length < 43) {
      // At most 126 UTF-8 bytes: a one-byte length, filled in after writing.
      const n = this.buf.write(s, this.pos + 1, 'utf8');
      this.buf[this.pos] = n;
      this.pos += 1 + n;
    } else {
      const n = Buffer.byteLength(s, 'utf8');
      this.uint(n);
      this.pos += this.buf.write(s, this.pos, 'utf8');
    }
  }

  /** Starts an object written field by field (field(), then endObject()): the bytes value() writes for one with those fields. */
  beginObject(): void {
    this.byte(Tag.Object);
  }

  /** A field of the object begun, skipped when JSON.stringify would drop it (undefined). */
  field(name: string, v: unknown): void {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return;
    this.string(name);
    this.value(v);
  }

  endObject(): void {
    this.uint(END);
  }

  /** Starts an array of `n` values, each written next (value() or an object field by field). */
  beginArray(n: number): void {
    this.byte(Tag.Array);
    this.uint(n);
  }

  /** Any JSON value, as JSON.stringify would keep it (undefined properties dropped, in arrays null). */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.byte(Tag.String);
        return this.string(v);
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          this.byte(v >= 0 ? Tag.Uint : Tag.NegInt);
          return this.uint(Math.abs(v));
        }
        this.room(9);
        this.buf[this.pos++] = Tag.Float;
        this.pos = this.buf.writeDoubleLE(v, this.pos);
        return;
      case 'boolean':
        return this.byte(v ? Tag.True : Tag.False);
      case 'object':
        if (v === null) return this.byte(Tag.Null);
        if (Array.isArray(v)) {
          this.beginArray(v.length);
          for (const x of v) this.value(x);
          return;
        }
        this.beginObject();
        for (const k of Object.keys(v)) this.field(k, (v as Record<string, unknown>)[k]);
        return this.endObject();
      default:
        return this.byte(Tag.Null);
    }
  }
}

/** Reads the bytes a placed view (ByteReader.place) stands for into `into`. */
export type ReadPiece = (placed: ArrayBufferView, into: ArrayBufferView) => void;

/** A typed array's constructor. */
export interface TypedArrayOf<T extends ArrayBufferView> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => [b >> 4, b & 15].map((d) => d.toString(16).charCodeAt(0)));

/** A string not kept made (see ByteReader.strings) is kept as where its bytes start and its kind, `start * 8 + kind`, until named again. */
const SKIPPED_KINDS = 8;

export class ByteReader {
  private pos = 0;
  /**
   * Strings in order of first use, each kept as where it is (a number, see stringOrPlace) until
   * named again, then as made: most strings of a saved bucket (paths, digests, run ids) are named
   * once, and kept made, a bucket's thousands outlived the young collections of a full load
   * only to be copied and promoted with the reader (at 1M artifacts, ~4 s of scavenges).
   */
  private readonly strings: (string | number)[] = [];
  /** Digests are spelled out here and sliced off as one flat string each. */
  private readonly scratch = Buffer.alloc(71);

  private readonly buf: Buffer;

  /**
   * `load`, when given, brings bytes `[from, to)` of `bytes` in before they are read (a big bucket
   * read in pieces, PlacedBucket): every read but place()'s asks for its bytes first.
   */
  constructor(
    bytes: Uint8Array,
    private readonly load?: (from: number, to: number) => void,
  ) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** Numbers `known` as strings already read: what a writer seeded with them (ByteWriter.seed) wrote. Before any read. */
  seed(known: readonly string[]): void {
    for (const s of known) this.strings.push(s);
  }

  /** Throws unless `n` more bytes are there (a count read from damaged bytes cannot run away). */
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('unexpected end of data');
    this.load?.(this.pos, this.pos + n);
  }

  /** Skips to a multiple of `n` (see ByteWriter.align). */
  align(n: number): void {
    const at = Math.ceil(this.pos / n) * n;
    this.need(at - this.pos);
    this.pos = at;
  }

  /**
   * `count` elements written by ByteWriter.raw after an align to their size: a view of the
   * bytes in place when they sit aligned in memory (a records file's bucket does), else a copy.
   */
  view<T extends ArrayBufferView>(of: TypedArrayOf<T>, count: number): T {
    const bytes = count * of.BYTES_PER_ELEMENT;
    this.need(bytes);
    return this.viewOf(of, count, bytes);
  }

  /**
   * As view(), without bringing its bytes in when they are loaded on demand: the view only says
   * where they are (its byteOffset in the bytes read), to be read a piece at a time (PlacedRows).
   */
  place<T extends ArrayBufferView>(of: TypedArrayOf<T>, count: number): T {
    if (!this.load) return this.view(of, count);
    const bytes = count * of.BYTES_PER_ELEMENT;
    if (this.pos + bytes > this.buf.length) throw new Error('unexpected end of data');
    // A copy (viewOf's fallback) would copy bytes never brought in.
    if ((this.buf.byteOffset + this.pos) % of.BYTES_PER_ELEMENT !== 0) throw new Error('a column is not aligned');
    return this.viewOf(of, count, bytes);
  }

  private viewOf<T extends ArrayBufferView>(of: TypedArrayOf<T>, count: number, bytes: number): T {
    const at = this.buf.byteOffset + this.pos;
    this.pos += bytes;
    if (at % of.BYTES_PER_ELEMENT === 0) return new of(this.buf.buffer, at, count);
    const out = new of(count);
    new Uint8Array(out.buffer).set(this.buf.subarray(this.pos - bytes, this.pos));
    return out;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  uint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error('varint too long');
    }
  }

  string(): string {
    const x = this.uint();
    if (x === END) throw new Error('unexpected end of object');
    return this.stringOf(x);
  }

  private stringOf(x: number): string {
    if (x >= FIRST_REF) {
      const i = x - FIRST_REF;
      const s = this.strings[i];
      if (s === undefined) throw new Error('unknown string number');
      return typeof s === 'string' ? s : this.skippedString(i, s);
    }
    const start = this.pos;
    const s = this.newString(x);
    this.strings.push(start * SKIPPED_KINDS + x);
    return s;
  }

  /** Reads the new string of kind `x` at the current position. */
  private newString(x: number): string {
    if (x === UTF8) {
      const n = this.uint();
      this.need(n);
      const s = this.buf.toString('utf8', this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    if (x >= FIRST_REF || DIGEST_PREFIXES[x] === undefined) throw new Error('unknown string kind');
    this.need(32);
    let at = this.scratch.write(DIGEST_PREFIXES[x], 0, 'latin1');
    for (let i = 0; i < 32; i++) {
      const pair = HEX_PAIRS[this.buf[this.pos++]];
      this.scratch[at++] = pair[0];
      this.scratch[at++] = pair[1];
    }
    return this.scratch.toString('latin1', 0, at);
  }

  /** Makes a string that was skipped over, now that it is named again. */
  private skippedString(i: number, place: number): string {
    const s = this.placedString(place);
    this.strings[i] = s;
    return s;
  }

  /** Passes over a string slot, numbering a new string without making it. */
  private skipSlot(x: number): void {
    if (x >= FIRST_REF) {
      if (this.strings[x - FIRST_REF] === undefined) throw new Error('unknown string number');
      return;
    }
    const start = this.pos;
    if (x === UTF8) {
      const n = this.uint();
      this.need(n);
      this.pos += n;
    } else {
      if (DIGEST_PREFIXES[x] === undefined) throw new Error('unknown string kind');
      this.need(32);
      this.pos += 32;
    }
    this.strings.push(start * SKIPPED_KINDS + x);
  }

  /**
   * A string as string() reads it, except that a new one is not made: where it is, a number (a
   * place, `start * SKIPPED_KINDS + kind`), as skipValue keeps one. A saved bucket lists a string
   * per digest and chain hash of its rows (1.4M in the big bucket at 1M artifacts); a load makes
   * each when it first needs it (placedString), and a filtered load hardly any.
   */
  stringOrPlace(): string | number {
    const x = this.uint();
    if (x === END) throw new Error('unexpected end of object');
    if (x >= FIRST_REF) {
      const s = this.strings[x - FIRST_REF];
      if (s === undefined) throw new Error('unknown string number');
      return s;
    }
    const start = this.pos;
    this.skipSlot(x);
    return start * SKIPPED_KINDS + x;
  }

  /** The string at `place` (see stringOrPlace), made now. */
  placedString(place: number): string {
    const here = this.pos;
    this.pos = Math.floor(place / SKIPPED_KINDS);
    const s = this.newString(place % SKIPPED_KINDS);
    this.pos = here;
    return s;
  }

  /** Where the 32 bytes of the `sha256:` digest key at `place` start (see stringOrPlace); -1 for any other string. */
  static sha256At(place: number): number {
    return place % SKIPPED_KINDS === SHA256_KIND ? Math.floor(place / SKIPPED_KINDS) : -1;
  }

  /**
   * Where the 32 bytes of the next value start when it is a new bare digest (as digestField
   * writes an artifact's), read past and numbered as string() numbers it but not made; -1, with
   * nothing read, for any other value. A full load interns an artifact's digest from its bytes
   * (SavedDigests) where it made the hex and parsed it back (~3 s of a 1M load).
   */
  bareDigestAt(): number {
    return this.digestAt(BARE_DIGEST_KIND);
  }

  /** As bareDigestAt, for a `sha256:` digest key (a run's group ref), new or named again but not made yet. */
  sha256KeyAt(): number {
    return this.digestAt(SHA256_KIND);
  }

  /** Where the 32 bytes of the next value start when it is a string stored as a digest of `kind` and not made (see bareDigestAt); -1, nothing read, otherwise. */
  private digestAt(kind: number): number {
    this.need(1);
    if (this.buf[this.pos] !== Tag.String) return -1;
    const from = this.pos++;
    const x = this.uint();
    if (x === kind) {
      const at = this.pos;
      this.skipSlot(kind);
      return at;
    }
    const named = x >= FIRST_REF ? this.strings[x - FIRST_REF] : undefined;
    if (typeof named === 'number' && named % SKIPPED_KINDS === kind) return Math.floor(named / SKIPPED_KINDS);
    this.pos = from;
    return -1;
  }

  /** The digest head (see digestHead) of the string at `place`; -1 when it is not held as a digest. */
  headAt(place: number): number {
    const kind = place % SKIPPED_KINDS;
    return kind === UTF8 ? -1 : headOf(kind, this.buf, Math.floor(place / SKIPPED_KINDS));
  }

  /** Passes over a string (see skipValue). */
  skipString(): void {
    const x = this.uint();
    if (x === END) throw new Error('unexpected end of object');
    this.skipSlot(x);
  }

  /**
   * Passes over a value without making it: a filtered load reads through a log of a million
   * events, and the ones it does not keep should cost no objects. New strings are numbered
   * as usual (later values may name them) but made only if named again.
   */
  skipValue(): void {
    const tag = this.byte();
    switch (tag) {
      case Tag.Null:
      case Tag.False:
      case Tag.True:
        return;
      case Tag.Uint:
      case Tag.NegInt:
        this.uint();
        return;
      case Tag.Float:
        this.need(8);
        this.pos += 8;
        return;
      case Tag.String:
        return this.skipString();
      case Tag.Array: {
        const n = this.uint();
        this.need(n);
        for (let i = 0; i < n; i++) this.skipValue();
        return;
      }
      case Tag.Object:
        for (let x = this.uint(); x !== END; x = this.uint()) {
          this.skipSlot(x);
          this.skipValue();
        }
        return;
      default:
        throw new Error(`unknown value tag ${tag}`);
    }
  }

  /** What the next value is, without reading it (a check that passes over values: see checkFileRest). */
  nextKind(): ValueKind {
    this.need(1);
    const tag = this.buf[this.pos];
    if (tag > Tag.Object) throw new Error(`unknown value tag ${tag}`);
    return KIND_OF_TAG[tag];
  }

  /** Reads the start of the object that is next: its fields follow, each a key (nextKey) and a value read or skipped. */
  enterObject(): void {
    if (this.byte() !== Tag.Object) throw new Error('not an object');
  }

  /** The next key of the object entered (made: an object's keys are few, and named again), undefined at its end. */
  nextKey(): string | undefined {
    const x = this.uint();
    return x === END ? undefined : this.stringOf(x);
  }

  /** Reads the start of the array that is next: its length (its values follow). */
  enterArray(): number {
    if (this.byte() !== Tag.Array) throw new Error('not an array');
    const n = this.uint();
    this.need(n);
    return n;
  }

  value(): unknown {
    const tag = this.byte();
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Uint:
        return this.uint();
      case Tag.NegInt:
        return -this.uint();
      case Tag.Float: {
        this.need(8);
        const v = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return v;
      }
      case Tag.String:
        return this.string();
      case Tag.Array: {
        const n = this.uint();
        this.need(n); // every value is at least a byte
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case Tag.Object: {
        const out: Record<string, unknown> = {};
        for (let x = this.uint(); x !== END; x = this.uint()) {
          const k = this.stringOf(x);
          setOwn(out, k, this.value());
        }
        return out;
      }
      default:
        throw new Error(`unknown value tag ${tag}`);
    }
  }
}
