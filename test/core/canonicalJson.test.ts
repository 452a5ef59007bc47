import * as assert from 'node:assert/strict';
import { canonicalJson, compareCodePoints } from '../../shared/canonicalJson';

describe('canonical JSON', () => {
  it('sorts keys at every level and drops whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'x' }], c: null } }), '{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}');
  });

  it('orders keys by code point, not UTF-16 unit', () => {
    // U+FF61 sorts before U+1F600 by code point, but after its surrogate pair by UTF-16 unit.
    const astral = '\u{1F600}';
    const bmp = '\uFF61';
    assert.ok(compareCodePoints(bmp, astral) < 0);
    assert.equal(canonicalJson({ [astral]: 1, [bmp]: 2 }), `{"${bmp}":2,"${astral}":1}`);
  });

  it('keeps non-ASCII text as UTF-8, not escapes', () => {
    assert.equal(canonicalJson({ t: 'héllo' }), '{"t":"héllo"}');
  });
});
