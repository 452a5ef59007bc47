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

  it('masks texts asked for together (one pass) exactly as each alone', async () => {
    const texts = ['run-0001', ...all.flatMap((c) => [c.text, `note ${c.value.slice(0, 4)}`]), `${all[0].text}\n${all[1].text}`, ''];
    const alone: Awaited<ReturnType<typeof maskSecrets>>[] = [];
    for (const t of texts) alone.push(await maskSecrets(t));
    assert.deepEqual(await Promise.all(texts.map((t) => maskSecrets(t))), alone);
  });

  it('a credential that only the joined texts would make is not masked, nor one beside it missed', async () => {
    // `aws_secret_access_key =` in one text and a 40-character value in the next: one credential
    // across the two when joined, none in either alone.
    const value = 'A'.repeat(12) + 'b'.repeat(14) + '0123456789ABCD';
    const texts = ['aws_secret_access_key =', value, all[0].text];
    const together = await Promise.all(texts.map((t) => maskSecrets(t)));
    assert.equal(together[1].text, value, 'a value masked for the words of another text');
    assert.deepEqual(together[0], { text: texts[0], masked: [] });
    assert.ok(!together[2].text.includes(secretPart(all[0])), together[2].text);
  });

  it('names rules in words', () => {
    assert.equal(ruleInWords('@secretlint/secretlint-rule-github', 'GITHUB_TOKEN'), 'github token');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-aws', 'AWSSecretAccessKey'), 'aws secret access key');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-slack', 'IncomingWebhook'), 'slack incoming webhook');
    assert.equal(ruleInWords('@secretlint/secretlint-rule-privatekey', 'PrivateKey'), 'private key');
  });
});
