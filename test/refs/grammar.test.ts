// The TextMate injection grammar: every pattern compiles in JavaScript (the grammar keeps to
// the regex subset Oniguruma and JavaScript share) and colours sample refs with the intended
// scopes. Tokenising is emulated the way TextMate runs match rules: at each position the
// earliest match wins, ties go to the pattern listed first.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanRefs } from '../../shared/refs/scanner';

interface Rule {
  match: string;
  captures: Record<string, { name: string }>;
}
interface Grammar {
  scopeName: string;
  injectionSelector: string;
  patterns: { include: string }[];
  repository: Record<string, Rule>;
}

const grammarPath = path.join(__dirname, '..', '..', '..', 'syntaxes', 'refscope.injection.tmLanguage.json');
const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8')) as Grammar;
const rules = grammar.patterns.map((p) => grammar.repository[p.include.replace(/^#/, '')]);

/** [token text, scope] for every captured token of `line`. */
function tokenize(line: string): [string, string][] {
  const regexes = rules.map((r) => new RegExp(r.match, 'dg'));
  const tokens: [string, string][] = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { m: RegExpExecArray; rule: Rule } | undefined;
    regexes.forEach((re, i) => {
      re.lastIndex = pos;
      const m = re.exec(line);
      if (m && (!best || m.index < best.m.index)) best = { m, rule: rules[i] };
    });
    if (!best) break;
    const { m, rule } = best;
    for (const [group, { name }] of Object.entries(rule.captures)) {
      const span = m.indices?.[Number(group)];
      if (span) tokens.push([line.slice(span[0], span[1]), name]);
    }
    pos = Math.max(m.index + m[0].length, pos + 1);
  }
  return tokens;
}

const H = 'ab12'.repeat(16);
const ALGO = 'keyword.other.refscope.algorithm';

describe('refscope injection grammar', () => {
  it('is an injection grammar for every language, strings and comments included', () => {
    assert.equal(grammar.scopeName, 'refscope.injection');
    for (const sel of ['L:source', 'L:text', 'L:string', 'L:comment']) assert.ok(grammar.injectionSelector.includes(sel), sel);
    assert.ok(rules.length >= 7);
    for (const p of grammar.patterns) assert.ok(grammar.repository[p.include.slice(1)], p.include);
  });

  it('is contributed by the extension for the languages evidence is written in', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { grammars: { scopeName: string; path: string; injectTo?: string[] }[] };
    };
    const entry = pkg.contributes.grammars.find((g) => g.scopeName === grammar.scopeName);
    assert.ok(entry, 'package.json contributes.grammars has no entry for refscope.injection');
    assert.equal(path.resolve(__dirname, '..', '..', '..', entry.path), grammarPath);
    for (const host of ['source.json', 'text.html.markdown', 'text.log', 'source.python', 'source.ts']) {
      assert.ok(entry.injectTo?.includes(host), `not injected into ${host}`);
    }
  });

  it('compiles every pattern as a JavaScript regex, without Oniguruma-only syntax', () => {
    for (const r of rules) {
      assert.doesNotThrow(() => new RegExp(r.match), r.match);
      // Oniguruma-only constructs JavaScript would read differently.
      assert.doesNotMatch(r.match, /\\[hHAzZGK]|\(\?[imx]|\(\?>|\\p\{|\[\[:|[*+?}]\+/, r.match);
    }
  });

  it('colours canonical and abbreviated digests distinctly', () => {
    assert.deepEqual(tokenize(`"ref": "sha256:${H}",`), [
      ['sha256:', ALGO],
      [H, 'constant.other.refscope.digest.canonical'],
    ]);
    assert.deepEqual(tokenize(`// see sha256:${H.slice(0, 12)} for the request`), [
      ['sha256:', ALGO],
      [H.slice(0, 12), 'constant.other.refscope.digest.abbreviated'],
    ]);
    assert.deepEqual(tokenize(`x sha256:${H.toUpperCase()}`)[1], [H.toUpperCase(), 'constant.other.refscope.digest.canonical']);
  });

  it('colours a namespace apart from its digest, and an invalid one as illegal', () => {
    assert.deepEqual(tokenize(`"prompt_templates/sha256:${H}"`), [
      ['prompt_templates/', 'entity.name.namespace.refscope'],
      ['sha256:', ALGO],
      [H, 'constant.other.refscope.digest.canonical'],
    ]);
    assert.deepEqual(tokenize(`ns/sub.v1/sha256:${H}`)[0], ['ns/sub.v1/', 'entity.name.namespace.refscope']);
    for (const bad of ['../x/', 'a/./b/', '/abs/x/', 'C:/x/', '..\\x/', 'a\\', 'a//b/']) {
      assert.deepEqual(tokenize(` ${bad}sha256:${H}`)[0], [bad, 'invalid.illegal.refscope.namespace'], bad);
    }
  });

  it('reads a JSON-escaped slash as the namespace it spells, and a digest in a URL as a plain ref', () => {
    assert.deepEqual(tokenize(`"prompts\\/sha256:${H}"`)[0], ['prompts\\/', 'entity.name.namespace.refscope']);
    assert.deepEqual(tokenize(`"ns\\/sub\\/sha256:${H}"`)[0], ['ns\\/sub\\/', 'entity.name.namespace.refscope']);
    assert.deepEqual(tokenize(` ..\\/x\\/sha256:${H}`)[0], ['..\\/x\\/', 'invalid.illegal.refscope.namespace']);
    for (const url of ['https://registry.example/v2/library/x/blobs/', 'oci://host/repo/manifests/', 'https:\\/\\/host\\/v2\\/blobs\\/']) {
      assert.deepEqual(tokenize(`"${url}sha256:${H}"`), [
        ['sha256:', ALGO],
        [H, 'constant.other.refscope.digest.canonical'],
      ], url);
    }
  });

  it('colours blake3 refs, $artifact ids and quoted bare digests', () => {
    assert.deepEqual(tokenize(`digest: blake3:${H}`), [
      ['blake3:', ALGO],
      [H, 'constant.other.refscope.digest.blake3'],
    ]);
    assert.deepEqual(tokenize('{"$artifact": "a1_b-2"}'), [['a1_b-2', 'constant.other.refscope.artifact-id']]);
    assert.deepEqual(tokenize('{"$artifact":"../etc/passwd"}'), [['../etc/passwd', 'invalid.illegal.refscope.artifact-id']]);
    assert.deepEqual(tokenize(`{"blob_sha256": "${H}"}`), [[H, 'constant.other.refscope.digest.bare']]);
    // JSON held in a JSON string (tool-call arguments).
    assert.deepEqual(tokenize(`"{\\"$artifact\\": \\"a1\\", \\"blob_sha256\\": \\"${H}\\"}"`), [
      ['a1', 'constant.other.refscope.artifact-id'],
      [H, 'constant.other.refscope.digest.bare'],
    ]);
  });

  it('leaves lookalikes alone', () => {
    for (const text of [`xsha256:${H}`, `sha256:${H}0`, `sha256:${H.slice(0, 7)}`, `sha256:${H}g`, `blake3:${H.slice(1)}`, H, `"${H}0"`]) {
      assert.deepEqual(tokenize(text), [], text);
    }
  });

  it('colours the same digests the scanner finds', () => {
    const lines = [
      `{"ref": "prompts/sha256:${H}", "out": "sha256:${H.slice(0, 20)}"} blake3:${H}`,
      `log ../x/sha256:${H} and /abs/sha256:${H} (sha256:${H.toUpperCase()}).`,
      `{"$artifact": "abc", "request_hash": "${H}"}`,
      JSON.stringify({ args: JSON.stringify({ $artifact: 'x-1', out: `ns/sha256:${H}`, file_sha256: H }) }),
      `pulled https://registry.example/v2/x/blobs/sha256:${H} into "prompts\\/sha256:${H}"`,
    ];
    for (const line of lines) {
      const coloured = tokenize(line)
        .filter(([, scope]) => scope.startsWith('constant.other.refscope') || scope.startsWith('invalid.illegal.refscope.artifact'))
        .map(([text]) => text);
      const scanned = scanRefs(line).map((m) => (m.form === 'object' || m.form === 'bare' ? m.text : m.text.slice(m.text.lastIndexOf(':') + 1)));
      assert.deepEqual(coloured, scanned, line);
    }
  });
});
