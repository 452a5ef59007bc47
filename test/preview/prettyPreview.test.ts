// The preview's re-indenting finds its tokens by character code, whitespace as a regex's `\s`
// reads it: any whitespace between JSON's tokens (ASCII or Unicode) gives the preview the same
// JSON without it gives, at any line and size limit, also for text that only starts as JSON.
// (test/readers/lexemeJson.test.ts pins the indenting itself.)
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { prettyPreview } from '../../shared/json/prettyPreview';

const SPACES = [' ', '\t', '\r\n', '\v\f', '\u00a0', '\u1680', '\u2003', '\u2028\u2029', '\u202f\u205f', '\u3000', '\ufeff'];

describe('preview: JSON re-indented by character codes', () => {
  it('reads every kind of whitespace between tokens as none', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: SPACES.length - 1 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 400 }), (v, s, maxLines, maxChars) => {
        const compact = JSON.stringify(v);
        const spaced = JSON.stringify(v, null, SPACES[s]);
        for (const [a, b] of [[compact, spaced], [`[${compact}, "tail`, `[ ${spaced} ,${SPACES[s]}"tail`]]) {
          assert.equal(prettyPreview(b, maxLines, maxChars), prettyPreview(a, maxLines, maxChars), JSON.stringify(b));
        }
      }),
      { numRuns: 500 },
    );
  });
});
