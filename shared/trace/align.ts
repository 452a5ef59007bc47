// A longest common subsequence of two key sequences, as an aligned list of pairs (Myers'
// O((N+M)D) greedy algorithm): two runs of the same agent differ in a few steps, so D is small
// where an N x M table would hold 10^8 cells for two runs of 10k steps. The common prefix and
// suffix are matched before the search.

/** [index in a, index in b]; -1 where the other side has no counterpart. In order. */
export type Alignment = [number, number][];

export function align(a: readonly string[], b: readonly string[]): Alignment {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const out: Alignment = [];
  for (let i = 0; i < pre; i++) out.push([i, i]);
  const middle = myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf));
  for (const [i, j] of middle) out.push([i < 0 ? -1 : i + pre, j < 0 ? -1 : j + pre]);
  for (let s = suf; s > 0; s--) out.push([a.length - s, b.length - s]);
  return out;
}

function myers(a: readonly string[], b: readonly string[]): Alignment {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  if (max === 0) return [];
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // rounds[d]: the furthest x on each diagonal k in [-d, d] after round d, kept for the walk back.
  const rounds: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) found = d;
    }
    rounds.push(v.slice(offset - d, offset + d + 1));
  }
  const rev: Alignment = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = rounds[d - 1];
    const at = (k: number) => prev[k + d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    // The snake after the edit, walked back.
    const edgeX = prevK === k + 1 ? prevX : prevX + 1;
    while (x > edgeX) rev.push([--x, --y]);
    if (prevK === k + 1) rev.push([-1, prevY]);
    else rev.push([prevX, -1]);
    x = prevX;
    y = prevY;
  }
  while (x > 0) rev.push([--x, --y]);
  return rev.reverse();
}
