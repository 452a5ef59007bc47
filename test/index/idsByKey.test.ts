// Key -> ids as one slot per key and short lists as blocks of one pool (idsByKey.ts): checked
// against a plain Map of arrays through random adds and deletes that take lists through every
// block size, past the longest into a JS array, and back down to one id and none, with blocks
// let go and reused on the way; the same with its slots in a hash (a sparse lookup), whose
// deletes shift keys back, checked against a Map through many keys colliding.
import * as assert from 'node:assert/strict';
import { IdsByKey } from '../../shared/index/idsByKey';
import { HashedSlots } from '../../shared/index/keySlots';
import { seededRandom } from './fixture';

describe('index ids by key', () => {
  for (const sparse of [false, true])
  it(`answers as a Map of lists through random adds and deletes, lists growing past every block and shrinking again${sparse ? ' (slots in a hash)' : ''}`, () => {
    const rnd = seededRandom(7);
    const byKey = new IdsByKey(sparse);
    const model = new Map<number, number[]>();
    let nextId = 0;
    const check = (what: string) => {
      for (const [k, ids] of model) {
        assert.deepEqual([...byKey.get(k)], ids, `${what}: key ${k}`);
        assert.equal(byKey.last(k), ids.length ? ids[ids.length - 1] : -1, `${what}: last of key ${k}`);
      }
      const held = [...model].filter(([, ids]) => ids.length).map(([k]) => k).sort((a, b) => a - b);
      assert.deepEqual([...byKey.keys()], held, what);
      assert.equal(byKey.size, held.length, what);
    };
    for (let step = 0; step < 6000; step++) {
      // Few keys, so lists get long; one key far out, so the slots grow.
      const key = rnd() < 0.02 ? 100_000 : Math.floor(rnd() * 12);
      const ids = model.get(key) ?? [];
      const r = rnd();
      if (r < 0.7) {
        const id = nextId++;
        byKey.add(key, id);
        ids.push(id);
      } else if (r < 0.85 && ids.length) {
        const id = ids[Math.floor(rnd() * ids.length)];
        byKey.delete(key, id);
        ids.splice(ids.indexOf(id), 1);
      } else if (ids.length) {
        // A range of ids: often most of a long list, sometimes none of it.
        const from = ids[Math.floor(rnd() * ids.length)];
        const to = from + Math.floor(rnd() * 60);
        byKey.deleteRange(key, from, to);
        model.set(key, ids.filter((x) => x < from || x >= to));
        if (step % 50 === 0) check(`step ${step}`);
        continue;
      }
      model.set(key, ids);
      if (step % 50 === 0) check(`step ${step}`);
    }
    check('end');
    // Some list went past the blocks into a JS array, and every key ends empty when its ids go.
    byKey.add(3, nextId);
    for (let i = 1; i < 40; i++) byKey.add(3, nextId + i);
    assert.equal(byKey.get(3).length, (model.get(3)?.length ?? 0) + 40);
    for (const k of [...model.keys(), 3]) byKey.deleteRange(k, 0, nextId + 40);
    assert.deepEqual([...byKey.keys()], []);
    assert.equal(byKey.size, 0);
    assert.deepEqual(byKey.get(3), []);
    assert.equal(byKey.last(3), -1);
  });

  it('a short list handed out is a copy: later adds and deletes do not change it', () => {
    const byKey = new IdsByKey();
    byKey.add(1, 10);
    byKey.add(1, 11);
    const before = byKey.get(1);
    byKey.add(1, 12);
    byKey.delete(1, 10);
    assert.deepEqual(before, [10, 11]);
    assert.deepEqual(byKey.get(1), [11, 12]);
  });

  it('hashed slots answer as a Map through random sets and deletes of many keys, the hash growing and keys shifting back', () => {
    const rnd = seededRandom(11);
    const slots = new HashedSlots();
    const model = new Map<number, number>();
    for (let step = 0; step < 40_000; step++) {
      // Ids spread over a million, and a dense run of small ones: runs of places collide both ways.
      const key = rnd() < 0.5 ? Math.floor(rnd() * 3000) : Math.floor(rnd() * 1_000_000);
      if (rnd() < 0.6) {
        const value = 1 + Math.floor(rnd() * 1000);
        slots.set(key, value);
        model.set(key, value);
      } else {
        slots.delete(key);
        model.delete(key);
      }
      if (step % 4000 === 0 || step === 39_999) {
        for (let k = 0; k < 3000; k++) assert.equal(slots.get(k), model.get(k) ?? 0, `step ${step}: key ${k}`);
        for (const [k, v] of model) assert.equal(slots.get(k), v, `step ${step}: key ${k}`);
        assert.deepEqual([...slots.keys()], [...model.keys()].sort((a, b) => a - b), `step ${step}`);
      }
    }
  });
});
