// Sorting and merging sorted lists of ids (the index's digest ids, in the order of their bytes)
// as steps (timeSlices.ts): an update sorts or merges 100k+ digests with turns of the event loop
// between steps, where a sort in one piece would take half a second. Ids in an Int32Array, not
// the digests' hex strings: 4 bytes a digest where a string cost ~80 (9 MB at 109k artifacts,
// kept for the life of the index).
import { ROWS_PER_PAUSE, runSteps, type Steps } from './timeSlices';

/** An order of ids: negative when `a` goes first. */
export type IdOrder = (a: number, b: number) => number;

/** Two sorted lists as one. */
export function mergeSorted(a: ArrayLike<number>, b: ArrayLike<number>, order: IdOrder): Int32Array {
  return runSteps(mergeInSteps(a, b, order));
}

/** mergeSorted as steps of about ROWS_PER_PAUSE ids. */
export function* mergeInSteps(a: ArrayLike<number>, b: ArrayLike<number>, order: IdOrder): Steps<Int32Array> {
  const out = new Int32Array(a.length + b.length);
  yield* mergeRuns(a, 0, a.length, b, 0, b.length, out, 0, order);
  return out;
}

/** Merges the sorted runs a[i, iEnd) and b[j, jEnd) into `out` from `k` on, a step every ROWS_PER_PAUSE ids. */
function* mergeRuns(a: ArrayLike<number>, i: number, iEnd: number, b: ArrayLike<number>, j: number, jEnd: number, out: Int32Array, k: number, order: IdOrder): Steps {
  for (let n = 1; i < iEnd || j < jEnd; n++) {
    out[k++] = j >= jEnd || (i < iEnd && order(a[i], b[j]) <= 0) ? a[i++] : b[j++];
    if (n % ROWS_PER_PAUSE === 0) yield;
  }
}

/**
 * Ids sorted natively in one step: a run of 4096 took 25-75 ms with the digest comparator
 * (~12 comparisons an id), where a merge step of as many ids compares each once.
 */
const SORTED_RUN = ROWS_PER_PAUSE / 8;

/** Sorts `list` (consumed) as steps: runs of a few hundred sorted natively, then merged pairwise. */
export function* sortInSteps(list: Int32Array, order: IdOrder): Steps<Int32Array> {
  const run = SORTED_RUN;
  for (let i = 0; i < list.length; i += run) {
    list.subarray(i, i + run).sort(order);
    yield;
  }
  let from: Int32Array = list;
  let to: Int32Array = new Int32Array(list.length);
  for (let width = run; width < list.length; width *= 2) {
    for (let lo = 0; lo < list.length; lo += 2 * width) {
      const mid = Math.min(lo + width, list.length);
      yield* mergeRuns(from, lo, mid, from, mid, Math.min(lo + 2 * width, list.length), to, lo, order);
      // Runs shorter than a step's worth of ids take no step inside mergeRuns.
      yield;
    }
    [from, to] = [to, from];
  }
  return from;
}
