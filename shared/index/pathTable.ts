// Every file path the index holds, once, by an integer id: its folder (with the trailing
// separator) in a small table of folders, its name as bytes in one growing buffer. A path kept
// as a JS string cost ~190 bytes (a flat copy, the cons string readdir's join made, a Map
// entry for the id); here it is its name's bytes and 12 bytes of typed arrays, and the string
// is made again only when a caller asks for it (pathOf). Lookups hash the folder id and the
// name's UTF-16 units straight from the string and compare a candidate's bytes with them (open
// addressing): no string is kept per path, and a lookup writes nothing (a warm start looks up
// each of 142k listed paths three times; encoding every name to bytes first was half its cost).
//
// Names are stored as WTF-8 (UTF-8 that also carries a lone surrogate as its 3 bytes), so any
// JS string comes back exactly as it went in: two different paths never share bytes. A name
// that starts with 64 lower-case hex digits (an artifact's, named by its digest) keeps them as
// their 32 bytes after a byte WTF-8 never holds (DIGEST_NAME): at 1M artifacts, 33 MB of the
// 78 MB of names.

import * as nodePath from 'node:path';
import { filledInSlices, grownInSlices, inSlices, LOADED_SPARE, settledRoom, slotsFor } from './columnRoom';
import { KEY_HASH_SEED, keyHashOn, keyHashOnHex } from './keyIndex';
import { encodeWtf8, stringOfWtf8 } from './wtf8';

const NONE = -1;
const MIN_PATHS = 1024;
/** The first byte of a name kept with its leading 64 hex digits as 32 bytes. */
const DIGEST_NAME = 0xff;
const HEX_DIGITS = 64;
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

export class PathTable {
  private readonly folderIds = new Map<string, number>();
  private readonly folders: string[] = [];
  /** By path id: the folder's id, its hash (compared before the bytes, and kept for rehashing), and where the name's bytes start (they end where the next path's start). */
  private folderOf = new Int32Array(MIN_PATHS);
  private hashOf = new Int32Array(MIN_PATHS);
  private nameStart = new Int32Array(MIN_PATHS + 1);
  private bytes: Buffer = Buffer.allocUnsafe(64 * 1024);
  private count = 0;
  /** Open-addressing slots holding path ids (NONE: empty), a power of two at most 3/4 full. */
  private slots = new Int32Array(2 * MIN_PATHS).fill(NONE);
  /** The path being looked up, where its name starts, and the name's hash. */
  private probePath = '';
  private probeCut = 0;
  private probeHash = 0;
  /** Whether the probed name is all ASCII (then its bytes are its units, compared without encoding). */
  private probeAscii = true;
  /** Whether the probed name starts with 64 lower-case hex digits (then it is kept as DIGEST_NAME bytes). */
  private probeDigest = false;
  /** The probed name as WTF-8, made only to be added or compared when it is not ASCII. */
  private encoded = new Uint8Array(256);
  private encodedLength = -1;
  /** The empty slot and folder of the probe when the last lookup was a find() that missed (NONE: it was not). */
  private missSlot = NONE;
  private missFolder = NONE;
  private lastFolder = NONE;
  private lastFolderPath = '\0';
  /** How many paths a load will have given ids when done (see expect); past it, growth doubles again. */
  private expected = 0;
  /** By folder id: keyHashOn(KEY_HASH_SEED, folder path), made on first use (see pathHash). */
  private readonly folderHashes: number[] = [];

  /** How many paths have ids. */
  get size(): number {
    return this.count;
  }

  /** The bytes of path `id`'s name. */
  nameBytesOf(id: number): number {
    return this.nameStart[id + 1] - this.nameStart[id];
  }

  /**
   * Room for `n` more paths, made once: a full load of the saved index knows how many files it
   * brings (its listing), where doubling copied the columns, slots and name bytes again and again
   * and left up to half of them spare (at 1M files, ~60 MB of name bytes). `nameBytes`, when
   * known (the saved total), are the new names' bytes, given room now; else the name bytes grow
   * at as many a path as the paths so far have (planned from the first paths a load brings, a
   * big log's bucket's, that kept more than doubling did).
   */
  expect(n: number, nameBytes = 0): void {
    this.expected = Math.max(this.expected, this.count + n);
    const used = this.nameStart[this.count];
    if (nameBytes && settledRoom(used + nameBytes, 0, LOADED_SPARE) > this.bytes.length) {
      const next = Buffer.allocUnsafe(settledRoom(used + nameBytes, 0, LOADED_SPARE));
      this.bytes.copy(next, 0, 0, used);
      this.bytes = next;
    }
    const capacity = settledRoom(this.expected, 0, LOADED_SPARE);
    if (capacity > this.folderOf.length) this.resizeColumns(capacity);
    let slots = this.slots.length;
    while (this.expected * 4 > slots * 3) slots *= 2;
    if (slots > this.slots.length) this.rehash(slots);
  }

  /**
   * Room for `n` more paths, made a slice at a time with `pause` between (an update, ahead of
   * the files it stores): grown as they filled, the columns, name bytes and slots of 142k paths
   * held the server's thread 30-90 ms. Paths added meanwhile are copied and placed too; should
   * the table have grown by itself meanwhile, that is kept.
   */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    const need = this.count + n;
    if (need > this.folderOf.length) {
      const old = this.folderOf;
      const size = Math.max(old.length * 2, need);
      const ids = () => this.count;
      const folderOf = await grownInSlices(old, ids, size, pause);
      const hashOf = await grownInSlices(this.hashOf, ids, size, pause);
      const nameStart = await grownInSlices(this.nameStart, () => this.count + 1, size + 1, pause);
      if (this.folderOf === old) {
        // Paths added while a later column was copied: the earlier ones' copies end before them (a copy of pages in place by now).
        folderOf.set(this.folderOf.subarray(0, this.count));
        hashOf.set(this.hashOf.subarray(0, this.count));
        this.folderOf = folderOf;
        this.hashOf = hashOf;
        this.nameStart = nameStart;
      }
    }
    // Room for the new names at the bytes a name has had so far.
    const bytesNeeded = this.count ? Math.ceil((this.nameStart[this.count] / this.count) * need) : 0;
    if (bytesNeeded > this.bytes.length) {
      const old = this.bytes;
      // Copied as a plain byte view: a Buffer's own constructor is the deprecated Buffer().
      const grown = await grownInSlices(new Uint8Array(old.buffer, old.byteOffset, old.length), () => this.nameStart[this.count], Math.max(old.length * 2, bytesNeeded), pause);
      if (this.bytes === old) this.bytes = Buffer.from(grown.buffer, grown.byteOffset, grown.length);
    }
    const size = slotsFor(this.slots.length, need, 0.75);
    if (size === this.slots.length) return;
    const old = this.slots;
    const slots = await filledInSlices(size, NONE, pause);
    await inSlices(() => this.count, (from, to) => this.place(slots, from, to), pause);
    if (this.slots === old) {
      this.slots = slots;
      // A find() that missed left its empty slot in the old slots.
      this.missSlot = NONE;
    }
  }

  /** The id of `path`, given on first sight and kept. */
  id(path: string): number {
    let folder: number;
    let slot: number;
    // Right after find() missed this path (a store holding a file checks it held none there first), its empty slot.
    if (this.missSlot !== NONE && path === this.probePath) {
      folder = this.missFolder;
      slot = this.missSlot;
    } else {
      folder = this.setProbe(path, true);
      slot = this.slotOf(folder);
      const found = this.slots[slot];
      if (found !== NONE) return found;
    }
    this.missSlot = NONE;
    const id = this.count++;
    if (this.count > this.folderOf.length) this.growColumns();
    this.folderOf[id] = folder;
    this.hashOf[id] = this.probeHash;
    const start = this.nameStart[id];
    const n = this.encodeProbe();
    if (start + n > this.bytes.length) this.growBytes(start + n);
    this.bytes.set(this.encoded.subarray(0, n), start);
    this.nameStart[id + 1] = start + n;
    this.slots[slot] = id;
    if (this.count * 4 > this.slots.length * 3) this.rehash();
    return id;
  }

  /** The id of `path` if it has one (a lookup never adds). */
  find(path: string): number | undefined {
    // Asked again right after it missed, nothing added since: still a miss, without hashing the
    // path again (a store checks that it holds no file at a new file's path, then removes any there).
    if (this.missSlot !== NONE && path === this.probePath) return undefined;
    const folder = this.setProbe(path, false);
    if (folder === NONE) return undefined;
    const slot = this.slotOf(folder);
    const found = this.slots[slot];
    if (found !== NONE) return found;
    this.missFolder = folder;
    this.missSlot = slot;
    return undefined;
  }

  /** The ids of the paths in folder `folder` (with its trailing separator): a pass over one column, no string made per path. */
  idsIn(folder: string): number[] {
    const f = this.folderIds.get(folder);
    const out: number[] = [];
    if (f === undefined) return out;
    for (let id = 0; id < this.count; id++) if (this.folderOf[id] === f) out.push(id);
    return out;
  }

  /** The folder of path `id` (with its trailing separator). */
  folderPathOf(id: number): string {
    return this.folders[this.folderOf[id]];
  }

  /** Path `id` as a string (made anew on each call). */
  pathOf(id: number): string {
    return this.folders[this.folderOf[id]] + this.nameOf(id);
  }

  /**
   * keyHash(pathOf(id)), without making the path: its folder's hash (kept per folder) taken on
   * over its name's bytes, which are its UTF-16 units when they are ASCII, and a digest name's 32
   * bytes its 64 hex digits. A save finds every held file's bucket by it: making and hashing
   * 109k paths whole took 0.13-0.23 s of a cold save's thread at 100k artifacts.
   */
  pathHash(id: number): number {
    const folder = this.folderOf[id];
    const folderHash = (this.folderHashes[folder] ??= keyHashOn(KEY_HASH_SEED, this.folders[folder]));
    const b = this.bytes;
    let i = this.nameStart[id];
    const end = this.nameStart[id + 1];
    let h = folderHash;
    if (i < end && b[i] === DIGEST_NAME) {
      h = keyHashOnHex(h, b, i + 1, i + 33);
      i += 33;
    }
    for (; i < end; i++) {
      // Not ASCII: the name's UTF-16 units are not its bytes.
      if (b[i] >= 0x80) return keyHashOn(folderHash, this.nameOf(id)) >>> 0;
      h = Math.imul(h ^ b[i], 0x01000193);
    }
    return h >>> 0;
  }

  private nameOf(id: number): string {
    const start = this.nameStart[id];
    const end = this.nameStart[id + 1];
    if (this.bytes[start] !== DIGEST_NAME) return stringOfWtf8(this.bytes, start, end);
    return this.bytes.toString('hex', start + 1, start + 33) + stringOfWtf8(this.bytes, start + 33, end);
  }

  /**
   * Makes `path` the probe (its name after the last separator, and the name's hash) and returns
   * its folder's id: added when `add`, else NONE when the folder has none (so no path there has one).
   */
  private setProbe(path: string, add: boolean): number {
    this.missSlot = NONE;
    const cut = lastSeparator(path) + 1;
    let folder: number | undefined;
    // Paths come folder by folder (a listing, a batch of reads): the last folder, without a slice to hash.
    if (cut === this.lastFolderPath.length && path.startsWith(this.lastFolderPath)) folder = this.lastFolder;
    else {
      const folderPath = path.slice(0, cut);
      folder = this.folderIds.get(folderPath);
      if (folder === undefined) {
        if (!add) return NONE;
        folder = this.folders.length;
        this.folders.push(folderPath);
        this.folderIds.set(folderPath, folder);
      }
      this.lastFolder = folder;
      this.lastFolderPath = folderPath;
    }
    this.probePath = path;
    this.probeCut = cut;
    this.encodedLength = -1;
    // FNV-1a over the folder id and the name's UTF-16 units.
    let h = Math.imul(0x811c9dc5 ^ folder, 0x01000193);
    let units = 0;
    let hex = 0;
    for (let i = cut; i < path.length; i++) {
      const c = path.charCodeAt(i);
      units |= c;
      if (hex === i - cut && c < 128 && HEX_VALUE[c] >= 0) hex++;
      h = Math.imul(h ^ c, 0x01000193);
    }
    this.probeHash = h ^ (h >>> 15);
    this.probeAscii = units < 0x80;
    this.probeDigest = hex >= HEX_DIGITS;
    return folder;
  }

  /** The probed name's bytes as kept (WTF-8, its leading digest as DIGEST_NAME bytes), in `encoded`; returns their length. */
  private encodeProbe(): number {
    if (this.encodedLength >= 0) return this.encodedLength;
    const path = this.probePath;
    const cut = this.probeCut;
    const units = path.length - cut;
    if (this.encoded.length < 3 * units) this.encoded = new Uint8Array(3 * units);
    if (!this.probeDigest) return (this.encodedLength = encodeWtf8(path, cut, this.encoded));
    const e = this.encoded;
    e[0] = DIGEST_NAME;
    for (let i = 0; i < 32; i++) e[1 + i] = (HEX_VALUE[path.charCodeAt(cut + 2 * i)] << 4) | HEX_VALUE[path.charCodeAt(cut + 2 * i + 1)];
    return (this.encodedLength = 33 + encodeWtf8(path, cut + HEX_DIGITS, e.subarray(33)));
  }

  /** The slot of the probed name in `folder`: where its id is, or the empty slot it would take. */
  private slotOf(folder: number): number {
    const mask = this.slots.length - 1;
    const hash = this.probeHash;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot];
      if (id === NONE || (this.hashOf[id] === hash && this.folderOf[id] === folder && this.nameIsProbe(id))) return slot;
    }
  }

  private nameIsProbe(id: number): boolean {
    const start = this.nameStart[id];
    const b = this.bytes;
    if (this.probeAscii && !this.probeDigest) {
      // An ASCII name's bytes are its units; a stored name with other bytes differs in length or in a byte.
      const path = this.probePath;
      const cut = this.probeCut;
      if (this.nameStart[id + 1] - start !== path.length - cut) return false;
      for (let i = cut; i < path.length; i++) if (b[start + i - cut] !== path.charCodeAt(i)) return false;
      return true;
    }
    const n = this.encodeProbe();
    if (this.nameStart[id + 1] - start !== n) return false;
    for (let i = 0; i < n; i++) if (b[start + i] !== this.encoded[i]) return false;
    return true;
  }

  private growColumns(): void {
    this.resizeColumns(this.folderOf.length * 2);
  }

  private resizeColumns(n: number): void {
    const folderOf = new Int32Array(n);
    folderOf.set(this.folderOf);
    this.folderOf = folderOf;
    const hashOf = new Int32Array(folderOf.length);
    hashOf.set(this.hashOf);
    this.hashOf = hashOf;
    const nameStart = new Int32Array(folderOf.length + 1);
    nameStart.set(this.nameStart);
    this.nameStart = nameStart;
  }

  private growBytes(atLeast: number): void {
    // Under a load's expectation (see expect): room for the paths to come at the bytes a path so far, and at least half again.
    const planned = this.expected > this.count ? Math.ceil((atLeast / this.count) * this.expected * 1.1) : 0;
    const size = planned >= atLeast ? Math.max(planned, Math.ceil(this.bytes.length * 1.5)) : Math.max(atLeast, this.bytes.length * 2);
    const next = Buffer.allocUnsafe(size);
    this.bytes.copy(next, 0, 0, this.nameStart[this.count - 1]);
    this.bytes = next;
  }

  private rehash(size = this.slots.length * 2): void {
    const slots = new Int32Array(size).fill(NONE);
    this.place(slots, 0, this.count);
    this.slots = slots;
    this.missSlot = NONE; // a slot of the old slots
  }

  /** Places ids `from` to `to` in `slots` (empty where they go). */
  private place(slots: Int32Array, from: number, to: number): void {
    const mask = slots.length - 1;
    for (let id = from; id < to; id++) {
      let slot = this.hashOf[id] & mask;
      while (slots[slot] !== NONE) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
  }
}

/** Where the last separator of `p` is (-1: none). Windows paths may use either. */
const lastSeparator: (p: string) => number = nodePath.sep === '/' ? (p) => p.lastIndexOf('/') : (p) => Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
