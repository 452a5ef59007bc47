import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DigestTable } from '../../shared/index/digestTable';
import { mergeInSteps, mergeSorted, sortInSteps } from '../../shared/index/sortedSteps';
import { runSteps } from '../../shared/index/timeSlices';

const digests = (n: number, salt: string) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${salt}${i}`).digest('hex'));

describe('index sorted lists as steps', () => {
  it('sorts and merges digest ids in the order of their hex, in many steps, at every length around a run', function () {
    this.timeout(10_000);
    const table = new DigestTable();
    const order = (a: number, b: number) => table.compare(a, b);
    const ids = (hex: string[]) => Int32Array.from(hex, (h) => table.id(h));
    const hexOf = (list: ArrayLike<number>) => Array.from(list, (id) => table.hex(id));
    for (const n of [0, 1, 4095, 4096, 4097, 20_000]) {
      const list = digests(n, `s${n}`);
      // Repeats too: an id written twice sorts beside itself.
      if (n > 10) list[3] = list[7];
      const expected = list.slice().sort();
      const steps = sortInSteps(ids(list), order);
      let taken = 0;
      let next = steps.next();
      for (; !next.done; next = steps.next()) taken++;
      assert.deepEqual(hexOf(next.value), expected, `${n} sorted`);
      if (n >= 20_000) assert.ok(taken > 10, `${taken} steps for ${n}`);
    }
    const a = digests(9000, 'a').sort();
    const b = digests(3000, 'b').sort();
    assert.deepEqual(hexOf(runSteps(mergeInSteps(ids(a), ids(b), order))), a.concat(b).sort());
    assert.deepEqual(hexOf(mergeSorted([], ids(b), order)), b);
    assert.deepEqual(hexOf(mergeSorted(ids(a), [], order)), a);
  });

  it('compares a digest with a hex prefix of any length, odd ones included, without making its hex', () => {
    const table = new DigestTable();
    const hex = digests(1, 'p')[0];
    const id = table.id(hex);
    for (let n = 0; n <= 64; n++) assert.equal(table.comparePrefix(id, hex.slice(0, n)), 0, `its own ${n}-digit prefix`);
    const digit = (c: string, by: number) => '0123456789abcdef'['0123456789abcdef'.indexOf(c) + by];
    for (const at of [0, 1, 2, 33, 63]) {
      if (hex[at] !== 'f') assert.ok(table.comparePrefix(id, hex.slice(0, at) + digit(hex[at], 1)) < 0, `below a prefix one more at ${at}`);
      if (hex[at] !== '0') assert.ok(table.comparePrefix(id, hex.slice(0, at) + digit(hex[at], -1)) > 0, `above a prefix one less at ${at}`);
    }
    assert.ok(DigestTable.isPrefix('') && DigestTable.isPrefix('0a9') && DigestTable.isPrefix(hex));
    assert.ok(!DigestTable.isPrefix('0A9') && !DigestTable.isPrefix('0g') && !DigestTable.isPrefix(hex + '0') && !DigestTable.isPrefix('é'));
  });
});
