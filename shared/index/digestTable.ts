// Every sha256 digest the index holds, once: its 32 bytes in one growing buffer, named by an
// integer id (its place there). A digest kept as a `sha256:<64 hex>` string costs about 100
// bytes and a pointer per holder; here it is 32 bytes plus 4 in the hash, and columns hold the
// id. Lookups hash the bytes (open addressing over the buffer): no string is made per digest,
// only when a caller asks for one (hex()).
import { filledInSlices, grown, grownInSlices, inSlices, settledRoom, slotsFor } from './columnRoom';

const NONE = -1;
/** How full the slots may be. */
const LOAD = 0.75;
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

export class DigestTable {
  private bytes = new Uint8Array(32 * 1024);
  /**
   * Open-addressing slots holding ids (NONE: empty), a power of two at most 3/4 full (as the path
   * table's and text pool's): digests hash evenly, and held at most half full, the 2.13M digests
   * of the 1M bench took 8M slots (32 MB) for want of 2% more room in 4M.
   */
  private slots = new Int32Array(2048).fill(NONE);
  private count = 0;
  /** The digest being looked up, parsed once. */
  private readonly probe = new Uint8Array(32);

  get size(): number {
    return this.count;
  }

  /** Whether `hex` (from `at` to its end) is a digest this table can hold: 64 lower-case hex characters. */
  static holds(hex: string, at = 0): boolean {
    if (hex.length - at !== 64) return false;
    for (let i = at; i < at + 64; i++) {
      const c = hex.charCodeAt(i);
      if (c >= 128 || HEX_VALUE[c] < 0) return false;
    }
    return true;
  }

  /** The id of `hex` from `at` (64 lower-case hex: see holds()), adding it on first sight. */
  id(hex: string, at = 0): number {
    this.parse(hex, at);
    return this.add(this.slotOfProbe());
  }

  /** The id of the digest in the probe, whose slot is `slot`: added there if new. */
  private add(slot: number): number {
    const found = this.slots[slot];
    if (found !== NONE) return found;
    const id = this.count++;
    if (this.bytes.length < this.count * 32) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.bytes.set(this.probe, id * 32);
    this.slots[slot] = id;
    if (this.count * 4 > this.slots.length * 3) this.rehash();
    return id;
  }

  /**
   * Room for `n` digests in all and a tenth, made once: a full load knows how many it brings (the
   * saved count), where doubling left the bytes up to half spare (at 1M artifacts, 128 MB for
   * 68 MB of digests) and copied them at each step.
   */
  expect(n: number): void {
    const bytes = settledRoom(n, 1024) * 32;
    if (bytes > this.bytes.length) this.bytes = grown(this.bytes, bytes);
    // The slots for the digests themselves: the tenth spare could double them for nothing.
    const size = slotsFor(this.slots.length, n, LOAD);
    if (size > this.slots.length) {
      this.slots = new Int32Array(size).fill(NONE);
      this.place(this.slots, 0, this.count);
    }
  }

  /**
   * Room for `n` more digests, made a slice at a time with `pause` between (an update, ahead of
   * the rows it stores): grown as they fill, the bytes and the slots (a rehash of every digest)
   * held the server's thread ~30 ms in one piece. Digests added meanwhile (a request may add
   * one) are copied and placed too; should the table have grown by itself meanwhile, that is kept.
   */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    const need = this.count + n;
    if (need * 32 > this.bytes.length) {
      const old = this.bytes;
      const grown = await grownInSlices(old, () => this.count * 32, Math.max(old.length * 2, need * 32), pause);
      if (this.bytes === old) this.bytes = grown;
    }
    const size = slotsFor(this.slots.length, need, LOAD);
    if (size === this.slots.length) return;
    const old = this.slots;
    const slots = await filledInSlices(size, NONE, pause);
    await inSlices(() => this.count, (from, to) => this.place(slots, from, to), pause);
    if (this.slots === old) this.slots = slots;
  }

  /** The id of `hex` if the table holds it (a lookup never adds); undefined for anything not a digest. */
  find(hex: string, at = 0): number | undefined {
    if (hex.length - at !== 64 || !this.parse(hex, at)) return undefined;
    const found = this.slots[this.slotOfProbe()];
    return found === NONE ? undefined : found;
  }

  /** As id(), for any string: -1 (nothing added) unless it is a digest from `at`. Parses it once. */
  idIfDigest(s: string, at: number): number {
    return s.length - at === 64 && this.parse(s, at) ? this.add(this.slotOfProbe()) : NONE;
  }

  /** The id of the digest whose 32 bytes are at `at` in `bytes`, adding it on first sight (a saved bucket's digest keys: no hex parsed). */
  idOfBytes(bytes: Uint8Array, at: number): number {
    // A loop: a subarray per digest costs more than the copy (see copyTo).
    const p = this.probe;
    for (let i = 0; i < 32; i++) p[i] = bytes[at + i];
    return this.add(this.slotOfProbe());
  }

  /** The digest `id` names, as 64 lower-case hex (a new string per call). */
  hex(id: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + id * 32, 32).toString('hex');
  }

  /** Orders digests by their bytes, which is the order of their hex: negative when `a` goes first. */
  compare(a: number, b: number): number {
    const bytes = this.bytes;
    for (let i = a * 32, j = b * 32, end = i + 32; i < end; i++, j++) if (bytes[i] !== bytes[j]) return bytes[i] - bytes[j];
    return 0;
  }

  /** Whether `prefix` is lower-case hex that a digest can start with (at most 64 characters). */
  static isPrefix(prefix: string): boolean {
    return prefix.length <= 64 && DigestTable.holds(prefix.padEnd(64, '0'));
  }

  /**
   * How digest `id`'s hex compares with `prefix` (see isPrefix) over the prefix's length: 0 when
   * it starts with it. No hex string is made: the prefix's digits are matched to the bytes' halves.
   */
  comparePrefix(id: number, prefix: string): number {
    const bytes = this.bytes;
    for (let i = 0; i < prefix.length; i++) {
      const byte = bytes[id * 32 + (i >> 1)];
      const digit = i & 1 ? byte & 15 : byte >> 4;
      const wanted = HEX_VALUE[prefix.charCodeAt(i)];
      if (digit !== wanted) return digit - wanted;
    }
    return 0;
  }

  /** Copies the 32 bytes of digest `id` into `out` at `at` (a loop: a subarray per digest costs more than the copy). */
  copyTo(id: number, out: Uint8Array, at: number): void {
    const b = this.bytes;
    for (let i = 0, from = id * 32; i < 32; i++) out[at + i] = b[from + i];
  }

  /** Parses the 64 hex characters of `hex` from `at` into the probe; false when one is not lower-case hex. */
  private parse(hex: string, at: number): boolean {
    const p = this.probe;
    let bad = 0;
    for (let i = 0; i < 32; i++) {
      const hi = hex.charCodeAt(at + 2 * i);
      const lo = hex.charCodeAt(at + 2 * i + 1);
      // A code of 128 or more reads as undefined: | 128 keeps it out of range.
      const h = HEX_VALUE[hi & 127] | (hi & 128);
      const l = HEX_VALUE[lo & 127] | (lo & 128);
      bad |= h | l;
      p[i] = (h << 4) | l;
    }
    // Every value is 0-15 unless something was not hex (-1, or 128 and up).
    return (bad & ~15) === 0;
  }

  /** The probe's slot: the one holding it, or the empty one where it would go. */
  private slotOfProbe(): number {
    const p = this.probe;
    const mask = this.slots.length - 1;
    for (let s = hashOf(p, 0) & mask; ; s = (s + 1) & mask) {
      const id = this.slots[s];
      if (id === NONE || this.equals(id, p)) return s;
    }
  }

  private equals(id: number, p: Uint8Array): boolean {
    const b = this.bytes;
    const at = id * 32;
    for (let i = 0; i < 32; i++) if (b[at + i] !== p[i]) return false;
    return true;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(NONE);
    this.place(slots, 0, this.count);
    this.slots = slots;
  }

  /** Places ids `from` to `to` in `slots` (empty where they go). */
  private place(slots: Int32Array, from: number, to: number): void {
    const mask = slots.length - 1;
    for (let id = from; id < to; id++) {
      let s = hashOf(this.bytes, id * 32) & mask;
      while (slots[s] !== NONE) s = (s + 1) & mask;
      slots[s] = id;
    }
  }
}

/**
 * A hash of the 32 bytes at `at`: all of them mixed, then finished with murmur3's fmix32 so that
 * a change in any bit reaches the low bits the slot mask keeps. Without the finish, digests that
 * differ only in their last bytes (tests', or a hostile file's `sha256:000…0001`, `…0002`) all
 * landed in one run of slots and a table of them took quadratic time (16k: 3.9 s, against 0.09 s
 * for random digests).
 */
export function hashOf(b: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < at + 32; i += 4) h = Math.imul(h ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)), 0x01000193) ^ (h >>> 15);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
