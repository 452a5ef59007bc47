import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mergeInSteps, mergeSorted, sortInSteps } from '../../shared/index/sortedSteps';
import { runSteps } from '../../shared/index/timeSlices';

const digests = (n: number, salt: string) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${salt}${i}`).digest('hex'));

describe('index sorted lists as steps', () => {
  it('sorts and merges as Array.prototype.sort does, in many steps, at every length around a run', function () {
    this.timeout(10_000);
    for (const n of [0, 1, 4095, 4096, 4097, 20_000]) {
      const list = digests(n, `s${n}`);
      // Repeats too: an id written twice sorts beside itself.
      if (n > 10) list[3] = list[7];
      const expected = list.slice().sort();
      const steps = sortInSteps(list.slice());
      let taken = 0;
      let next = steps.next();
      for (; !next.done; next = steps.next()) taken++;
      assert.deepEqual(next.value, expected, `${n} sorted`);
      if (n >= 20_000) assert.ok(taken > 10, `${taken} steps for ${n}`);
    }
    const a = digests(9000, 'a').sort();
    const b = digests(3000, 'b').sort();
    assert.deepEqual(runSteps(mergeInSteps(a, b)), a.concat(b).sort());
    assert.deepEqual(mergeSorted([], b), b);
    assert.deepEqual(mergeSorted(a, []), a);
  });
});
