// The refs of an open document as rows of numbers. An agent's 10 MB log holds ~60k refs, nearly
// all a lower-case `sha256:<hex>` or a bare 64-hex value under some key: kept as a match object
// each (with its text, value and key strings) they were ~10 MB of young objects that all
// survived, copied by each scavenge on the way to the old space, and diagnostics then hashed each
// ref's text again to find its verdict. Here such a ref is a row (its offsets, its digest as an id
// in a table of this scan's digests, its key as an id), so a verdict is found once per distinct
// digest; any other ref (namespaced, abbreviated, upper-case, blake3, `$artifact`, invalid) is
// kept as the match it was scanned as. A row is made into the same RefMatch on demand (a hover's
// one ref, the refs diagnostics flag), so what the scan answers is what scanRefs answers.
import type { RefForm, RefMatch } from '../records';
import { grown } from '../index/columnRoom';

/** What a row holds. */
export const enum RowKind {
  /** A match object, `idOf(row)` its place in the list of matches. */
  Match = 0,
  /** `sha256:<64 lower-case hex>`, no namespace: `idOf(row)` its digest's id. */
  Canonical = 1,
  /** A bare 64 lower-case hex string value (`"sha256": "<hex>"`, `"…_hash": "<hex>"`): `idOf(row)` its digest's id. */
  Bare = 2,
}

/**
 * The match `text[start, end)` whose value (hex or id) starts at `valueStart`. Its strings are
 * slices sharing the scanned text's memory (cheap, for a scan that is used and dropped);
 * `refKey` and `toOccurrences` copy what the index keeps.
 */
export function makeMatch(text: string, form: RefForm, algo: RefMatch['algo'], start: number, valueStart: number, end: number, upper: boolean): RefMatch {
  const value = text.slice(valueStart, end);
  const written = valueStart === start ? value : text.slice(start, end);
  const m: RefMatch = { form, start, end, text: written, algo, value: upper ? value.toLowerCase() : value };
  if (upper) m.upperCase = true;
  return m;
}

const NONE = -1;

export class ScannedRefs {
  /** How many refs (rows), in text order. */
  count = 0;
  private starts = new Int32Array(16);
  private ends = new Int32Array(16);
  private kinds = new Uint8Array(16);
  private ids = new Int32Array(16);
  private keys = new Int32Array(16);
  private readonly matchList: RefMatch[] = [];
  /**
   * This scan's digests by their hex, each a slice of the text made for the lookup and dropped
   * (but the first of each): V8 hashes and compares it in native code, which took half the time
   * of parsing the hex into bytes for a table of digests (10 MB log: 48k refs, 2k digests).
   */
  private readonly digestIds = new Map<string, number>();
  private readonly keyNames: string[] = [];
  private readonly keyIds = new Map<string, number>();
  /** The last key interned: a log's lines repeat it, so it is compared in place, no string made. */
  private lastKeyName = '';
  private lastKeyId = NONE;

  constructor(readonly text: string) {}

  /** How many distinct digests the rows hold: their ids run from 0 to this. */
  get digestCount(): number {
    return this.digestIds.size;
  }

  addMatch(m: RefMatch): void {
    this.nextRow(m.start, m.end, RowKind.Match, this.matchList.length, NONE);
    this.matchList.push(m);
  }

  /**
   * A digest row: the 64 lower-case hex at `hexStart` (the caller checked them), the JSON key it
   * stands under at `text[keyStart, keyEnd)` (`keyStart` -1: none).
   */
  addDigest(kind: RowKind.Canonical | RowKind.Bare, start: number, end: number, hexStart: number, keyStart: number, keyEnd: number): void {
    const hex = this.text.slice(hexStart, hexStart + 64);
    let id = this.digestIds.get(hex);
    if (id === undefined) this.digestIds.set(hex, (id = this.digestIds.size));
    this.nextRow(start, end, kind, id, keyStart < 0 ? NONE : this.keyId(keyStart, keyEnd));
  }

  start(row: number): number {
    return this.starts[row];
  }

  end(row: number): number {
    return this.ends[row];
  }

  kind(row: number): RowKind {
    return this.kinds[row];
  }

  /** A digest row's digest id, a match row's place in the matches. */
  idOf(row: number): number {
    return this.ids[row];
  }

  /** The JSON key a digest row stands under (undefined in free text); a match row's is the match's. */
  jsonKey(row: number): string | undefined {
    if (this.kinds[row] === RowKind.Match) return this.matchList[this.ids[row]].jsonKey;
    const key = this.keys[row];
    return key === NONE ? undefined : this.keyNames[key];
  }

  /** Row `row` as the RefMatch scanRefs gives for it (a match row's is that match itself). */
  match(row: number): RefMatch {
    const kind = this.kinds[row];
    if (kind === RowKind.Match) return this.matchList[this.ids[row]];
    const start = this.starts[row];
    const m = kind === RowKind.Canonical ? makeMatch(this.text, 'canonical', 'sha256', start, start + 7, this.ends[row], false) : makeMatch(this.text, 'bare', 'sha256', start, start, this.ends[row], false);
    const key = this.keys[row];
    if (key !== NONE) m.jsonKey = this.keyNames[key];
    return m;
  }

  /** Every ref as a RefMatch (references and links need them all). */
  matches(): RefMatch[] {
    const out: RefMatch[] = [];
    for (let row = 0; row < this.count; row++) out.push(this.match(row));
    return out;
  }

  /** The first row ending at or after `offset` (`count` when none does). */
  firstEndingFrom(offset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo;
  }

  private nextRow(start: number, end: number, kind: RowKind, id: number, key: number): number {
    if (this.count === this.starts.length) this.grow();
    const row = this.count++;
    this.starts[row] = start;
    this.ends[row] = end;
    this.kinds[row] = kind;
    this.ids[row] = id;
    this.keys[row] = key;
    return row;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    this.starts = grown(this.starts, size);
    this.ends = grown(this.ends, size);
    this.kinds = grown(this.kinds, size);
    this.ids = grown(this.ids, size);
    this.keys = grown(this.keys, size);
  }

  /** The id of the key `text[start, end)`, interned on first sight. */
  private keyId(start: number, end: number): number {
    const text = this.text;
    const last = this.lastKeyName;
    if (end - start === last.length) {
      let i = 0;
      while (i < last.length && text.charCodeAt(start + i) === last.charCodeAt(i)) i++;
      if (i === last.length && this.lastKeyId !== NONE) return this.lastKeyId;
    }
    const name = text.slice(start, end);
    let id = this.keyIds.get(name);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyNames.push(name);
      this.keyIds.set(name, id);
    }
    this.lastKeyName = name;
    this.lastKeyId = id;
    return id;
  }
}
