// Key id -> ids of the files that mention the key. Most of the 600k keys of a 100k-artifact
// workspace are mentioned by one file: that file sits in the key's slot of one Int32Array
// (4 bytes a key, where a Map entry per key string cost ~22 MB); a key mentioned by several
// files points to a list instead.

/** A slot: 0 no file, f + 1 the one file f, -(l + 1) the list l. */
export class FilesByKey {
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

  add(key: number, file: number): void {
    this.grow(key);
    const v = this.slots[key];
    if (v === 0) {
      this.slots[key] = file + 1;
      this.keysHeld++;
    } else if (v > 0) {
      const l = this.freeLists.pop() ?? this.lists.length;
      this.lists[l] = [v - 1, file];
      this.slots[key] = -(l + 1);
    } else this.lists[-v - 1].push(file);
  }

  delete(key: number, file: number): void {
    const v = key < this.slots.length ? this.slots[key] : 0;
    if (v === file + 1) {
      this.slots[key] = 0;
      this.keysHeld--;
    } else if (v < 0) {
      const list = this.lists[-v - 1];
      const i = list.indexOf(file);
      if (i !== -1) list.splice(i, 1);
      if (list.length === 1) {
        this.slots[key] = list[0] + 1;
        this.lists[-v - 1] = [];
        this.freeLists.push(-v - 1);
      }
    }
  }

  get(key: number): readonly number[] {
    const v = key < this.slots.length ? this.slots[key] : 0;
    return v === 0 ? [] : v > 0 ? [v - 1] : this.lists[-v - 1];
  }

  /** How many keys some file mentions (kept as keys come and go: no count walks the slots). */
  get size(): number {
    return this.keysHeld;
  }

  /** Ids of the keys some file mentions. */
  *keys(): IterableIterator<number> {
    for (let k = 0; k < this.slots.length; k++) if (this.slots[k] !== 0) yield k;
  }
}
