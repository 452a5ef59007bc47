// How the store's typed-array columns keep room for new rows. A column that grows copies every
// row it has: 0.9 s in one piece for the ~1M rows of a 100k-artifact workspace, on the thread
// that answers hovers. So the columns never give back all their room (settle keeps some), and
// the update path makes room ahead of a batch of new rows with a copy taken a slice at a time
// (makeRoom), while requests go on reading the old arrays: nothing else writes the columns
// while an update waits for the copy. Growth inside a write stays as the fallback.
import { ROWS_PER_PAUSE } from './timeSlices';

export type Column = Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

/** Room that settle leaves beyond the rows in use: a tenth of them (~20k events an agent writes at 100k artifacts). */
export function settledRoom(used: number, min: number): number {
  return Math.max(min, Math.ceil(used * 1.1));
}

/** Whether settle should give room back: when more than a fifth of the column is spare. */
export function tooRoomy(capacity: number, used: number, min: number): boolean {
  return capacity > min && (capacity - used) * 5 > capacity;
}

/** The capacity to grow to so that `need` more rows fit, or undefined when they fit already. */
export function roomFor(capacity: number, used: number, need: number): number | undefined {
  return used + need <= capacity ? undefined : Math.ceil((used + need) * 1.5);
}

/**
 * Elements copied between two pauses: 64-128 KB. The copy lands in fresh pages, and here a page
 * fault costs ~20 us, so a slice of 1 MB (the 256k elements this was) took 5-30 ms.
 */
const COPY_SLICE = 4 * ROWS_PER_PAUSE;

/** `a` copied into a column of `size` elements, its first `used` a slice at a time with `pause` between. */
export async function grownInSlices<T extends Column>(a: T, used: number, size: number, pause: () => Promise<void>): Promise<T> {
  const next = new (a.constructor as new (n: number) => T)(size);
  for (let at = 0; at < used; at += COPY_SLICE) {
    next.set(a.subarray(at, Math.min(used, at + COPY_SLICE)), at);
    await pause();
  }
  return next;
}
