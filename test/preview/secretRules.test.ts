// secretlint's recommended rules set up once: each text's findings must be exactly what
// lintSource finds (rule, message, range, data), with and without a byte order mark, and
// anything this path does not cover (an async handler, an ignored range) must hand the text
// back to lintSource.
import * as assert from 'node:assert/strict';
import { lintSource } from '@secretlint/core';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { SecretRules, type ReportedFinding } from '../../shared/preview/secretRules';
import { credentials } from './credentials';

const descriptors = recommendedRules.filter((rule) => rule.meta.id !== '@secretlint/secretlint-rule-filter-comments').map((rule) => ({ id: rule.meta.id, rule }));

async function lintSourceFindings(text: string): Promise<ReportedFinding[]> {
  const result = await lintSource({ source: { filePath: 'preview.txt', content: text, contentType: 'text' }, options: { config: { rules: descriptors }, noPhysicFilePath: true } });
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return result.messages.filter((m) => m.type === 'message').map((m) => ({ ruleId: m.ruleId, messageId: m.messageId, range: [m.range[0] + shift, m.range[1] + shift] as const, data: m.data }));
}

const inOrder = (list: ReportedFinding[]) => list.slice().sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1] || a.ruleId.localeCompare(b.ruleId));

/** A scanner rule made of `file` alone, counting how often secretlint's `create` made it. */
function fakeRule(id: string, file: (context: { report: (d: unknown) => void; ignore: (d: unknown) => void }, content: string) => unknown) {
  const rule = {
    made: 0,
    meta: { id, type: 'scanner', supportedContentTypes: ['text'], recommended: true, messages: {} },
    create(context: { report: (d: unknown) => void; ignore: (d: unknown) => void }) {
      rule.made++;
      return { file: (source: { content: string }) => file(context, source.content) };
    },
  };
  return rule;
}

describe('preview: secretlint rules set up once', () => {
  const rules = new SecretRules(descriptors);
  const all = credentials();

  it('find in each text what lintSource finds, credential by credential, in JSON and after a byte order mark', async () => {
    const texts = [
      ...all.map((c) => `before\n${c.text}\nafter`),
      JSON.stringify(Object.fromEntries(all.map((c, i) => [`field_${i}`, c.text]))),
      `\ufeff${all[0].text}\n${all[1].text}`,
      '{"model":"acme-large-2","note":"nothing secret here"}',
      '',
    ];
    for (const text of texts) {
      const once = rules.findings(text);
      assert.ok(once, `handed back: ${text.slice(0, 40)}`);
      assert.deepEqual(inOrder(once), inOrder(await lintSourceFindings(text)), text.slice(0, 60));
    }
    // Every credential was found at all (an empty answer from both would prove nothing).
    for (const c of all) assert.ok(rules.findings(c.text)!.length > 0, c.rule);
  });

  it('counts ranges after a byte order mark in the text as given', () => {
    const c = all[0];
    const plain = rules.findings(c.text)!;
    const marked = rules.findings(`\ufeff${c.text}`)!;
    assert.deepEqual(
      marked.map((f) => f.range),
      plain.map((f) => [f.range[0] + 1, f.range[1] + 1]),
    );
  });

  it('makes each rule once for any number of texts', () => {
    const rule = fakeRule('fake-once', (context, content) => {
      const at = content.indexOf('SECRET');
      if (at >= 0) context.report({ message: { message: 'found', messageId: 'FOUND', data: { TOKEN: 'SECRET' } }, range: [at, at + 6] });
    });
    const once = new SecretRules([{ id: rule.meta.id, rule }]);
    assert.deepEqual(once.findings('a SECRET'), [{ ruleId: 'fake-once', messageId: 'FOUND', range: [2, 8], data: { TOKEN: 'SECRET' } }]);
    assert.deepEqual(once.findings('nothing'), []);
    assert.deepEqual(once.findings('SECRET'), [{ ruleId: 'fake-once', messageId: 'FOUND', range: [0, 6], data: { TOKEN: 'SECRET' } }]);
    assert.equal(rule.made, 1);
  });

  it('hands a text back to lintSource when a rule answers with a promise, ignores a range or throws', () => {
    const asynchronous = fakeRule('fake-async', () => Promise.resolve());
    const ignoring = fakeRule('fake-ignore', (context) => context.ignore({ range: [0, 1] }));
    const throwing = fakeRule('fake-throw', () => {
      throw new Error('broken rule');
    });
    for (const rule of [asynchronous, ignoring, throwing]) {
      assert.equal(new SecretRules([{ id: rule.meta.id, rule }]).findings('text'), undefined, rule.meta.id);
    }
  });
});
