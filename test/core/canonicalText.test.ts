import * as assert from 'node:assert/strict';
import { canonicalJson } from '../../shared/canonicalJson';
import { canonicalValueEnd } from '../../shared/json/canonicalText';

/** Whether the check takes `text` as canonical (the whole of it). */
function taken(text: string): boolean {
  return canonicalValueEnd(text, 0) === text.length;
}

describe('canonical JSON text', () => {
  it('takes text exactly as canonicalJson writes it, and ends where the value ends', () => {
    for (const value of [{ a: [1, -2, 0, { c: null, d: true }], b: 'x\n"\\\u001b\u007f', é: 'ü 😀' }, [], {}, 'plain', 12345, false, [[[]]]]) {
      assert.ok(taken(canonicalJson(value)), canonicalJson(value));
    }
    assert.equal(canonicalValueEnd('{"event":{"a":1},"prev_hash":"x"}', 9), 16);
  });

  it('says no to anything canonicalJson would write otherwise', () => {
    const rewritten = [
      '{"b":1,"a":2}', // key order
      '{"a":1,"a":2}', // a key twice: JSON.parse keeps the last
      '{"a": 1}', // white space
      '[1, 2]',
      '"\\/"', // escapes JSON.stringify does not write
      '"\\u0041"',
      '"\\u001B"',
      '"\\u000a"',
      '1.0', // numbers it writes another way
      '1E2',
      '-0',
      '12345678901234567891',
      '1e400',
    ];
    for (const text of rewritten) {
      assert.notEqual(canonicalJson(JSON.parse(text)), text);
      assert.equal(canonicalValueEnd(text, 0), -1, text);
    }
  });

  it('orders keys by code point, not UTF-16 unit', () => {
    assert.ok(taken('{"\uFF61":2,"\u{1F600}":1}'));
    assert.ok(!taken('{"\u{1F600}":1,"\uFF61":2}'));
  });

  it('leaves what it would have to decode or recurse far into to the caller', () => {
    assert.ok(!taken('{"\\n":1}')); // a key with an escape
    assert.ok(!taken('"\\ud800"')); // a lone surrogate, as JSON.stringify escapes it
    const deep = '['.repeat(100) + ']'.repeat(100);
    assert.equal(canonicalJson(JSON.parse(deep)), deep);
    assert.ok(!taken(deep));
  });

  it('never takes text canonicalJson would not write back the same (random values and their other spellings)', () => {
    const leaves = ['a', 'é', '\u0001', '\n', '"', '\\', '/', '\u2028', '😀', '\ud800', 1, 0, -0, 1.5, 1e21, 1e-7, 2 ** 60, -5, true, null, [], {}];
    const keys = ['b', 'a', 'é', '10', '9', '😀', '\uffff', 'aa', '', 'a\nb'];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const value = (depth: number): unknown => {
      const r = random(10);
      if (depth > 3 || r < 4) return leaves[random(leaves.length)];
      if (r < 7) return Array.from({ length: random(4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let k = random(5); k > 0; k--) o[keys[random(keys.length)]] = value(depth + 1);
      return o;
    };
    let takenCount = 0;
    for (let n = 0; n < 5000; n++) {
      const v = value(0);
      for (const text of [canonicalJson(v), JSON.stringify(v), JSON.stringify(v, null, 1)]) {
        const end = canonicalValueEnd(text + ' ', 0);
        if (end < 0) continue;
        takenCount++;
        assert.equal(end, text.length);
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }
    }
    assert.ok(takenCount > 5000);
  });
});
