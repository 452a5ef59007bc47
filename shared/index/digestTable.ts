// Every sha256 digest the index holds, once: its 32 bytes in one growing buffer, named by an
// integer id (its place there). A digest kept as a `sha256:<64 hex>` string costs about 100
// bytes and a pointer per holder; here it is 32 bytes plus 4 in the hash, and columns hold the
// id. Lookups hash the bytes (open addressing over the buffer): no string is made per digest,
// only when a caller asks for one (hex()).

const NONE = -1;
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

export class DigestTable {
  private bytes = new Uint8Array(32 * 1024);
  /** Open-addressing slots holding ids (NONE: empty), a power of two at most half full. */
  private slots = new Int32Array(2048).fill(NONE);
  private count = 0;
  /** The digest being looked up, parsed once. */
  private readonly probe = new Uint8Array(32);

  get size(): number {
    return this.count;
  }

  /** Whether `hex` is a digest this table can hold: 64 lower-case hex characters. */
  static holds(hex: string): boolean {
    if (hex.length !== 64) return false;
    for (let i = 0; i < 64; i++) {
      const c = hex.charCodeAt(i);
      if (c >= 128 || HEX_VALUE[c] < 0) return false;
    }
    return true;
  }

  /** The id of `hex` (64 lower-case hex: see holds()), adding it on first sight. */
  id(hex: string): number {
    const slot = this.slotOf(hex);
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
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  /** The id of `hex` if the table holds it (a lookup never adds); undefined for anything not a digest. */
  find(hex: string): number | undefined {
    if (!DigestTable.holds(hex)) return undefined;
    const found = this.slots[this.slotOf(hex)];
    return found === NONE ? undefined : found;
  }

  /** The digest `id` names, as 64 lower-case hex (a new string per call). */
  hex(id: number): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + id * 32, 32).toString('hex');
  }

  /** Parses `hex` into the probe and finds its slot: the one holding it, or the empty one where it would go. */
  private slotOf(hex: string): number {
    const p = this.probe;
    for (let i = 0; i < 32; i++) p[i] = (HEX_VALUE[hex.charCodeAt(2 * i)] << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)];
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
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let s = hashOf(this.bytes, id * 32) & mask;
      while (slots[s] !== NONE) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }
}

/** A hash of the 32 bytes at `at`: all of them mixed, as digests written by tests share long runs of zeros. */
function hashOf(b: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < at + 32; i += 4) h = Math.imul(h ^ (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)), 0x01000193) ^ (h >>> 15);
  return h >>> 0;
}
