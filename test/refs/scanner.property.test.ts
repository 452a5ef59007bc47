// Property: in random text full of lookalikes (63/65 hex, `sha256:` without enough hex, refs
// glued to identifiers, non-ref JSON keys, paths) and refs written the ways writers do (in URLs,
// with JSON-escaped slashes), the scanner finds exactly the refs planted in it, with exact
// ranges; positions and parseRef agree with it.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRef } from '../../shared/refs/parseRef';
import { RowKind } from '../../shared/refs/scannedRefs';
import { refKey, scanRefRows, scanRefs, toOccurrences } from '../../shared/refs/scanner';

interface Expected {
  start: number;
  end: number;
  form: string;
  value: string;
  namespace?: string;
  invalid: boolean;
  upperCase: boolean;
}

/** A piece of text; `ref` (offsets relative to the piece) when it holds a planted ref. */
interface Piece {
  text: string;
  ref?: Expected;
}

const chars = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
const hex = (min: number, max = min) =>
  fc.oneof(chars('0123456789abcdef', min, max), chars('0123456789abcdefABCDEF', min, max));
const segment = chars('abcXYZ019_.-', 1, 6);
const namespace = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));

function plant(prefix: string, written: string, suffix: string, ref: Omit<Expected, 'start' | 'end'>, lead = 0): Piece {
  const start = prefix.length + lead;
  return { text: prefix + written + suffix, ref: { ...ref, start, end: prefix.length + written.length } };
}

const URLS = [
  'https://registry.example/v2/library/x/blobs/',
  'http://user@host.example:5000/v2/a/manifests/',
  'https://host.example/v2/../../',
  's3://bucket/cas/',
  'file:///var/blobs/',
  'https:\\/\\/registry.example\\/v2\\/x\\/blobs\\/',
];

const wrapper = fc.constantFrom<[string, string]>(['', ''], ['"', '"'], ['{"hash": "', '"}'], ['[', ']'], ['`', '`'], ['(', ').']);
const isUpper = (h: string) => /[A-F]/.test(h);

const planted: fc.Arbitrary<Piece> = fc.oneof(
  fc.tuple(wrapper, hex(64)).map(([[l, r], h]) =>
    plant(l, `sha256:${h}`, r, { form: 'canonical', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  fc.tuple(wrapper, hex(8, 63)).map(([[l, r], h]) =>
    plant(l, `sha256:${h}`, r, { form: 'abbreviated', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  fc.tuple(wrapper, namespace, hex(64)).map(([[l, r], ns, h]) =>
    plant(l, `${ns}/sha256:${h}`, r, {
      form: 'namespaced',
      value: h.toLowerCase(),
      namespace: ns,
      invalid: ns.split('/').some((s) => s === '.' || s === '..'),
      upperCase: isUpper(h),
    }),
  ),
  fc.tuple(fc.constantFrom('../', '/', '/abs/', 'C:/', 'a\\b/', 'x/../', 'a\0/', 'p//'), namespace, hex(64)).map(([bad, ns, h]) =>
    plant('"', `${bad}${ns}/sha256:${h}`, '"', {
      form: 'namespaced',
      value: h.toLowerCase(),
      namespace: bad + ns,
      invalid: true,
      upperCase: isUpper(h),
    }),
  ),
  // JSON writers that escape slashes: `\/` in a namespace means `/`.
  fc.tuple(namespace, hex(64)).map(([ns, h]) =>
    plant('"', `${ns.replaceAll('/', '\\/')}\\/sha256:${h}`, '"', {
      form: 'namespaced',
      value: h.toLowerCase(),
      namespace: ns,
      invalid: ns.split('/').some((s) => s === '.' || s === '..'),
      upperCase: isUpper(h),
    }),
  ),
  // A digest in a URL's path is a plain ref: the path is not a namespace (nor an invalid one).
  fc.tuple(fc.constantFrom(...URLS), fc.oneof(hex(64), hex(8, 63))).map(([url, h]) =>
    plant(`"${url}`, `sha256:${h}`, '"', { form: h.length === 64 ? 'canonical' : 'abbreviated', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  fc.tuple(wrapper, hex(64)).map(([[l, r], h]) =>
    plant(l, `blake3:${h}`, r, { form: 'blake3', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  fc.tuple(fc.constantFrom('sha256', 'blob_sha256', 'request_hash', 'payload_digest', 'X_hash'), chars(' \t', 0, 2), hex(64)).map(
    ([key, ws, h]) => plant(`{"${key}"${ws}:${ws}"`, h, '"}', { form: 'bare', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  fc.oneof(chars('abzAZ09_-', 1, 12), chars('ab./ é~', 0, 8)).map((id) =>
    plant('{"$artifact": "', id, '"}', { form: 'object', value: id, invalid: !/^[A-Za-z0-9_-]+$/.test(id), upperCase: false }),
  ),
  // JSON inside a JSON string: `\"`-quoted keys and values.
  fc.tuple(fc.constantFrom('sha256', 'blob_sha256', 'request_hash', 'x_digest'), hex(64)).map(([key, h]) =>
    plant(`{\\"${key}\\": \\"`, h, '\\"}', { form: 'bare', value: h.toLowerCase(), invalid: false, upperCase: isUpper(h) }),
  ),
  chars('abzAZ09_-', 1, 12).map((id) => plant('{\\"$artifact\\":\\"', id, '\\"}', { form: 'object', value: id, invalid: false, upperCase: false })),
);

const lookalike: fc.Arbitrary<Piece> = fc
  .oneof(
    hex(63),
    hex(65),
    hex(0, 7).map((h) => `sha256:${h}`),
    hex(65, 70).map((h) => `sha256:${h}`),
    fc.tuple(hex(64), chars('ghxyzG_', 1, 2)).map(([h, tail]) => `sha256:${h}${tail}`),
    fc.tuple(chars('xX_9', 1, 1), hex(64)).map(([glue, h]) => `${glue}sha256:${h}`),
    chars('xyz -', 1, 5).map((t) => `sha256:${t}`),
    hex(1, 63).map((h) => `blake3:${h}`),
    hex(65).map((h) => `blake3:${h}`),
    hex(64).map((h) => `{"hash": "${h}"}`),
    hex(64).map((h) => `{"digest": "${h}", "value": "${h}"}`),
    hex(63).map((h) => `{"blob_sha256": "${h}"}`),
    hex(64).map((h) => `{\\"blob_sha256\\": "${h}"}`),
    hex(64).map((h) => `{"blob_sha256": \\"${h}\\"}`),
    fc.constant('{"$artifact": 42}'),
    fc.tuple(namespace, chars('abc.', 1, 5)).map(([ns, f]) => `${ns}/${f}.txt`),
    chars('abc XYZ.,:;!?/é😀𝄞{}[]"\t', 1, 30),
  )
  .map((text) => ({ text }));

const separator = fc.constantFrom(' ', '\n', '\r\n', '\r', ', ', '\t', ' 😀 ', ' é ', ';');

const document = fc.tuple(fc.array(fc.tuple(fc.oneof(planted, lookalike), separator), { maxLength: 25 }), lookalike).map(([pieces, last]) => {
  let text = '';
  const expected: Expected[] = [];
  for (const [piece, sep] of [...pieces, [last, ''] as const]) {
    if (piece.ref) expected.push({ ...piece.ref, start: text.length + piece.ref.start, end: text.length + piece.ref.end });
    text += piece.text + sep;
  }
  return { text, expected };
});

/**
 * JSON lines as logs write them: a few digests (and one upper-case one) recurring under pointer,
 * fingerprint and run keys, as string values, bare values, array elements (beside non-refs) and
 * in JSON held in a JSON string (`\"`-quoted keys), between free text.
 */
const digestPool = fc.constantFrom('a'.repeat(64), 'b'.repeat(63) + 'c', '0123456789abcdef'.repeat(4), 'ABCDEF'.repeat(10) + 'abcd');
const jsonKey = fc.constantFrom('artifact_ref', 'refs', 'prev_hash', 'run_id', 'sha256', 'note', 'input_digest');
const jsonPiece = fc.oneof(
  fc.tuple(jsonKey, digestPool).map(([k, d]) => `"${k}": "sha256:${d}"`),
  fc.tuple(jsonKey, digestPool).map(([k, d]) => `"${k}":"${d}"`),
  fc.tuple(jsonKey, fc.array(fc.oneof(digestPool.map((d) => `"sha256:${d}"`), fc.constant('"x"'), fc.constant('3')), { maxLength: 4 })).map(([k, items]) => `"${k}": [${items.join(', ')}]`),
  fc.tuple(jsonKey, digestPool).map(([k, d]) => `\\"${k}\\": \\"sha256:${d}\\"`),
  fc.tuple(jsonKey, digestPool).map(([k, d]) => `\\"${k}\\":\\"${d}\\"`),
  digestPool.map((d) => `see sha256:${d}.`),
  fc.constant('"seq": 7'),
);
const jsonLines = fc.array(fc.array(jsonPiece, { maxLength: 5 }).map((pieces) => `{${pieces.join(', ')}}`), { maxLength: 8 }).map((lines) => lines.join('\n'));

function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return [before.length - 1, before[before.length - 1].length];
}

describe('ref scanner properties', () => {
  it('finds exactly the planted refs, with exact ranges', () => {
    fc.assert(
      fc.property(document, ({ text, expected }) => {
        const actual = scanRefs(text).map((m) => {
          const e: Expected = { start: m.start, end: m.end, form: m.form, value: m.value, invalid: !!m.invalid, upperCase: !!m.upperCase };
          if (m.namespace !== undefined) e.namespace = m.namespace;
          assert.equal(m.text, text.slice(m.start, m.end));
          return e;
        });
        assert.deepEqual(actual, expected);
      }),
      { numRuns: 400 },
    );
  });

  it('scanned into rows (an open document), gives exactly the matches scanRefs gives, keys included', () => {
    fc.assert(
      fc.property(fc.oneof(document.map((d) => d.text), jsonLines), (text) => {
        const expected = scanRefs(text);
        const rows = scanRefRows(text);
        assert.deepEqual(rows.matches(), expected);
        for (let row = 0; row < rows.count; row++) {
          assert.equal(rows.jsonKey(row), expected[row].jsonKey);
          assert.equal(rows.firstEndingFrom(expected[row].start), row);
        }
        // The same digest written the same way is one id, and two digests are never one.
        const idOf = new Map<string, number>();
        for (let row = 0; row < rows.count; row++) {
          if (rows.kind(row) === RowKind.Match) continue;
          const hex = expected[row].value;
          assert.equal(idOf.get(hex) ?? rows.idOf(row), rows.idOf(row), hex);
          idOf.set(hex, rows.idOf(row));
        }
        assert.equal(new Set(idOf.values()).size, idOf.size);
      }),
      { numRuns: 400 },
    );
  });

  it('places every occurrence at the line and column an editor shows', () => {
    fc.assert(
      fc.property(document, ({ text }) => {
        const matches = scanRefs(text);
        const occurrences = toOccurrences(text, matches);
        occurrences.forEach((o, i) => {
          const [line, col] = lineCol(text, matches[i].start);
          assert.deepEqual([o.line, o.col, o.endCol - o.col], [line, col, matches[i].end - matches[i].start]);
          assert.equal(o.key, refKey(matches[i]));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('parses the text of every prefixed ref back to the same key and validity', () => {
    fc.assert(
      fc.property(planted, ({ text, ref }) => {
        const [m] = scanRefs(text);
        if (m.form === 'bare' || m.form === 'object') return;
        const parsed = parseRef(m.text);
        assert.ok(parsed, m.text);
        assert.equal(refKey(parsed), refKey(m));
        assert.equal(!!parsed.invalid, ref?.invalid);
      }),
      { numRuns: 300 },
    );
  });
});
