// Binary search over a sorted column or list: the index's sorted lookups (digest prefixes,
// the key index's hashes) all start at the first element not below a value.

/** The index of the first element of `sorted` that is not less than `value` (its length if none). */
export function lowerBound<T extends number | string>(sorted: ArrayLike<T>, value: T): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
