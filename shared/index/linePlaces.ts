// Distinct places (a file id and a line) counted up to a limit, for the hover's "Referenced by":
// as one growing list of numbers, sorted and made distinct when it reaches the limit and at the
// end, where a Set of lines per file cost ~18 KB of garbage a first hover.
import { lowerBound } from './lowerBound';

/**
 * A place as one number, exact in a float64 for file ids below 2^24 (16.7M files) and lines
 * below 2^29 (a 536M-line log); past those two places may count as one, never more.
 */
const FILE_SHIFT = 2 ** 29;
/** Places added between two sorts at least, so a limit nearly reached is not a sort per add. */
const BATCH = 256;

export class LinePlaces {
  private places: number[] = [];
  /** The places counted so far, distinct, in order (made by settle()). */
  private distinct = new Float64Array(0);
  private lastFile = -1;
  private lastLine = -1;

  constructor(private readonly limit: number) {}

  /**
   * Counts a place (once however often it is added); false once `limit` distinct places are
   * counted (found at most a few hundred adds late: the list is made distinct in batches).
   */
  add(file: number, line: number): boolean {
    // A file's rows of one key come in order: a line cited twice is usually cited twice in a row.
    if (file === this.lastFile && line === this.lastLine) return true;
    this.lastFile = file;
    this.lastLine = line;
    this.places.push(file * FILE_SHIFT + line);
    return this.places.length < Math.max(this.limit - this.distinct.length, BATCH) || this.settle() < this.limit;
  }

  /** Whether the place was counted (after the last add). */
  has(file: number, line: number): boolean {
    this.settle();
    const value = file * FILE_SHIFT + line;
    const at = lowerBound(this.distinct, value);
    return at < this.distinct.length && this.distinct[at] === value;
  }

  /** How many distinct places are counted (at most `limit`). */
  get count(): number {
    return Math.min(this.settle(), this.limit);
  }

  /** Sorts the places and keeps each once; returns how many there are. */
  private settle(): number {
    if (this.places.length === 0) return this.distinct.length;
    const all = new Float64Array(this.distinct.length + this.places.length);
    all.set(this.distinct);
    for (let i = 0; i < this.places.length; i++) all[this.distinct.length + i] = this.places[i];
    all.sort();
    let n = 0;
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i];
    this.distinct = all.subarray(0, n);
    this.places = [];
    return n;
  }
}
