// The injection grammar inside VS Code's own tokenizer: vscode-textmate + Oniguruma (the npm
// packages VS Code itself runs) with the JSON, TypeScript and Markdown grammars VS Code ships,
// as collected by tm-grammars (shiki's copies of the same upstream files). All three are dev
// dependencies, so the suite runs wherever `npm ci` ran, CI included, before any editor exists.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tm from 'vscode-textmate';
import * as onig from 'vscode-oniguruma';

const repoRoot = path.join(__dirname, '..', '..', '..');
const grammarPath = path.join(repoRoot, 'syntaxes', 'refscope.injection.tmLanguage.json');
const hosts: Record<string, string> = {
  'source.json': require.resolve('tm-grammars/grammars/json.json'),
  'source.ts': require.resolve('tm-grammars/grammars/typescript.json'),
  'text.html.markdown': require.resolve('tm-grammars/grammars/markdown.json'),
};

const H = 'c0ffee'.repeat(10) + 'abcd';

describe('refscope injection grammar in VS Code tokenizer', function () {
  let tokenize: (scope: string, line: string) => Promise<[string, string[]][]>;

  before(async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const files: Record<string, string> = { 'refscope.injection': grammarPath, ...hosts };
    const registry = new tm.Registry({
      onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new onig.OnigScanner(p), createOnigString: (str: string) => new onig.OnigString(str) }),
      loadGrammar: async (scope: string) => (files[scope] ? tm.parseRawGrammar(fs.readFileSync(files[scope], 'utf8'), files[scope]) : null),
      getInjections: () => ['refscope.injection'],
    });
    tokenize = async (scope, line) => {
      const grammar = await registry.loadGrammar(scope);
      assert.ok(grammar, scope);
      return grammar.tokenizeLine(line, tm.INITIAL).tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes]);
    };
  });

  /** The refscope scope of each coloured token, with the text it covers. */
  async function refTokens(scope: string, line: string): Promise<[string, string][]> {
    const tokens = await tokenize(scope, line);
    return tokens.flatMap(([text, scopes]) => scopes.filter((s) => s.includes('refscope')).map((s): [string, string] => [text, s]));
  }

  it('colours refs inside JSON strings without breaking the JSON grammar', async () => {
    const line = `{"ref": "prompts/sha256:${H}", "request_hash": "${H}", "doc": {"$artifact": "a1"}, "bad": "../x/sha256:${H.slice(0, 9)}"}`;
    assert.deepEqual(await refTokens('source.json', line), [
      ['prompts/', 'entity.name.namespace.refscope'],
      ['sha256:', 'keyword.other.refscope.algorithm'],
      [H, 'constant.other.refscope.digest.canonical'],
      [H, 'constant.other.refscope.digest.bare'],
      ['a1', 'constant.other.refscope.artifact-id'],
      ['../x/', 'invalid.illegal.refscope.namespace'],
      ['sha256:', 'keyword.other.refscope.algorithm'],
      [H.slice(0, 9), 'constant.other.refscope.digest.abbreviated'],
    ]);
    const tokens = await tokenize('source.json', line);
    assert.ok(!tokens.some(([, scopes]) => scopes.some((s) => s.startsWith('invalid') && !s.includes('refscope'))), 'the JSON grammar saw an error');
    assert.ok(tokens.some(([text, scopes]) => text === 'request_hash' && scopes.some((s) => s.startsWith('support.type.property-name'))));
  });

  it('colours refs in TypeScript strings and comments, and in Markdown prose', async () => {
    assert.deepEqual(await refTokens('source.ts', `const r = "blake3:${H}"; // ns/sub/sha256:${H}`), [
      ['blake3:', 'keyword.other.refscope.algorithm'],
      [H, 'constant.other.refscope.digest.blake3'],
      ['ns/sub/', 'entity.name.namespace.refscope'],
      ['sha256:', 'keyword.other.refscope.algorithm'],
      [H, 'constant.other.refscope.digest.canonical'],
    ]);
    assert.deepEqual(await refTokens('text.html.markdown', `The request sha256:${H} was traced.`), [
      ['sha256:', 'keyword.other.refscope.algorithm'],
      [H, 'constant.other.refscope.digest.canonical'],
    ]);
  });
});
