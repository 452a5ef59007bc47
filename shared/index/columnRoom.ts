// How the store's typed-array columns keep room for new rows. A column that grows copies every
// row it has: 0.9 s in one piece for the ~1M rows of a 100k-artifact workspace, on the thread
// that answers hovers. So the columns never give back all their room (settle keeps some), and
// the update path makes room ahead of a batch of new rows with a copy taken a slice at a time
// (makeRoom), while requests go on reading the old arrays: nothing else writes the columns
// while an update waits for the copy. Growth inside a write stays as the fallback.
// Room never written takes no memory: a column grows into a new, zero-filled array, whose pages
// the system backs only once they are written (a large block is mapped afresh: serverEnv.ts).
// So a build's settle copies the live rows together only to drop dead ones, never for room:
// copied to give room back, every live row was held twice for a while (at the end of a 1M
// cold build's read, RSS 916 -> 1,035 MB), and no less memory was kept after.
import { ROWS_PER_PAUSE } from './timeSlices';

export type Column = Float64Array | Int32Array | Int16Array | Uint8Array | Uint16Array | Uint32Array;

/** Room left beyond the rows in use when columns are sized or copied together: a tenth of them unless told (`spare`: see LOADED_SPARE). */
export function settledRoom(used: number, min: number, spare = 0.1): number {
  return Math.max(min, Math.ceil(used * (1 + spare)));
}

/**
 * The spare share a full load of the saved index (the language server's warm start) leaves in
 * the columns an agent's writes land in: its files, paths, artifacts and events. Never written,
 * that room takes no memory (see the top), while each column that outgrows its room is copied,
 * and the new copy is resident beside the old until a full collection: at 100k artifacts an
 * agent's 20k artifacts and events outgrew a tenth, and the file, artifact and event columns'
 * copies came together at the end of its writes (RSS +10-14 MB each, the server-watch session's
 * top). Hash slots (filled, so resident) and the columns' room after a build keep a tenth.
 */
export const LOADED_SPARE = 0.2;

/** Whether more than a fifth of `capacity` is spare (or dead) past the `used` entries. */
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

/**
 * Runs `each` over [0, count()) a slice of COPY_SLICE at a time, with `pause` between. `count`
 * is asked again after each pause, so what was appended meanwhile (a table's new ids: a
 * request may add one) is covered too; the last slice ends without a pause, so the caller
 * swaps its new column in before anything else runs.
 */
export async function inSlices(count: () => number, each: (from: number, to: number) => void, pause: () => Promise<void>): Promise<void> {
  for (let at = 0; ; ) {
    const end = Math.min(count(), at + COPY_SLICE);
    if (end > at) each(at, end);
    at = end;
    if (at >= count()) return;
    await pause();
  }
}

/**
 * `a`, or a copy with room for `used` elements and a tenth (settledRoom) when it has less: the
 * room a full load makes once for what the save told it it brings (SavedTables).
 */
export function withSettledRoom<T extends Column>(a: T, used: number, min = 0, spare?: number): T {
  const size = settledRoom(used, min, spare);
  return size > a.length ? grown(a, size) : a;
}

/** A copy of `a` in a column of `size` elements of the same type (a column grown in one piece). */
export function grown<T extends Column>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/**
 * `a` copied into a column of `size` elements, its first `used` a slice at a time with `pause`
 * between (`used` as a function: a column only appended to while the copy waits, copied to
 * its length at the end: see inSlices).
 */
export async function grownInSlices<T extends Column>(a: T, used: number | (() => number), size: number, pause: () => Promise<void>): Promise<T> {
  const next = new (a.constructor as new (n: number) => T)(size);
  await inSlices(typeof used === 'number' ? () => used : used, (from, to) => next.set(a.subarray(from, to), from), pause);
  return next;
}

/** A column of `size` elements set to `value` (an empty hash slot) a slice at a time, with `pause` between. */
export async function filledInSlices(size: number, value: number, pause: () => Promise<void>): Promise<Int32Array<ArrayBuffer>> {
  const next = new Int32Array(size);
  await inSlices(() => size, (from, to) => next.fill(value, from, to), pause);
  return next;
}

/** The power of two from `size` up (doubling) at which `need` entries keep a hash table at most `load` full. */
export function slotsFor(size: number, need: number, load: number): number {
  while (need > size * load) size *= 2;
  return size;
}
