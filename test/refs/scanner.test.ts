import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { RefMatch } from '../../shared/records';
import { refKey, scanRefs, toOccurrences } from '../../shared/refs/scanner';

const H = createHash('sha256').update('refscope').digest('hex');
const H2 = createHash('sha256').update('other').digest('hex');

/** The matches as `[form, text]` pairs, for compact expectations. */
function found(text: string): [string, string][] {
  return scanRefs(text).map((m) => [m.form, m.text]);
}

function only(text: string): RefMatch {
  const all = scanRefs(text);
  assert.equal(all.length, 1, `expected one ref in ${JSON.stringify(text)}, got ${JSON.stringify(all)}`);
  return all[0];
}

describe('ref scanner', () => {
  describe('sha256 forms', () => {
    it('finds a canonical ref with its exact range and lower-case value', () => {
      const text = `see "sha256:${H}" here`;
      const m = only(text);
      assert.equal(m.form, 'canonical');
      assert.equal(m.algo, 'sha256');
      assert.equal(m.value, H);
      assert.equal(m.start, 5);
      assert.equal(m.end, 5 + 7 + 64);
      assert.equal(text.slice(m.start, m.end), `sha256:${H}`);
      assert.equal(m.namespace, undefined);
      assert.equal(m.invalid, undefined);
      assert.equal(refKey(m), `sha256:${H}`);
    });

    it('finds abbreviated refs of 8..63 hex and keeps the prefix as the key', () => {
      for (const n of [8, 12, 32, 63]) {
        const m = only(`x sha256:${H.slice(0, n)} y`);
        assert.equal(m.form, 'abbreviated');
        assert.equal(m.value, H.slice(0, n));
        assert.equal(refKey(m), `sha256:${H.slice(0, n)}`);
      }
      assert.deepEqual(found(`sha256:${H.slice(0, 7)}`), []);
      assert.deepEqual(found('sha256:'), []);
    });

    it('accepts upper-case hex, lower-cases the value and flags it', () => {
      const upper = H.toUpperCase();
      const m = only(`sha256:${upper}`);
      assert.equal(m.form, 'canonical');
      assert.equal(m.value, H);
      assert.equal(m.text, `sha256:${upper}`);
      assert.equal(m.upperCase, true);
      const mixed = only(`sha256:${H.slice(0, 10).toUpperCase()}${H.slice(10)}`);
      assert.equal(mixed.upperCase, true);
      assert.equal(only(`sha256:${H}`).upperCase, undefined);
    });

    it('rejects hex runs that continue past 64 and refs glued to identifiers', () => {
      assert.deepEqual(found(`sha256:${H}a`), []);
      assert.deepEqual(found(`sha256:${H}${H}`), []);
      assert.deepEqual(found(`xsha256:${H}`), []);
      assert.deepEqual(found(`_sha256:${H}`), []);
      assert.deepEqual(found(`9sha256:${H}`), []);
      assert.deepEqual(found(`sha256:${H}g`), []);
      assert.deepEqual(found(`sha256:${H}_x`), []);
      assert.deepEqual(found(`sha256:${H.slice(0, 20)}xyz`), []);
      assert.deepEqual(found(`sha256:zz${H}`), []);
    });

    it('accepts refs delimited by punctuation, escapes and text edges', () => {
      assert.deepEqual(found(`sha256:${H}`), [['canonical', `sha256:${H}`]]);
      assert.deepEqual(found(`(sha256:${H}).`), [['canonical', `sha256:${H}`]]);
      assert.deepEqual(found(`image@sha256:${H}`), [['canonical', `sha256:${H}`]]);
      assert.deepEqual(found(`sha256:${H}.json`), [['canonical', `sha256:${H}`]]);
      // JSON escapes end the word before them.
      assert.deepEqual(found(`"a\\nsha256:${H}\\tsha256:${H2}"`), [
        ['canonical', `sha256:${H}`],
        ['canonical', `sha256:${H2}`],
      ]);
      assert.deepEqual(found(`"{\\"ref\\": \\"sha256:${H}\\"}"`), [['canonical', `sha256:${H}`]]);
    });

    it('finds adjacent refs separately', () => {
      assert.deepEqual(found(`sha256:${H},sha256:${H2} sha256:${H2}`), [
        ['canonical', `sha256:${H}`],
        ['canonical', `sha256:${H2}`],
        ['canonical', `sha256:${H2}`],
      ]);
    });
  });

  describe('namespaces', () => {
    it('takes the namespace from where the path starts', () => {
      const text = `{"ref": "prompt_templates/sha256:${H}"}`;
      const m = only(text);
      assert.equal(m.form, 'namespaced');
      assert.equal(m.namespace, 'prompt_templates');
      assert.equal(m.start, text.indexOf('prompt_templates'));
      assert.equal(m.end, text.indexOf('"}'));
      assert.equal(m.value, H);
      assert.equal(m.invalid, undefined);
      assert.equal(refKey(m), `sha256:${H}`);
    });

    it('accepts nested namespaces of [A-Za-z0-9_.-] segments', () => {
      for (const ns of ['ns/sub', 'a.b/c-d/e_f/G9', 'v1.2/x']) {
        const m = only(`ref=${ns}/sha256:${H};`);
        assert.equal(m.namespace, ns);
        assert.equal(m.text, `${ns}/sha256:${H}`);
        assert.equal(m.invalid, undefined, ns);
      }
    });

    it('keeps a namespace on an abbreviated ref', () => {
      const m = only(`prompts/sha256:${H.slice(0, 12)}`);
      assert.equal(m.form, 'abbreviated');
      assert.equal(m.namespace, 'prompts');
    });

    const invalid: [string, string, RegExp][] = [
      ['../x', '../x', /\.\./],
      ['a/../b', 'a/../b', /\.\./],
      ['./x', './x', /"\."/],
      ['x/./y', 'x/./y', /"\."/],
      ['/abs/x', '/abs/x', /absolute/],
      ['', '', /absolute/],
      ['C:/x', 'C:/x', /absolute/],
      ['..\\x', '..\\x', /backslash/],
      ['a\\b', 'a\\b', /backslash/],
      ['a\0b', 'a\0b', /NUL/],
      ['a//b', 'a//b', /empty/],
    ];
    for (const [written, ns, reason] of invalid) {
      it(`marks ${JSON.stringify(written + '/sha256:')} invalid`, () => {
        const text = ` ${written}/sha256:${H} `;
        const m = only(text);
        assert.equal(m.namespace, ns);
        assert.match(m.invalid ?? '', reason);
        assert.equal(m.text, `${ns}/sha256:${H}`);
        assert.equal(m.end, text.length - 1);
      });
    }

    it('marks a backslash separator and a drive path invalid', () => {
      const m = only(` C:\\x\\sha256:${H}`);
      assert.equal(m.text, `C:\\x\\sha256:${H}`);
      assert.match(m.invalid ?? '', /backslash/);
    });

    it('keeps an absolute path invalid even in prose: it could be read as a file to open', () => {
      const m = only(`see /tmp/sha256:${H} for details`);
      assert.equal(m.namespace, '/tmp');
      assert.match(m.invalid ?? '', /absolute/);
    });

    it('reads JSON-escaped slashes (\\/) in a namespace as slashes, over the range as written', () => {
      for (const [written, ns] of [
        ['prompts\\/', 'prompts'],
        ['ns\\/sub\\/', 'ns/sub'],
        ['a.b\\/c-d/', 'a.b/c-d'],
      ]) {
        const text = `{"ref":"${written}sha256:${H}"}`;
        const m = only(text);
        assert.equal(m.form, 'namespaced', written);
        assert.equal(m.namespace, ns);
        assert.equal(m.invalid, undefined, written);
        assert.equal(m.start, 8);
        assert.equal(m.end, text.length - 2);
        assert.equal(m.text, `${written}sha256:${H}`);
        assert.equal(refKey(m), `sha256:${H}`);
      }
      const abbreviated = only(`"prompts\\/sha256:${H.slice(0, 10)}"`);
      assert.deepEqual([abbreviated.form, abbreviated.namespace, abbreviated.invalid], ['abbreviated', 'prompts', undefined]);
    });

    it('keeps a real backslash invalid when slashes are JSON-escaped', () => {
      const cases: [string, string, RegExp][] = [
        // JSON `\\` is one real backslash: as a separator, or before a `/`.
        ['prompts\\\\', 'prompts\\', /backslash/],
        ['prompts\\\\/', 'prompts\\\\', /backslash/],
        ['..\\/x\\/', '../x', /\.\./],
        ['\\/abs\\/', '/abs', /absolute/],
        ['a\\x/', 'a\\x', /backslash/],
      ];
      for (const [written, ns, reason] of cases) {
        const text = `"${written}sha256:${H}"`;
        const m = only(text);
        assert.equal(m.namespace, ns, written);
        assert.match(m.invalid ?? '', reason, written);
        assert.equal(m.start, 1, written);
        assert.equal(m.text, `${written}sha256:${H}`);
      }
    });

    it('does not take the previous ref as a namespace', () => {
      const all = scanRefs(`sha256:${H}/sha256:${H2}`);
      assert.equal(all.length, 2);
      assert.equal(all[0].end, 71);
      assert.ok(all[1].start >= all[0].end);
    });
  });

  describe('digests in URLs', () => {
    const urls = [
      'https://registry.example/v2/library/x/blobs/',
      'https://registry.example/v2/library/x/manifests/',
      'https://registry.example:5000/v2/x/blobs/',
      'http://user@mirror.example/a/b/',
      'https://host.example/v2/x/blobs/../../',
      's3://bucket/cas/',
      'oci://registry.example/x/',
      'file:///var/cache/blobs/',
      'https://host.example/a?x=1&digest=/',
      'https:\\/\\/registry.example\\/v2\\/x\\/blobs\\/',
    ];
    for (const url of urls) {
      it(`reads ${url}sha256:... as a plain ref, not a namespace`, () => {
        const text = `{"url": "${url}sha256:${H}", "n": 1}`;
        const m = only(text);
        assert.equal(m.form, 'canonical');
        assert.equal(m.namespace, undefined);
        assert.equal(m.invalid, undefined);
        assert.equal(m.start, text.indexOf('sha256:'));
        assert.equal(m.end, m.start + 71);
        assert.equal(m.text, `sha256:${H}`);
      });
    }

    it('reads an abbreviated digest in a URL as a plain abbreviated ref', () => {
      const m = only(`see https://registry.example/v2/x/blobs/sha256:${H.slice(0, 12)}.`);
      assert.deepEqual([m.form, m.text, m.namespace, m.invalid], ['abbreviated', `sha256:${H.slice(0, 12)}`, undefined, undefined]);
    });

    it('still takes a namespace after a URL has ended', () => {
      for (const before of ['https://x.example/docs ', 'https://x.example/docs, ', '(https://x.example/a);', 'http: ']) {
        const m = only(`${before}ns/sha256:${H}`);
        assert.equal(m.namespace, 'ns', before);
        assert.equal(m.invalid, undefined, before);
      }
      // A one-letter "scheme" is a drive: still an absolute path.
      assert.match(only(` C://x/sha256:${H}`).invalid ?? '', /absolute/);
    });
  });

  describe('bare digests', () => {
    for (const key of ['sha256', 'blob_sha256', 'request_hash', 'payload_digest', 'x_hash']) {
      it(`finds 64 hex under "${key}"`, () => {
        const text = `{"${key}": "${H}"}`;
        const m = only(text);
        assert.equal(m.form, 'bare');
        assert.equal(m.algo, 'sha256');
        assert.equal(m.start, text.indexOf(H));
        assert.equal(m.end, m.start + 64);
        assert.equal(refKey(m), `sha256:${H}`);
      });
    }

    it('allows whitespace around the colon and upper-case hex', () => {
      const m = only(`{"request_hash" :\t"${H.toUpperCase()}"}`);
      assert.equal(m.form, 'bare');
      assert.equal(m.value, H);
      assert.equal(m.upperCase, true);
    });

    it('ignores other keys, other lengths and non-string values', () => {
      assert.deepEqual(found(`{"hash": "${H}"}`), []);
      assert.deepEqual(found(`{"digest": "${H}"}`), []);
      assert.deepEqual(found(`{"xsha256": "${H}"}`), []);
      assert.deepEqual(found(`{"blob_sha256": "${H.slice(1)}"}`), []);
      assert.deepEqual(found(`{"blob_sha256": "${H}0"}`), []);
      assert.deepEqual(found(`{"blob_sha256": ${H}}`), []);
      assert.deepEqual(found(`{"value": "${H}"}`), []);
    });

    it('finds them in JSON held inside a JSON string (\\" quotes)', () => {
      const text = JSON.stringify({ arguments: JSON.stringify({ file_sha256: H, doc: { $artifact: 'id_1' }, sha256: H2 }) });
      assert.deepEqual(found(text), [
        ['bare', H],
        ['object', 'id_1'],
        ['bare', H2],
      ]);
      assert.deepEqual(found(`{\\"blob_sha256\\": "${H}"}`), []);
    });

    it('reports a prefixed value once, as canonical', () => {
      assert.deepEqual(found(`{"hash": "sha256:${H}", "prev_hash": "sha256:${H2}"}`), [
        ['canonical', `sha256:${H}`],
        ['canonical', `sha256:${H2}`],
      ]);
    });
  });

  describe('blake3 and object refs', () => {
    it('finds blake3 refs of exactly 64 hex', () => {
      const m = only(`digest blake3:${H}.`);
      assert.equal(m.form, 'blake3');
      assert.equal(m.algo, 'blake3');
      assert.equal(refKey(m), `blake3:${H}`);
      assert.deepEqual(found(`blake3:${H.slice(0, 40)}`), []);
      assert.deepEqual(found(`blake3:${H}f`), []);
      assert.deepEqual(found(`xblake3:${H}`), []);
      assert.equal(only(`blake3:${H.toUpperCase()}`).upperCase, true);
    });

    it('finds {"$artifact": id} with the range of the id', () => {
      const text = `{"vars": {"doc": {"$artifact" :  "a1B2_c-3"}}}`;
      const m = only(text);
      assert.equal(m.form, 'object');
      assert.equal(m.algo, 'artifact');
      assert.equal(m.value, 'a1B2_c-3');
      assert.equal(text.slice(m.start, m.end), 'a1B2_c-3');
      assert.equal(refKey(m), 'artifact:a1B2_c-3');
      assert.equal(m.invalid, undefined);
    });

    it('marks ids outside [A-Za-z0-9_-]+ invalid', () => {
      for (const id of ['../etc/passwd', 'a b', '', 'x\\\\y', '/abs', 'é']) {
        const m = only(`{"$artifact": "${id}"}`);
        assert.equal(m.value, id);
        assert.ok(m.invalid, id);
      }
    });

    it('ignores $artifact with a non-string value or an unterminated string', () => {
      assert.deepEqual(found('{"$artifact": 12}'), []);
      assert.deepEqual(found('{"$artifact": "abc\n"}'), []);
      assert.deepEqual(found('"$artifact" and then'), []);
    });

    it('prefers the digest ref when an $artifact id is itself a ref', () => {
      assert.deepEqual(found(`{"$artifact": "sha256:${H}"}`), [['canonical', `sha256:${H}`]]);
    });
  });

  describe('mixed text', () => {
    it('returns every form sorted by start', () => {
      const text = [
        `{"$artifact": "id1"}`,
        `// blake3:${H}`,
        `{"blob_sha256": "${H2}", "ref": "ns/sub/sha256:${H}"}`,
        `log: sha256:${H.slice(0, 9)} done`,
      ].join('\n');
      const all = scanRefs(text);
      assert.deepEqual(
        all.map((m) => m.form),
        ['object', 'blake3', 'bare', 'namespaced', 'abbreviated'],
      );
      for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].end <= all[i].start);
      for (const m of all) assert.equal(text.slice(m.start, m.end), m.text);
    });

    it('finds nothing in text without triggers', () => {
      assert.deepEqual(scanRefs(''), []);
      assert.deepEqual(scanRefs(`plain ${H} text with sha 256 and blake 3`), []);
    });
  });
});

describe('ref occurrences', () => {
  it('gives 0-based lines and UTF-16 columns', () => {
    const text = `first\nsecond sha256:${H}\n\n  blake3:${H2}`;
    const occ = toOccurrences(text, scanRefs(text));
    assert.deepEqual(
      occ.map((o) => [o.line, o.col, o.endCol, o.key]),
      [
        [1, 7, 7 + 71, `sha256:${H}`],
        [3, 2, 2 + 71, `blake3:${H2}`],
      ],
    );
  });

  it('counts CRLF and lone CR as one line break, columns without the \\r', () => {
    const text = `a\r\nb sha256:${H}\r\n\rc sha256:${H2}`;
    const occ = toOccurrences(text, scanRefs(text));
    assert.deepEqual(
      occ.map((o) => [o.line, o.col]),
      [
        [1, 2],
        [3, 2],
      ],
    );
  });

  it('counts astral characters as two UTF-16 units', () => {
    const text = `😀😀 "prompts/sha256:${H}"\n𝄞 sha256:${H2}`;
    const occ = toOccurrences(text, scanRefs(text));
    assert.deepEqual(
      occ.map((o) => [o.line, o.col, o.endCol, o.namespace]),
      [
        [0, 6, 6 + 8 + 71, 'prompts'],
        [1, 3, 3 + 71, undefined],
      ],
    );
  });

  it('carries form, key, flags and text', () => {
    const text = `x ../p/sha256:${H.toUpperCase()}`;
    const [o] = toOccurrences(text, scanRefs(text));
    assert.equal(o.form, 'namespaced');
    assert.equal(o.key, `sha256:${H}`);
    assert.equal(o.upperCase, true);
    assert.match(o.invalid ?? '', /\.\./);
    assert.equal(o.text, `../p/sha256:${H.toUpperCase()}`);
  });

  it('keeps none of the scanned text alive through occurrences and keys', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: unknown[] = [];
    for (let i = 0; i < 40; i++) {
      // 2 MB files, each with one ref of every kind that is stored as a slice.
      const text = `${'x'.repeat(2_000_000)} ns/sub/sha256:${H} {"$artifact": "id_${i}_${'a'.repeat(20)}"} ${i}`;
      const matches = scanRefs(text);
      kept.push(toOccurrences(text, matches), matches.map(refKey));
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 10_000_000, `80 MB of scanned text stayed alive (${grown} bytes)`);
    assert.equal(kept.length, 80);
  });
});
