// The masker over each credential the recommended preset knows: replaced by its marker,
// alone, inside JSON (escaped newlines), and wherever a comment in the text asks secretlint
// to look away.
import * as assert from 'node:assert/strict';
import { maskSecrets, ruleInWords } from '../../shared/preview/secretMasker';
import { credentials, secretPart } from './credentials';

describe('preview: secret masking', () => {
  const all = credentials();

  for (const c of all) {
    it(`masks a ${c.rule} as [masked: ${c.rule}]`, async () => {
      const r = await maskSecrets(`before\n${c.text}\nafter`);
      assert.ok(!r.text.includes(secretPart(c)), `${c.rule} shown: ${r.text}`);
      assert.ok(r.text.includes(`[masked: ${c.rule}]`), r.text);
      assert.ok(r.text.startsWith('before\n') && r.text.endsWith('\nafter'), 'the text around it stays');
      assert.deepEqual([...new Set(r.masked)], [c.rule]);
    });
  }

  it('masks every credential in a JSON document (canonical: one line, newlines escaped), leaving valid JSON', async () => {
    const doc = JSON.stringify(Object.fromEntries(all.map((c, i) => [`field_${i}`, c.text])));
    const r = await maskSecrets(doc);
    for (const c of all) assert.ok(!r.text.includes(secretPart(c)), `${c.rule} shown in JSON`);
    // Markers replace string contents, not the quotes around them: the preview is still JSON.
    // (The connection-string rules take up to 100 characters past the host, so a field after
    // one may be masked with it: more hidden, never less.)
    assert.doesNotThrow(() => JSON.parse(r.text));
  });

  it('a secretlint-disable comment in the (untrusted) text does not switch masking off', async () => {
    const c = all[0];
    const r = await maskSecrets(`// secretlint-disable\n${c.text}\n# secretlint-disable-line\n`);
    assert.ok(!r.text.includes(secretPart(c)), r.text);
  });

  it('leaves text without credentials as it is', async () => {
    const text = '{"model":"acme-large-2","sha256":"' + 'a'.repeat(64) + '"}';
    assert.deepEqual(await maskSecrets(text), { text, masked: [] });
  });

  it('names rules in words', () => {
    assert.equal(ruleInWords('@secretlint/secretlint-rule-github', 'GITHUB_TOKEN'), 'github token');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-aws', 'AWSSecretAccessKey'), 'aws secret access key');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-slack', 'IncomingWebhook'), 'slack incoming webhook');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-privatekey', 'PrivateKey'), 'private key');
  });
});
