import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from '../../shared/canonicalJson';
import { canonicalLexemeJson, JsonNumber, JsonSyntaxError, parseLexemeJson } from '../../shared/json/lexemeJson';
import { prettyPreview } from '../../shared/json/prettyPreview';

describe('readers: lexeme JSON', () => {
  it('keeps number lexemes exactly as written', () => {
    const text = '{"b": 1.0, "a": [1e5, -0.5E-3, 12345678901234567891, 0]}';
    assert.equal(canonicalLexemeJson(parseLexemeJson(text)), '{"a":[1e5,-0.5E-3,12345678901234567891,0],"b":1.0}');
  });

  it('sorts keys by code point, not by UTF-16 unit', () => {
    // U+FF61 sorts before U+1F600 by code point, after it by UTF-16 code unit.
    const text = JSON.stringify({ '\u{1F600}': 1, '\uFF61': 2 });
    assert.equal(canonicalLexemeJson(parseLexemeJson(text)), '{"\uFF61":2,"\u{1F600}":1}');
  });

  it('matches canonicalJson on any JSON whose numbers JS prints canonically', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v, null, 1);
        assert.equal(canonicalLexemeJson(parseLexemeJson(text)), canonicalJson(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('escapes like Python ensure_ascii=True when asked', () => {
    const v = parseLexemeJson('{"note": "caf\\u00e9 \\u2713 \\ud83d\\ude00 \\u007f"}');
    assert.equal(canonicalLexemeJson(v, { asciiOnly: true }), '{"note":"caf\\u00e9 \\u2713 \\ud83d\\ude00 \\u007f"}');
    assert.equal(canonicalLexemeJson(v), '{"note":"café ✓ 😀 \u007f"}');
  });

  it('a later duplicate key wins and __proto__ is an ordinary key', () => {
    const v = parseLexemeJson('{"__proto__": 1, "a": 1, "a": 2}');
    assert.equal(canonicalLexemeJson(v), '{"__proto__":1,"a":2}');
  });

  it('parses and re-serialises 100k-deep nesting without a stack overflow', () => {
    const depth = 100_000;
    const text = '['.repeat(depth) + '1.0' + ']'.repeat(depth);
    assert.equal(canonicalLexemeJson(parseLexemeJson(text)), text);
    const objects = '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth);
    assert.equal(canonicalLexemeJson(parseLexemeJson(objects)), objects);
  });

  it('rejects malformed JSON with the offset of the fault', () => {
    for (const [bad, offset] of [
      ['{"a": 1,}', 8],
      ['[1 2]', 3],
      ['{"a" 1}', 5],
      ['"abc', 4],
      ['[01]', 2],
      ['{"a": 1} x', 9],
      ['', 0],
    ] as const) {
      assert.throws(() => parseLexemeJson(bad), (e: unknown) => e instanceof JsonSyntaxError && e.offset === offset, bad);
    }
  });

  it('exposes numbers as JsonNumber', () => {
    const v = parseLexemeJson('[1.50]') as unknown[];
    assert.ok(v[0] instanceof JsonNumber);
    assert.equal((v[0] as JsonNumber).lexeme, '1.50');
  });
});

describe('readers: preview', () => {
  it('re-indents minified JSON and stops at 20 lines', () => {
    const text = canonicalJson({ a: 1, b: { c: [1, 2], d: 'x,y:{z}' }, e: [] });
    assert.equal(prettyPreview(text), '{\n  "a": 1,\n  "b": {\n    "c": [\n      1,\n      2\n    ],\n    "d": "x,y:{z}"\n  },\n  "e": []\n}');
    const long = canonicalJson({ items: Array.from({ length: 100 }, (_, i) => i) });
    assert.equal(prettyPreview(long).split('\n').length, 20);
  });

  it('caps by size on one huge line and keeps raw first lines of non-JSON', () => {
    assert.ok(prettyPreview(JSON.stringify('x'.repeat(100_000))).length <= 2048);
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    assert.equal(prettyPreview(lines), lines.split('\n').slice(0, 20).join('\n'));
  });
});
