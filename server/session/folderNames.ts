// The names of one watched folder as last listed (treeWatcher.ts). A content-addressed name
// (`<64 hex>` and an extension) is kept as its digest's 32 bytes, in a DigestTable per extension,
// with a byte saying whether it is still there: ~40 bytes a name, where a string in a Set took
// ~110-190. At 1M artifacts the watcher's Sets held ~130 MB of its heap after a collection and
// ~260 MB at its peak. Any other name stays a string.
//
// A listing of the folder again marks each name it finds (mark), then takes out those it did not
// find (takeUnmarked): no string is made for a name still there.
import { DigestTable } from '../../shared/index/digestTable';
import { HEX64_FILE } from '../../shared/index/walkRules';

/** The digests of one extension: ids in the table, which of them are present, and which the current listing found. */
interface Digests {
  table: DigestTable;
  present: Uint8Array;
  marked: Uint8Array;
}

export class FolderNames {
  private readonly othersNames = new Set<string>();
  /** Other names the current listing found. */
  private readonly othersMarked = new Set<string>();
  /** By the name's extension (with its dot; '' for none). */
  private readonly byExtension = new Map<string, Digests>();

  add(name: string): void {
    if (HEX64_FILE.test(name)) this.digestOf(name);
    else this.othersNames.add(name);
  }

  delete(name: string): void {
    if (!HEX64_FILE.test(name)) {
      this.othersNames.delete(name);
      return;
    }
    const digests = this.byExtension.get(name.slice(64));
    const id = digests?.table.find(name.slice(0, 64));
    if (id !== undefined) digests!.present[id] = 0;
  }

  /** Every name present, made anew (a string per name: see takeUnmarked for a listing). */
  *names(): Generator<string> {
    yield* this.othersNames;
    for (const [extension, { table, present }] of this.byExtension) {
      for (let id = 0; id < table.size; id++) if (present[id] === 1) yield table.hex(id) + extension;
    }
  }

  /** The names that are not content-addressed (no string made). */
  others(): Iterable<string> {
    return this.othersNames;
  }

  /** Starts a listing of the folder: no name is marked. */
  startListing(): void {
    this.othersMarked.clear();
    for (const digests of this.byExtension.values()) digests.marked.fill(0);
  }

  /** Marks `name` as found by the current listing, adding it. Whether it was there before. */
  mark(name: string): boolean {
    if (!HEX64_FILE.test(name)) {
      this.othersMarked.add(name);
      if (this.othersNames.has(name)) return true;
      this.othersNames.add(name);
      return false;
    }
    const { digests, id, was } = this.digestOf(name);
    digests.marked[id] = 1;
    return was;
  }

  /** Takes out the names the current listing did not find, and gives them. */
  takeUnmarked(): string[] {
    const gone: string[] = [];
    for (const name of this.othersNames) {
      if (this.othersMarked.has(name)) continue;
      this.othersNames.delete(name);
      gone.push(name);
    }
    this.othersMarked.clear();
    for (const [extension, { table, present, marked }] of this.byExtension) {
      for (let id = 0; id < table.size; id++) {
        if (present[id] !== 1 || marked[id] === 1) continue;
        present[id] = 0;
        gone.push(table.hex(id) + extension);
      }
    }
    return gone;
  }

  /** Adds content-addressed `name`: where it is held, and whether it was there. */
  private digestOf(name: string): { digests: Digests; id: number; was: boolean } {
    const extension = name.slice(64);
    let digests = this.byExtension.get(extension);
    if (!digests) this.byExtension.set(extension, (digests = { table: new DigestTable(), present: new Uint8Array(1024), marked: new Uint8Array(1024) }));
    const id = digests.table.id(name, 0);
    if (id >= digests.present.length) {
      digests.present = grownTo(digests.present, id);
      digests.marked = grownTo(digests.marked, id);
    }
    const was = digests.present[id] === 1;
    digests.present[id] = 1;
    return { digests, id, was };
  }
}

/** `bytes` with room past index `i`, doubled. */
function grownTo(bytes: Uint8Array, i: number): Uint8Array {
  let length = bytes.length;
  while (length <= i) length *= 2;
  const grown = new Uint8Array(length);
  grown.set(bytes);
  return grown;
}
