import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { align } from '../../shared/trace/align';
import { jsonChanges } from '../../shared/trace/jsonDiff';

/** LCS length by the textbook table, to check the aligner against. */
function lcsLength(a: string[], b: string[]): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
  return t[a.length][b.length];
}

describe('trace alignment', () => {
  it('pairs a longest common subsequence, keeps both orders, and leaves out nothing', () => {
    const seq = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        const pairs = align(a, b);
        const matched = pairs.filter(([i, j]) => i >= 0 && j >= 0);
        assert.ok(matched.every(([i, j]) => a[i] === b[j]));
        assert.equal(matched.length, lcsLength(a, b));
        assert.deepEqual(pairs.map(([i]) => i).filter((i) => i >= 0), a.map((_, i) => i));
        assert.deepEqual(pairs.map(([, j]) => j).filter((j) => j >= 0), b.map((_, j) => j));
      }),
      { numRuns: 500 },
    );
  });

  it('aligns an inserted and a dropped step', () => {
    assert.deepEqual(align(['start', 'req', 'resp', 'end'], ['start', 'req', 'tool', 'resp']), [
      [0, 0],
      [1, 1],
      [-1, 2],
      [2, 3],
      [3, -1],
    ]);
  });
});

describe('JSON changes', () => {
  it('lists the paths that differ with both values, a path on one side only without the other', () => {
    const r = jsonChanges({ model: 'a', usage: { total: 1 }, tools: ['x', 'y'], 'odd key': 1 }, { model: 'b', usage: { total: 1 }, tools: ['x'], extra: null, 'odd key': 2 }, 10);
    assert.deepEqual(r.changes, [
      { path: '$.model', a: 'a', b: 'b' },
      { path: '$.tools[1]', a: 'y' },
      { path: '$["odd key"]', a: 1, b: 2 },
      { path: '$.extra', b: null },
    ]);
    assert.equal(r.more, 0);
  });

  it('counts what it leaves out past the limit, and compares deep documents without recursion', () => {
    let a: unknown = 1;
    let b: unknown = 2;
    for (let i = 0; i < 100_000; i++) {
      a = [a];
      b = [b];
    }
    assert.equal(jsonChanges(a, b, 5).changes[0].path.length, 1 + 3 * 100_000);
    assert.deepEqual(jsonChanges({ x: [1, 2, 3] }, { x: [4, 5, 6] }, 2), { changes: [{ path: '$.x[0]', a: 1, b: 4 }, { path: '$.x[1]', a: 2, b: 5 }], more: 1 });
  });
});
