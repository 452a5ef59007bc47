// Strings by a small integer id, each kept once as WTF-8 bytes in one pool (a strings table's
// run ids, turn and package keys; the names table's kinds, roots and log paths). Kept as JS
// strings with a Map entry for the id, the ~1M such keys of the 1M bench held ~80 MB of heap
// (a string's header and characters, often a sliced parent's besides, and the Map's entry);
// here a string is its bytes, where they start (4 bytes) and its slot (8: see slots). Lookups hash the
// string's UTF-16 units and compare a candidate's bytes with them (open addressing, as the
// path table and digest table do): nothing is written to look one up. A string is made again
// only when a caller asks for it (text()).
import { grown, settledRoom } from './columnRoom';
import { encodeWtf8, stringOfWtf8 } from './wtf8';

const NONE = -1;
const MIN_TEXTS = 64;

export class TextPool {
  private bytes: Buffer = Buffer.allocUnsafe(1024);
  /** By id: where its bytes start (they end where the next id's start). */
  private start = new Int32Array(MIN_TEXTS + 1);
  /**
   * Open-addressing slots, a power of two at most 3/4 full, each two ints: an id (NONE: empty)
   * and its string's hash, compared before the bytes. Beside the id, not in a column by id: a
   * probe passing over other strings' slots reads on in the same cache line, where a column by
   * id was read at each, a cache miss each once the table outgrew the cache (at 1M artifacts, a
   * full load spent ~6 s here; 2M run-id-like strings looked up: 0.95 s CPU then, 0.74 s now).
   */
  private slots = new Int32Array(4 * MIN_TEXTS).fill(NONE);
  private count = 0;
  /** The last string hashed: its hash, and whether it is all ASCII (then its bytes are its units). */
  private probeHash = 0;
  private probeAscii = true;
  /** A non-ASCII probe as WTF-8, made to compare it. */
  private encoded = new Uint8Array(256);

  /** How many strings have ids (ids are 0 to size - 1, given in the order added). */
  get size(): number {
    return this.count;
  }

  /** The bytes the strings take. */
  get byteLength(): number {
    return this.start[this.count];
  }

  /**
   * Room for `bytes` more bytes of strings and a tenth, made once: a full load knows how many
   * its strings take (SavedTables), where doubling left up to half of them spare (at 1M
   * artifacts, 64 MB for 38.5 MB of run ids, payload keys and times).
   */
  expect(bytes: number): void {
    const room = settledRoom(this.byteLength + bytes, 0);
    if (room > this.bytes.length) this.resizeBytes(room, this.byteLength);
  }

  /** The id of `s`, given on first sight (then it is size - 1). */
  id(s: string): number {
    const slot = this.slotOf(s);
    const found = this.slots[slot];
    if (found !== NONE) return found;
    const id = this.count++;
    if (id + 1 >= this.start.length) this.start = grown(this.start, 2 * this.start.length);
    const from = this.start[id];
    if (from + 3 * s.length > this.bytes.length) this.resizeBytes(Math.max(from + 3 * s.length, this.bytes.length * 2), from);
    let n: number;
    if (this.probeAscii) {
      const b = this.bytes;
      for (let i = 0; i < s.length; i++) b[from + i] = s.charCodeAt(i);
      n = s.length;
    } else n = encodeWtf8(s, 0, this.bytes.subarray(from));
    this.start[id + 1] = from + n;
    this.slots[slot] = id;
    this.slots[slot + 1] = this.probeHash;
    if (this.count * 8 > this.slots.length * 3) this.rehash();
    return id;
  }

  /** The id of `s` if it has one (a lookup never adds). */
  find(s: string): number | undefined {
    const found = this.slots[this.slotOf(s)];
    return found === NONE ? undefined : found;
  }

  /** String `id` (made anew on each call). */
  text(id: number): string {
    return stringOfWtf8(this.bytes, this.start[id], this.start[id + 1]);
  }

  /** The slot of `s` (the index of its id in `slots`): where its id is, or the empty slot it would take. Sets the probe's hash. */
  private slotOf(s: string): number {
    // FNV-1a over the UTF-16 units, finished with murmur3's fmix32 (keys that differ only in
    // their last characters, `run-000001`, `run-000002`, must not share a run of slots).
    let h = 0x811c9dc5;
    let units = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      units |= c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    this.probeHash = h;
    this.probeAscii = units < 0x80;
    let n = -1;
    const slots = this.slots;
    const mask = slots.length - 2;
    for (let slot = (h << 1) & mask; ; slot = (slot + 2) & mask) {
      const id = slots[slot];
      if (id === NONE) return slot;
      if (slots[slot + 1] === h && (this.probeAscii ? this.isAscii(id, s) : this.isEncoded(id, n < 0 ? (n = this.encode(s)) : n))) return slot;
    }
  }

  /** Whether string `id`'s bytes are the ASCII string `s`'s units (a stored string with other bytes differs in length or in a byte). */
  private isAscii(id: number, s: string): boolean {
    const start = this.start[id];
    if (this.start[id + 1] - start !== s.length) return false;
    const b = this.bytes;
    for (let i = 0; i < s.length; i++) if (b[start + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /** Whether string `id`'s bytes are the `n` in `encoded`. */
  private isEncoded(id: number, n: number): boolean {
    const start = this.start[id];
    if (this.start[id + 1] - start !== n) return false;
    const b = this.bytes;
    for (let i = 0; i < n; i++) if (b[start + i] !== this.encoded[i]) return false;
    return true;
  }

  /** `s` as WTF-8 in `encoded`; returns the length. */
  private encode(s: string): number {
    if (this.encoded.length < 3 * s.length) this.encoded = new Uint8Array(3 * s.length);
    return encodeWtf8(s, 0, this.encoded);
  }

  /** The bytes in a buffer of `size`, their first `used` copied. */
  private resizeBytes(size: number, used: number): void {
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, used);
    this.bytes = next;
  }

  private rehash(): void {
    const old = this.slots;
    const slots = new Int32Array(old.length * 2).fill(NONE);
    const mask = slots.length - 2;
    for (let from = 0; from < old.length; from += 2) {
      if (old[from] === NONE) continue;
      let slot = (old[from + 1] << 1) & mask;
      while (slots[slot] !== NONE) slot = (slot + 2) & mask;
      slots[slot] = old[from];
      slots[slot + 1] = old[from + 1];
    }
    this.slots = slots;
  }
}
