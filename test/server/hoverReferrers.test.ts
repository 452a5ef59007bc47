// The hover's "Referenced by" through the real language server: counted whole for a few
// referrers, and only up to 1,000 for a ref cited everywhere (Find All References still lists
// every place).
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoverRequest, type Location, ProgressType, ReferencesRequest } from 'vscode-languageserver-protocol';
import { StatsRequest } from '../../shared/protocol';
import { LspTestClient, waitFor } from './lspClient';

describe('language server: hover counts referrers up to 1,000', function () {
  this.timeout(120000);
  let tmp: string;
  let client: LspTestClient;
  const refs: string[] = [];

  /** A content-addressed request artifact: its name is the hash of its bytes. */
  const writeArtifact = (n: number) => {
    const bytes = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `question ${n}` }] });
    const hex = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(path.join(tmp, 'runtime', 'artifacts', 'requests', `${hex}.json`), bytes);
    return `sha256:${hex}`;
  };

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-hover-referrers-')));
    fs.mkdirSync(path.join(tmp, 'runtime', 'artifacts', 'requests'), { recursive: true });
    refs.push(writeArtifact(1), writeArtifact(2), writeArtifact(3), writeArtifact(4));
    // 1,200 lines citing the first artifact (two files), 3 citing the second.
    for (const f of [0, 1]) fs.writeFileSync(path.join(tmp, `notes-${f}.md`), Array.from({ length: 600 }, (_, i) => `- step ${f}.${i} replayed ${refs[0]}`).join('\n') + '\n');
    fs.writeFileSync(path.join(tmp, 'few.md'), [1, 2, 3].map((i) => `- ${i}: ${refs[1]}`).join('\n') + '\n');
    // The third: one line citing it twice, its own namespace, an abbreviation (3 places), and
    // three that cannot name it: another namespace, invalid ones (one in its namespace, but with a backslash).
    const [, hex3] = refs[2].split(':');
    const mixed = [`a ${refs[2]} and again ${refs[2]}`, `b requests/${refs[2]}`, `c sha256:${hex3.slice(0, 12)}`, `d prompts/${refs[2]}`, `e ../evil/${refs[2]}`, `f requests\\${refs[2]}`];
    fs.writeFileSync(path.join(tmp, 'mixed.md'), mixed.join('\n') + '\n');
    // The fourth: three events whose lines cite it (an event and the ref on its line are one
    // place), and a JSON file citing it on two lines, twice on the second (two places).
    const events = [1, 2, 3].map((seq) => JSON.stringify({ seq, ts: `2026-11-23T18:00:0${seq}Z`, event_type: 'tool_output_written', artifact_ref: refs[3] }));
    fs.writeFileSync(path.join(tmp, 'runtime', 'replay.events.jsonl'), events.join('\n') + '\n');
    fs.writeFileSync(path.join(tmp, 'cites.json'), JSON.stringify({ first: refs[3], more: { again: [refs[3], refs[3]] } }, null, 1).replace(/\[\n\s*/, '[').replace(/,\n\s*"sha/, ', "sha'));
    client = await LspTestClient.start(tmp);
    await waitFor(async () => (await client.request(StatsRequest.type, {})).ready, 60000, 'ready');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const hoverOn = async (ref: string) => {
    const doc = path.join(tmp, 'hovered.md');
    const uri = await client.open(doc, `see ${ref}\n`, 'markdown');
    const p = { textDocument: { uri }, position: { line: 0, character: 10 } };
    const h = await client.request(HoverRequest.type, p);
    return { text: h ? (h.contents as { value: string }).value : '', p };
  };

  it('says "1,000+ places" for a ref with more referrers, while references list them all', async () => {
    const { text, p } = await hoverOn(refs[0]);
    assert.match(text, /\*\*Referenced by:\*\* 1,000\+ places/);
    const all = await client.request(ReferencesRequest.type, { ...p, context: { includeDeclaration: false } });
    assert.equal((all ?? []).filter((l) => l.uri !== p.textDocument.uri).length, 1200);
    await client.close(p.textDocument.uri);
  });

  it('answers the references of a ref with over a thousand referrers whole exactly as it streams them, in order', async () => {
    // Unstreamed, the answer is packed and written in pieces (packedLocations, FramedWriter); streamed, in plain pages.
    const { p } = await hoverOn(refs[0]);
    const params = { ...p, context: { includeDeclaration: true } };
    const whole = await client.request(ReferencesRequest.type, params);
    const pages: Location[][] = [];
    const listening = client.connection.onProgress(new ProgressType<Location[]>(), 'all-of-them', (page) => void pages.push(page));
    assert.deepEqual(await client.request(ReferencesRequest.type, { ...params, partialResultToken: 'all-of-them' }), []);
    listening.dispose();
    assert.ok(pages.length >= 2, `in pages (${pages.length})`);
    // The declaration, 1,200 lines in two files on disk and the hovered document's unsaved line.
    assert.equal(whole?.length, 1202);
    assert.deepEqual(whole, pages.flat());
    assert.deepEqual(new Set(whole.map((l) => l.uri)).size, 4);
    await client.close(p.textDocument.uri);
  });

  it('counts a few referrers exactly', async () => {
    const { text, p } = await hoverOn(refs[1]);
    assert.match(text, /\*\*Referenced by:\*\* 3 places/);
    await client.close(p.textDocument.uri);
  });

  it('counts a line once, its namespace and abbreviations, and not another namespace or an invalid ref', async () => {
    const { text, p } = await hoverOn(refs[2]);
    assert.match(text, new RegExp(`^\`${refs[2]}\``), 'the hover of another ref');
    assert.match(text, /\*\*Referenced by:\*\* 3 places/);
    await client.close(p.textDocument.uri);
  });

  it('counts an event and the ref on its line as one place, and a line of a JSON file once', async () => {
    const { text, p } = await hoverOn(refs[3]);
    assert.match(text, new RegExp(`^\`${refs[3]}\``), 'the hover of another ref');
    assert.match(text, /\*\*Referenced by:\*\* 5 places/);
    await client.close(p.textDocument.uri);
  });
});
