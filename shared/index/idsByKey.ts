// Key id -> ids of what holds the key (the files that mention it, the events that name it or
// belong to its run). Most of the 600k keys of a 100k-artifact workspace are held by one:
// its id sits in the key's slot of one Int32Array (4 bytes a key, where a Map entry per key
// string cost ~22 MB); a key held by several points to a list instead, in the order added.

/** Lists up to this long are kept at their exact length (see add). */
const EXACT_UP_TO = 16;

/** A slot: 0 none, f + 1 the one id f, -(l + 1) the list l. */
export class IdsByKey {
  private slots = new Int32Array(1 << 12);
  private readonly lists: number[][] = [];
  private readonly freeLists: number[] = [];
  private keysHeld = 0;

  private grow(key: number): void {
    if (key < this.slots.length) return;
    let size = this.slots.length;
    while (size <= key) size *= 2;
    const next = new Int32Array(size);
    next.set(this.slots);
    this.slots = next;
  }

  add(key: number, id: number): void {
    this.grow(key);
    const v = this.slots[key];
    if (v === 0) {
      this.slots[key] = id + 1;
      this.keysHeld++;
    } else if (v > 0) {
      const l = this.freeLists.pop() ?? this.lists.length;
      this.lists[l] = [v - 1, id];
      this.slots[key] = -(l + 1);
    } else {
      // A short list is copied one longer, exactly: push grows a 2-id list to room for 19
      // (about 200 bytes where the copy takes 70), and most of the 170k lists of a
      // 100k-artifact workspace hold 2-5 ids. A long list grows by push, amortized.
      const l = -v - 1;
      const list = this.lists[l];
      if (list.length < EXACT_UP_TO) this.lists[l] = list.concat(id);
      else list.push(id);
    }
  }

  delete(key: number, id: number): void {
    this.deleteRange(key, id, id + 1);
  }

  /**
   * Removes the ids in [from, to) from the key's list in one pass: a log's events are one
   * range of ids, and 200k of them naming one run must not be pulled out one splice at a time.
   */
  deleteRange(key: number, from: number, to: number): void {
    const v = key < this.slots.length ? this.slots[key] : 0;
    if (v > 0) {
      if (v - 1 >= from && v - 1 < to) {
        this.slots[key] = 0;
        this.keysHeld--;
      }
      return;
    }
    if (v === 0) return;
    const l = -v - 1;
    const kept = this.lists[l].filter((x) => x < from || x >= to);
    if (kept.length > 1) {
      this.lists[l] = kept;
      return;
    }
    this.lists[l] = [];
    this.freeLists.push(l);
    if (kept.length === 1) this.slots[key] = kept[0] + 1;
    else {
      this.slots[key] = 0;
      this.keysHeld--;
    }
  }

  get(key: number): readonly number[] {
    const v = key < this.slots.length ? this.slots[key] : 0;
    return v === 0 ? [] : v > 0 ? [v - 1] : this.lists[-v - 1];
  }

  /** The id added last under `key` and still held, or -1. */
  last(key: number): number {
    const v = key < this.slots.length ? this.slots[key] : 0;
    if (v === 0) return -1;
    if (v > 0) return v - 1;
    const list = this.lists[-v - 1];
    return list[list.length - 1];
  }

  clear(): void {
    this.slots = new Int32Array(1 << 12);
    this.lists.length = 0;
    this.freeLists.length = 0;
    this.keysHeld = 0;
  }

  /** How many keys are held (kept as keys come and go: no count walks the slots). */
  get size(): number {
    return this.keysHeld;
  }

  /** Ids of the keys held. */
  *keys(): IterableIterator<number> {
    for (let k = 0; k < this.slots.length; k++) if (this.slots[k] !== 0) yield k;
  }
}
