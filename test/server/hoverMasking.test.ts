// One hover masks its preview and its facts together (secretlint checks the texts a hover asks
// for in one pass): through the real language server, an artifact whose run id, model and
// content each hold a different credential shows none of them, and two facts that would make a
// credential only when joined are shown as written.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol';
import { StatsRequest } from '../../shared/protocol';
import { credentials, secretPart, type Credential } from '../preview/credentials';
import { LspTestClient, waitFor } from './lspClient';

describe('language server: a hover masks its preview and its facts in one pass', function () {
  this.timeout(120000);
  let tmp: string;
  let client: LspTestClient;
  const all = credentials();
  const byRule = (rule: string) => all.find((c) => c.rule === rule)!;
  const [inRunId, inModel, inContent] = [byRule('github token'), byRule('slack token'), byRule('npm access token')];

  /** A content-addressed request artifact: its name is the hash of its bytes. */
  const writeArtifact = (doc: unknown) => {
    const bytes = JSON.stringify(doc);
    const hex = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(tmp, 'runtime', 'artifacts', 'requests', `${hex}.json`), bytes);
    return `sha256:${hex}`;
  };

  const hover = async (ref: string) => {
    const uri = await client.open(path.join(tmp, 'hovered.md'), `see ${ref}\n`, 'markdown');
    const h = await client.request(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 10 } });
    await client.close(uri);
    return h ? (h.contents as { value: string }).value : '';
  };

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-hover-masking-')));
    fs.mkdirSync(path.join(tmp, 'runtime', 'artifacts', 'requests'), { recursive: true });
    client = await LspTestClient.start(tmp);
    await waitFor(async () => (await client.request(StatsRequest.type, {})).ready, 60000, 'ready');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const shown = (text: string, c: Credential) => text.includes(secretPart(c));

  it('shows none of three credentials in the run id, the model and the content, each with its marker', async () => {
    const ref = writeArtifact({ run_id: inRunId.value, model: inModel.value, tool_input: inContent.text });
    const text = await waitFor(async () => {
      const t = await hover(ref);
      return !t.includes('dangling') && t;
    }, 30000, 'the artifact to be indexed');
    for (const c of [inRunId, inModel, inContent]) {
      assert.ok(!shown(text, c), `${c.rule} shown:\n${text}`);
      assert.ok(text.includes(`[masked: ${c.rule}]`), `no ${c.rule} marker:\n${text}`);
    }
  });

  it('shows two facts as written when only the two joined would read as a credential', async () => {
    // `aws_secret_access_key =` as the run id and a 40-character model name: one AWS secret when
    // the texts are joined, none in either alone.
    const value = 'Q'.repeat(10) + 'r'.repeat(16) + '0123456789ABCD';
    const ref = writeArtifact({ run_id: 'aws_secret_access_key =', model: value, tool_input: 'nothing secret' });
    const text = await waitFor(async () => {
      const t = await hover(ref);
      return !t.includes('dangling') && t;
    }, 30000, 'the artifact to be indexed');
    assert.ok(text.includes(value), `the model was masked:\n${text}`);
    assert.ok(!text.includes('[masked'), text);
  });
});
