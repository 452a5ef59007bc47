import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseRef } from '../../shared/refs/parseRef';
import { refKey } from '../../shared/refs/scanner';

const H = createHash('sha256').update('parse').digest('hex');

function key(input: string): string | undefined {
  const m = parseRef(input);
  return m && refKey(m);
}

describe('parseRef', () => {
  it('accepts every form a user can type, with surrounding space or quotes', () => {
    assert.equal(key(`sha256:${H}`), `sha256:${H}`);
    assert.equal(key(`  sha256:${H}\n`), `sha256:${H}`);
    assert.equal(key(`"sha256:${H}"`), `sha256:${H}`);
    assert.equal(key(`'sha256:${H}'`), `sha256:${H}`);
    assert.equal(key(`sha256:${H.slice(0, 10)}`), `sha256:${H.slice(0, 10)}`);
    assert.equal(key(`blake3:${H}`), `blake3:${H}`);
    assert.equal(key('artifact:abc_D-1'), 'artifact:abc_D-1');
    assert.equal(key('{"$artifact": "abc123"}'), 'artifact:abc123');
    assert.equal(key(' {"$artifact":"abc123"} '), 'artifact:abc123');
  });

  it('reads a bare 64-hex digest as a canonical sha256 ref', () => {
    const m = parseRef(H.toUpperCase());
    assert.equal(m?.form, 'canonical');
    assert.equal(m?.value, H);
    assert.equal(m?.upperCase, true);
    assert.equal(parseRef(H)?.upperCase, undefined);
  });

  it('keeps the namespace of namespaced refs', () => {
    const m = parseRef(`ns/sub/sha256:${H}`);
    assert.equal(m?.form, 'namespaced');
    assert.equal(m?.namespace, 'ns/sub');
    assert.equal(m?.invalid, undefined);
    assert.equal(refKey(m!), `sha256:${H}`);
  });

  it('returns invalid refs marked invalid, never as valid ones', () => {
    const cases: [string, RegExp][] = [
      [`../x/sha256:${H}`, /\.\./],
      [`/abs/x/sha256:${H}`, /absolute/],
      [`C:/x/sha256:${H}`, /absolute/],
      [`..\\x/sha256:${H}`, /backslash/],
      [`a\0b/sha256:${H}`, /NUL/],
      [`my ns/sha256:${H}`, /malformed/],
      [`my ns/../x/sha256:${H}`, /\.\./],
      ['artifact:../etc/passwd', /artifact id/],
      ['artifact:', /empty/],
      ['{"$artifact": "../etc/passwd"}', /artifact id/],
      ['{"$artifact": "a\\u002fb"}', /artifact id/],
    ];
    for (const [input, reason] of cases) {
      const m = parseRef(input);
      assert.ok(m, input);
      assert.match(m.invalid ?? '', reason, input);
    }
    assert.equal(parseRef('{"$artifact": "a\\u002fb"}')?.value, 'a/b');
  });

  it('returns undefined for anything that is not exactly one ref', () => {
    for (const input of [
      '',
      '   ',
      'hello',
      H.slice(1),
      `${H}0`,
      `sha256:${H.slice(0, 7)}`,
      `sha256:${H}0`,
      `xsha256:${H}`,
      `sha256:${H} sha256:${H}`,
      `see sha256:${H}`,
      `blake3:${H.slice(0, 20)}`,
      '{"$artifact": 5}',
      '{"other": "x"}',
      '{not json',
      '[1]',
    ]) {
      assert.equal(parseRef(input), undefined, JSON.stringify(input));
    }
  });
});
