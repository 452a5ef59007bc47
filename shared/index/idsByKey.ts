// Key id -> ids of what holds the key (the files that mention it, the events that name it or
// belong to its run). Most of the 600k keys of a 100k-artifact workspace are held by one:
// its id sits in the key's slot of one Int32Array (4 bytes a key, where a Map entry per key
// string cost ~22 MB); a key held by several points to a block of one pool Int32Array
// instead, in the order added. Most of those lists (170k at 109k artifacts) hold 2-5 ids: as
// JS arrays each cost ~60 bytes (~10 MB), as a block 12-36. The few long ones (a run's 100k
// events) are JS arrays, handed out as they are. A lookup that holds few keys among many ids
// keeps its slots in a hash instead (keySlots.ts).

import { grown, withSettledRoom } from './columnRoom';
import { DirectSlots, HashedSlots, type KeySlots } from './keySlots';

/** Block classes 1..SHORT_CLASSES hold up to 2^class ids; longer lists are JS arrays. */
const SHORT_CLASSES = 4;
/** Class 0: a block naming a long list (its header, and one unused word). */
const LONG = 0;
/** A short block's header: its count above CLASS_BITS, its class below. */
const CLASS_BITS = 3;
const CLASS_MASK = (1 << CLASS_BITS) - 1;

const blockWords = (cls: number) => 1 + (1 << cls);

/** A slot: 0 none, f + 1 the one id f, -(b + 1) the list whose block starts at b in the pool. */
export class IdsByKey {
  private slots: KeySlots;
  /** Blocks: a header word, then the ids. A short list's header is count << CLASS_BITS | class; a long list's is -(its index in `long` + 1). */
  private pool = new Int32Array(1 << 12);
  private poolUsed = 0;
  /** Blocks let go, by class: reused before the pool grows. */
  private readonly freeBlocks: number[][] = Array.from({ length: SHORT_CLASSES + 1 }, () => []);
  private readonly long: number[][] = [];
  private readonly freeLong: number[] = [];
  private keysHeld = 0;

  /** `sparse`: few of the key ids will hold anything (see keySlots.ts). */
  constructor(private readonly sparse = false) {
    this.slots = sparse ? new HashedSlots() : new DirectSlots();
  }

  /**
   * Room for keys up to `keys` (ids below it), the slots copied a slice at a time with `pause`
   * between (an update, ahead of the rows it links; only the update writes them): keyed by ref
   * or digest ids, the slots of ~600k keys grew in one copy of megabytes on the server's thread.
   */
  makeRoom(keys: number, pause: () => Promise<void>): Promise<void> {
    return this.slots.makeRoom(keys, pause);
  }

  /**
   * Room for keys below `keys` and `words` more pool ints, and a tenth, made once: a full load
   * knows how many key ids and list ints it brings (SavedTables), where the slots and the pool
   * doubled as they came, each copy left freed in the middle of the process's heap (malloc
   * keeps it), and the last one up to half spare.
   */
  expect(keys: number, words = 0): void {
    this.slots.expect(keys);
    this.pool = withSettledRoom(this.pool, this.poolUsed + words);
  }

  /**
   * The pool ints the lists' blocks take (what a save tells the next full load: SavedTables): a
   * list's block is of the class its length needs whatever the order its ids came in, so a load
   * of the same lists takes as many, and the blocks it lets go as lists grow, reused by the
   * lists after them, fit in the tenth spare.
   */
  get poolWords(): number {
    let free = 0;
    for (let cls = 0; cls <= SHORT_CLASSES; cls++) free += this.freeBlocks[cls].length * blockWords(cls);
    return this.poolUsed - free;
  }

  private allocate(cls: number): number {
    const reused = this.freeBlocks[cls].pop();
    if (reused !== undefined) return reused;
    const b = this.poolUsed;
    this.poolUsed += blockWords(cls);
    if (this.poolUsed > this.pool.length) this.pool = grown(this.pool, Math.max(this.pool.length * 2, this.poolUsed));
    return b;
  }

  private release(b: number): void {
    const header = this.pool[b];
    if (header < 0) {
      const l = -header - 1;
      this.long[l] = [];
      this.freeLong.push(l);
      this.freeBlocks[LONG].push(b);
    } else this.freeBlocks[header & CLASS_MASK].push(b);
  }

  add(key: number, id: number): void {
    const v = this.slots.get(key);
    if (v === 0) {
      this.slots.set(key, id + 1);
      this.keysHeld++;
      return;
    }
    if (v > 0) {
      const b = this.allocate(1);
      this.pool[b] = (2 << CLASS_BITS) | 1;
      this.pool[b + 1] = v - 1;
      this.pool[b + 2] = id;
      this.slots.set(key, -(b + 1));
      return;
    }
    const b = -v - 1;
    const header = this.pool[b];
    if (header < 0) {
      this.long[-header - 1].push(id);
      return;
    }
    const count = header >>> CLASS_BITS;
    const cls = header & CLASS_MASK;
    if (count < 1 << cls) {
      this.pool[b + 1 + count] = id;
      this.pool[b] = header + (1 << CLASS_BITS);
      return;
    }
    // Full: into a block twice the size, or past the largest into a JS array (grown by push, amortized).
    let moved: number;
    if (cls < SHORT_CLASSES) {
      moved = this.allocate(cls + 1);
      this.pool.copyWithin(moved + 1, b + 1, b + 1 + count);
      this.pool[moved + 1 + count] = id;
      this.pool[moved] = ((count + 1) << CLASS_BITS) | (cls + 1);
    } else {
      const list = Array.from(this.pool.subarray(b + 1, b + 1 + count));
      list.push(id);
      const l = this.freeLong.pop() ?? this.long.length;
      this.long[l] = list;
      moved = this.allocate(LONG);
      this.pool[moved] = -(l + 1);
    }
    this.release(b);
    this.slots.set(key, -(moved + 1));
  }

  delete(key: number, id: number): void {
    this.deleteRange(key, id, id + 1);
  }

  /**
   * Removes the ids in [from, to) from the key's list in one pass: a log's events are one
   * range of ids, and 200k of them naming one run must not be pulled out one splice at a time.
   */
  deleteRange(key: number, from: number, to: number): void {
    const v = this.slots.get(key);
    if (v > 0) {
      if (v - 1 >= from && v - 1 < to) {
        this.slots.delete(key);
        this.keysHeld--;
      }
      return;
    }
    if (v === 0) return;
    const b = -v - 1;
    const header = this.pool[b];
    let kept: number;
    let first: number;
    if (header < 0) {
      const l = -header - 1;
      const list = this.long[l].filter((x) => x < from || x >= to);
      this.long[l] = list;
      kept = list.length;
      first = list[0];
    } else {
      kept = 0;
      for (let i = b + 1, end = b + 1 + (header >>> CLASS_BITS); i < end; i++) {
        const x = this.pool[i];
        if (x < from || x >= to) this.pool[b + 1 + kept++] = x;
      }
      this.pool[b] = (kept << CLASS_BITS) | (header & CLASS_MASK);
      first = this.pool[b + 1];
    }
    if (kept > 1) return;
    this.release(b);
    if (kept === 1) this.slots.set(key, first + 1);
    else {
      this.slots.delete(key);
      this.keysHeld--;
    }
  }

  /** The ids held under `key`, in the order added: a copy, except a long list's, which later adds extend. */
  get(key: number): readonly number[] {
    const v = this.slots.get(key);
    if (v === 0) return [];
    if (v > 0) return [v - 1];
    const b = -v - 1;
    const header = this.pool[b];
    if (header < 0) return this.long[-header - 1];
    const out = new Array<number>(header >>> CLASS_BITS);
    for (let i = 0; i < out.length; i++) out[i] = this.pool[b + 1 + i];
    return out;
  }

  /** The id added last under `key` and still held, or -1. */
  last(key: number): number {
    const v = this.slots.get(key);
    if (v === 0) return -1;
    if (v > 0) return v - 1;
    const b = -v - 1;
    const header = this.pool[b];
    if (header < 0) {
      const list = this.long[-header - 1];
      return list[list.length - 1];
    }
    return this.pool[b + (header >>> CLASS_BITS)];
  }

  clear(): void {
    this.slots = this.sparse ? new HashedSlots() : new DirectSlots();
    this.pool = new Int32Array(1 << 12);
    this.poolUsed = 0;
    for (const free of this.freeBlocks) free.length = 0;
    this.long.length = 0;
    this.freeLong.length = 0;
    this.keysHeld = 0;
  }

  /** How many keys are held (kept as keys come and go: no count walks the slots). */
  get size(): number {
    return this.keysHeld;
  }

  /** Ids of the keys held, in increasing order. */
  keys(): IterableIterator<number> {
    return this.slots.keys();
  }
}
