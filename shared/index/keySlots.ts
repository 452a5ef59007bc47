// Where IdsByKey keeps each key's slot (a number, 0: the key holds nothing). Most lookups are
// keyed by ids nearly every one of which holds something (files by ref key, events by ref key):
// a slot per key id, indexed directly (DirectSlots). Others hold a few keys among millions of
// ids (the model blobs and manifests by digest, the runs' events by run id among every key,
// `artifact.deleted` events): indexed directly, each was sized by its largest key, 8-16 MB at
// 1M artifacts for 1 to 160k keys; those keep only their keys, in a hash (HashedSlots).
import { grown, grownInSlices, withSettledRoom } from './columnRoom';

export interface KeySlots {
  /** Key `key`'s slot (0: none). */
  get(key: number): number;
  /** Sets key `key`'s slot to `value` (not 0). */
  set(key: number, value: number): void;
  /** Sets key `key`'s slot to 0. */
  delete(key: number): void;
  /** Room for keys below `keys`, copied a slice at a time with `pause` between (see IdsByKey.makeRoom). */
  makeRoom(keys: number, pause: () => Promise<void>): Promise<void>;
  /** Room for keys below `keys` and a tenth, made at once (see IdsByKey.expect). */
  expect(keys: number): void;
  /** The keys whose slot is not 0, in increasing order. */
  keys(): IterableIterator<number>;
}

/** A slot per key id up to the largest one set. */
export class DirectSlots implements KeySlots {
  private slots = new Int32Array(1 << 12);

  get(key: number): number {
    return key < this.slots.length ? this.slots[key] : 0;
  }

  set(key: number, value: number): void {
    if (key >= this.slots.length) {
      let size = this.slots.length;
      while (size <= key) size *= 2;
      this.slots = grown(this.slots, size);
    }
    this.slots[key] = value;
  }

  delete(key: number): void {
    if (key < this.slots.length) this.slots[key] = 0;
  }

  expect(keys: number): void {
    this.slots = withSettledRoom(this.slots, keys);
  }

  async makeRoom(keys: number, pause: () => Promise<void>): Promise<void> {
    if (keys <= this.slots.length) return;
    let size = this.slots.length;
    while (size < keys) size *= 2;
    this.slots = await grownInSlices(this.slots, this.slots.length, size, pause);
  }

  *keys(): IterableIterator<number> {
    for (let k = 0; k < this.slots.length; k++) if (this.slots[k] !== 0) yield k;
  }
}

const EMPTY = -1;

/** The keys set and their slots, by open addressing (a power of two at most half full; deletes shift back, no tombstones). */
export class HashedSlots implements KeySlots {
  private keyAt = new Int32Array(16).fill(EMPTY);
  private valueAt = new Int32Array(16);
  private count = 0;

  get(key: number): number {
    const at = this.placeOf(key);
    return this.keyAt[at] === key ? this.valueAt[at] : 0;
  }

  set(key: number, value: number): void {
    const at = this.placeOf(key);
    this.valueAt[at] = value;
    if (this.keyAt[at] === key) return;
    this.keyAt[at] = key;
    if (++this.count * 2 > this.keyAt.length) this.rehash(this.keyAt.length * 2);
  }

  delete(key: number): void {
    let hole = this.placeOf(key);
    if (this.keyAt[hole] !== key) return;
    this.count--;
    // Backward shift: each later key of the run that may sit in the hole moves into it.
    const mask = this.keyAt.length - 1;
    for (let at = (hole + 1) & mask; this.keyAt[at] !== EMPTY; at = (at + 1) & mask) {
      const home = hash(this.keyAt[at]) & mask;
      // It stays when its home lies cyclically in (hole, at]: the hole is not on its probe path.
      if (hole <= at ? hole < home && home <= at : hole < home || home <= at) continue;
      this.keyAt[hole] = this.keyAt[at];
      this.valueAt[hole] = this.valueAt[at];
      hole = at;
    }
    this.keyAt[hole] = EMPTY;
    this.valueAt[hole] = 0;
  }

  /** Nothing to do: the hash grows with the keys it holds, not with the ids they are. */
  async makeRoom(): Promise<void> {}

  expect(): void {}

  *keys(): IterableIterator<number> {
    const keys = new Int32Array(this.count);
    let n = 0;
    for (const k of this.keyAt) if (k !== EMPTY) keys[n++] = k;
    yield* keys.sort();
  }

  /** Where `key` is, or the empty place it would take. */
  private placeOf(key: number): number {
    const mask = this.keyAt.length - 1;
    let at = hash(key) & mask;
    while (this.keyAt[at] !== key && this.keyAt[at] !== EMPTY) at = (at + 1) & mask;
    return at;
  }

  private rehash(size: number): void {
    const keyAt = this.keyAt;
    const valueAt = this.valueAt;
    this.keyAt = new Int32Array(size).fill(EMPTY);
    this.valueAt = new Int32Array(size);
    for (let i = 0; i < keyAt.length; i++) {
      if (keyAt[i] === EMPTY) continue;
      const at = this.placeOf(keyAt[i]);
      this.keyAt[at] = keyAt[i];
      this.valueAt[at] = valueAt[i];
    }
  }
}

/** murmur3's fmix32: ids are consecutive, and a run of them must not fill a run of places. */
function hash(key: number): number {
  let h = key;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
