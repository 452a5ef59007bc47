// Sorting and merging sorted lists of strings (the index's sorted digests) as steps
// (timeSlices.ts): an update sorts or merges 100k+ digests with turns of the event loop between
// steps, where Array.prototype.sort would take half a second in one piece.
import { ROWS_PER_PAUSE, runSteps, type Steps } from './timeSlices';

/** Two sorted lists as one. */
export function mergeSorted(a: string[], b: string[]): string[] {
  return runSteps(mergeInSteps(a, b));
}

/** mergeSorted as steps of about ROWS_PER_PAUSE strings. */
export function* mergeInSteps(a: readonly string[], b: readonly string[]): Steps<string[]> {
  const out = new Array<string>(a.length + b.length);
  yield* mergeRuns(a, 0, a.length, b, 0, b.length, out, 0);
  return out;
}

/** Merges the sorted runs a[i, iEnd) and b[j, jEnd) into `out` from `k` on, a step every ROWS_PER_PAUSE strings. */
function* mergeRuns(a: readonly string[], i: number, iEnd: number, b: readonly string[], j: number, jEnd: number, out: string[], k: number): Steps {
  for (let n = 1; i < iEnd || j < jEnd; n++) {
    out[k++] = j >= jEnd || (i < iEnd && a[i] <= b[j]) ? a[i++] : b[j++];
    if (n % ROWS_PER_PAUSE === 0) yield;
  }
}

/** Sorts `list` (consumed) as steps: runs of a few thousand sorted natively, then merged pairwise. */
export function* sortInSteps(list: string[]): Steps<string[]> {
  const run = ROWS_PER_PAUSE;
  for (let i = 0; i < list.length; i += run) {
    const part = list.slice(i, i + run).sort();
    for (let k = 0; k < part.length; k++) list[i + k] = part[k];
    yield;
  }
  let from = list;
  let to = new Array<string>(list.length);
  for (let width = run; width < list.length; width *= 2) {
    for (let lo = 0; lo < list.length; lo += 2 * width) {
      const mid = Math.min(lo + width, list.length);
      yield* mergeRuns(from, lo, mid, from, mid, Math.min(lo + 2 * width, list.length), to, lo);
    }
    [from, to] = [to, from];
  }
  return from;
}
