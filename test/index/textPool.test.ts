// The text pool keeps the strings tables' strings as WTF-8 bytes by id: every JS string must
// come back exactly as it went in, and two different strings must never share an id (names
// that differ only in a character outside ASCII, a lone surrogate, or their length).
import * as assert from 'node:assert/strict';
import { TextPool } from '../../shared/index/textPool';

describe('index text pool', () => {
  it('gives each string one id in the order first seen, finds it without adding, and gives it back exactly', () => {
    const strings = [
      '',
      'run-1',
      'run-10',
      'run-1 ',
      'é',
      'e\u0301',
      'naïve/köln',
      '日本語のキー',
      '😀 emoji',
      '\uD83D', // a lone high surrogate
      '\uDE00', // a lone low surrogate
      '\uDE00\uD83D', // the two the wrong way round
      'Ã©', // the Latin-1 reading of é's UTF-8 bytes
      'x'.repeat(20_000),
      'x'.repeat(20_001),
    ];
    const pool = new TextPool();
    strings.forEach((s, i) => assert.equal(pool.id(s), i, JSON.stringify(s)));
    strings.forEach((s, i) => {
      assert.equal(pool.id(s), i, `${JSON.stringify(s)} again`);
      assert.equal(pool.find(s), i);
      assert.equal(pool.text(i), s);
    });
    assert.equal(pool.size, strings.length);
    for (const s of ['run-2', 'e', '\uD83D\uDE00', 'x'.repeat(19_999)]) assert.equal(pool.find(s), undefined, JSON.stringify(s));
    assert.equal(pool.size, strings.length, 'find added nothing');
  });

  it('holds 300k keys that differ only in their last characters, growing its bytes, columns and slots as they come', () => {
    const pool = new TextPool();
    const key = (n: number) => (n % 3 ? `turn:run-${n}` : `pkg:ünïcode-${n}`);
    for (let n = 0; n < 300_000; n++) assert.equal(pool.id(key(n)), n);
    for (let n = 0; n < 300_000; n += 7) {
      assert.equal(pool.find(key(n)), n);
      assert.equal(pool.text(n), key(n));
    }
    assert.equal(pool.find(key(300_000)), undefined);
  });
});
