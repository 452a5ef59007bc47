// The demo's ambiguous ref needs two digests sharing 8 hex digits; the search that finds them
// is checked here against plain hashing of every candidate.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonicalJson';
import { prefixTwins, TWIN_PREFIX_HEX } from '../../shared/demo/prefixTwins';

const doc = { schema: 'test.v1', nonce: 0, note: 'any other fields stay as they are', nested: { a: [1, 2] } };
const digest = (nonce: number) => createHash('sha256').update(canonicalJson({ ...doc, nonce })).digest('hex');

describe('demo prefix twins', function () {
  this.timeout(30000);

  it('finds the first two values of the field whose digests share the prefix', () => {
    const [a, b] = prefixTwins(doc, 'nonce');
    assert.ok(a < b);
    assert.equal(digest(a).slice(0, TWIN_PREFIX_HEX), digest(b).slice(0, TWIN_PREFIX_HEX));
    assert.notEqual(digest(a), digest(b));
    // No earlier pair: every value before b has a prefix of its own, except a.
    const seen = new Map<string, number>();
    for (let n = 0; n < b; n++) {
      const prefix = digest(n).slice(0, TWIN_PREFIX_HEX);
      assert.equal(seen.get(prefix), undefined, `${seen.get(prefix)} and ${n} share ${prefix}`);
      seen.set(prefix, n);
    }
    assert.equal(seen.get(digest(b).slice(0, TWIN_PREFIX_HEX)), a);
  });

  it('takes a known pair only when it still holds for the document', () => {
    const found = prefixTwins(doc, 'nonce');
    assert.deepEqual(prefixTwins(doc, 'nonce', found), found);
    // A pair found for another version of the document is searched again.
    assert.deepEqual(prefixTwins(doc, 'nonce', [found[0] + 1, found[1] + 1]), found);
    assert.deepEqual(prefixTwins(doc, 'nonce', [found[0], found[0]]), found);
  });

  it('refuses a field that cannot be varied alone', () => {
    assert.throws(() => prefixTwins({ a: 987654321012345, nonce: 0 }, 'nonce'), /cannot vary/);
  });
});
