// Protocol tests: the built server over stdio, a real client, a real temp workspace. They
// check the wiring (each request reaches its feature with the right document, position,
// open documents and settings, and the answer comes back as LSP); what each feature answers
// is tested directly on the service, in services/refscopeService.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { type Diagnostic, type Hover, type Location, CodeLensRequest, ProgressType, CompletionRequest, DefinitionRequest, DocumentLinkRequest, HoverRequest, ReferencesRequest, WorkspaceSymbolRequest } from 'vscode-languageserver-protocol';
import { isResolveRun, ResolveRequest, StatsRequest, VerifyRequest } from '../../shared/protocol';
import { writeFixture, type Fixture } from './fixture';
import { fileUri, LspTestClient, positionOf, waitFor, answered, oneLocation, completionItems, hoverMarkdown, symbolUris } from './lspClient';

/** The hover as a reader sees it: rendered, tags dropped, entities decoded. */
function hoverText(h: Hover | null): string {
  const html = new MarkdownIt().render(hoverMarkdown(h));
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };
  return html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#39);/g, (e) => entities[e]);
}

describe('language server: features', function () {
  this.timeout(30000);
  let fx: Fixture;
  let client: LspTestClient;
  let notesUri: string;

  before(async () => {
    fx = writeFixture();
    client = await LspTestClient.start(fx.dir);
    notesUri = await client.open(fx.notes, undefined, 'markdown');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  const at = (needle: string, offset = 3) => ({ textDocument: { uri: notesUri }, position: positionOf(fx.notesText, needle, offset) });

  it('answers a request sent right after initialized, with work-done progress around the build', async () => {
    const stats = await client.request(StatsRequest.type, {});
    assert.equal(stats.ready, true);
    // output, response, request, prompt, hostile, two ambiguous notes, the mismatch
    assert.equal(stats.artifacts, 8);
    assert.ok(stats.roots.includes(fx.root), `roots ${JSON.stringify(stats.roots)}`);
    await waitFor(() => client.progress.some((p) => p.value.kind === 'end'), 2000, 'progress end');
    assert.equal(client.progress[0].value.kind, 'begin');
    await waitFor(() => client.indexChanged.length > 0, 2000, 'refscope/indexChanged');
    assert.equal(client.indexChanged[0].artifacts, 8);
  });

  it('warms up before ready without showing it: nothing published for its documents, no file written for the saved one', async () => {
    await client.request(StatsRequest.type, {});
    await client.request(HoverRequest.type, at(`sha256:${fx.request.hex}`, 10));
    assert.deepEqual(client.published.map((p) => p.uri).filter((uri) => uri.includes('refscope-warm-up')), []);
    assert.equal(fs.existsSync(path.join(os.tmpdir(), `refscope-warm-up-${client.proc.pid}`)), false);
  });

  it('hovers the ref under the cursor of an open document, as Markdown over its range', async () => {
    const h = await client.request(HoverRequest.type, at(`sha256:${fx.request.hex}`, 10));
    assert.equal((h?.contents as { kind?: string }).kind, 'markdown');
    const md = hoverText(h);
    assert.ok(md.includes(`sha256:${fx.request.hex}`));
    assert.match(md, /Kind: requests/);
    const line = fx.notesText.split('\n').findIndex((l) => l.includes(`sha256:${fx.request.hex}`));
    assert.equal(h?.range?.start.line, line);
    assert.equal(h?.range?.end.character, fx.notesText.split('\n')[line].length);
    // A document the server was never told about has no hover.
    assert.equal(await client.request(HoverRequest.type, { textDocument: { uri: fileUri(`${fx.dir}/never-opened.md`) }, position: { line: 0, character: 0 } }), null);
  });

  it('goes to the definition: the artifact file', async () => {
    const loc = oneLocation(await client.request(DefinitionRequest.type, at(`sha256:${fx.request.hex}`, 10)));
    assert.equal(loc.uri, fileUri(fx.request.path));
    assert.equal(loc.range.start.line, 0);
  });

  it('finds references in artifacts, logs, workspace files and unsaved open text', async () => {
    const scratch = `${fx.dir}/scratch.txt`;
    const scratchUri = await client.open(scratch, `unsaved mention sha256:${fx.response.hex}\n`);
    const configText = fs.readFileSync(fx.config, 'utf8');
    const configUri = fileUri(fx.config);
    await client.open(fx.config, configText, 'json');
    const locs = answered(
      await client.request(ReferencesRequest.type, {
        textDocument: { uri: configUri },
        position: positionOf(configText, fx.response.hex, 2),
        context: { includeDeclaration: false },
      }),
    );
    const uris = locs.map((l) => l.uri);
    assert.ok(uris.includes(fileUri(fx.auditLog)), 'the log line that wrote it');
    assert.ok(uris.includes(configUri), 'the bare digest in config.json');
    assert.ok(uris.includes(scratchUri), 'unsaved text of an open document');
    await client.close(scratchUri);
    await client.close(configUri);
  });

  it('streams the references of a ref with thousands of referrers as partial results when the client asks for them', async () => {
    const manyPath = `${fx.dir}/many-mentions.md`;
    const manyText = Array.from({ length: 2500 }, (_, i) => `- mention ${i} of sha256:${fx.prompt.hex}`).join('\n') + '\n';
    const manyUri = await client.open(manyPath, manyText, 'markdown');
    const params = { textDocument: { uri: manyUri }, position: positionOf(manyText, fx.prompt.hex, 2), context: { includeDeclaration: false } };
    const whole = answered(await client.request(ReferencesRequest.type, params));
    assert.ok(whole.length >= 2500, `every mention (${whole.length})`);
    const pages: Location[][] = [];
    const token = 'references-partial';
    const listening = client.connection.onProgress(new ProgressType<Location[]>(), token, (page) => {
      pages.push(page);
    });
    const rest = await client.request(ReferencesRequest.type, { ...params, partialResultToken: token });
    listening.dispose();
    assert.deepEqual(rest, [], 'the final answer is empty once everything went out as partial results');
    assert.ok(pages.length >= 3, `in pages (${pages.length})`);
    const key = (l: Location) => `${l.uri}:${l.range.start.line}:${l.range.start.character}`;
    assert.deepEqual(pages.flat().map(key).sort(), whole.map(key).sort());
    await client.close(manyUri);
  });

  it('links every resolvable ref in a document to its file', async () => {
    const links = answered(await client.request(DocumentLinkRequest.type, { textDocument: { uri: notesUri } }));
    const targets = links.map((l) => l.target);
    assert.ok(targets.includes(fileUri(fx.request.path)));
    assert.ok(targets.includes(fileUri(fx.prompt.path)));
  });

  it('finds workspace symbols by hash prefix, kind and run id', async () => {
    const byPrefix = symbolUris(await client.request(WorkspaceSymbolRequest.type, { query: fx.request.hex.slice(0, 10) }));
    assert.ok(byPrefix.includes(fileUri(fx.request.path)));
    const byKind = symbolUris(await client.request(WorkspaceSymbolRequest.type, { query: 'responses' }));
    assert.ok(byKind.includes(fileUri(fx.response.path)));
    const byRun = symbolUris(await client.request(WorkspaceSymbolRequest.type, { query: 'run-1' }));
    assert.ok(byRun.length >= 3);
  });

  it('completes a ref after sha256: and 4 hex, and within a namespace', async () => {
    const text = `x sha256:${fx.prompt.hex.slice(0, 5)}\ny prompt_templates/sha256:${fx.prompt.hex.slice(0, 5)}\n`;
    const uri = await client.open(`${fx.dir}/typing.md`, text, 'markdown');
    const list = completionItems(await client.request(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 2 + 7 + 5 } }));
    const item = list.find((i) => i.label === `sha256:${fx.prompt.hex}`);
    assert.ok(item, JSON.stringify(list.map((i) => i.label)));
    assert.match(item.detail ?? '', /prompt_templates/);
    const inNs = completionItems(await client.request(CompletionRequest.type, { textDocument: { uri }, position: { line: 1, character: 2 + 17 + 7 + 5 } }));
    assert.deepEqual(inNs.map((i) => i.label), [`sha256:${fx.prompt.hex}`]);
    await client.close(uri);
  });

  it('publishes the diagnostics of an opened document', async () => {
    const diags = await client.waitForDiagnostics(notesUri, (d) => d.length > 0);
    assert.deepEqual(diags.map((d) => `${d.code}@${d.range.start.line}`).sort(), ['ambiguous-ref@4', 'dangling-ref@5', 'invalid-ref@6', 'non-canonical@7']);
  });

  it('publishes again after each edit, from the text in the editor', async () => {
    const uri = await client.open(`${fx.dir}/draft.md`, `new: sha256:${'a'.repeat(64)}\n`, 'markdown');
    await client.waitForDiagnostics(uri, (d) => d.length === 1 && d[0].code === 'dangling-ref');
    await client.change(uri, `ok: sha256:${fx.output.hex}\nstill gone: sha256:${fx.dangling.slice(0, 20)}\n`);
    const second = await client.waitForDiagnostics(uri, (d) => d.length === 1 && d[0].range.start.line === 1);
    assert.equal(second[0].code, 'dangling-ref');
    // Editing the notes (indexed, on disk) diagnoses the edit, not the saved file.
    await client.change(notesUri, `# Notes\nsha256:${fx.request.hex}\n`);
    await client.waitForDiagnostics(notesUri, (d) => d.length === 0);
    await client.change(notesUri, fx.notesText);
    await client.waitForDiagnostics(notesUri, (d) => d.length === 4);
    await client.close(uri);
  });

  it('diagnoses a log opened as it is on disk from the index, and the same log edited to the same size from its text', async () => {
    const text = fs.readFileSync(fx.auditLog, 'utf8');
    const uri = await client.open(fx.auditLog, text, 'jsonl');
    const saved = await client.waitForDiagnostics(uri, (ds) => ds.some((x) => x.code === 'dangling-ref'));
    assert.equal(saved.find((x) => x.code === 'dangling-ref')!.range.start.line, 3);
    // Same byte count, other bytes: the index's problems no longer describe this text.
    const edited = text.replace('d'.repeat(64), 'e'.repeat(64));
    assert.equal(Buffer.byteLength(edited), Buffer.byteLength(text));
    await client.change(uri, edited);
    const d = await client.waitForDiagnostics(uri, (ds) => ds.some((x) => x.code === 'dangling-ref' && String(x.message).includes('e'.repeat(64))));
    assert.ok(!d.some((x) => String(x.message).includes('d'.repeat(64))), JSON.stringify(d));
    await client.close(uri);
  });

  it('diagnoses a 4 MB unsaved document of multi-byte text, read in many chunks, at its UTF-16 columns', async () => {
    // Every line has 2-, 3- and 4-byte characters before its ref, so the pipe's chunks split
    // some of them; a ref's column counts the emoji as two UTF-16 units.
    const lead = 'é中😀 ';
    const lines: string[] = [];
    for (let i = 0, bytes = 0; bytes < 4 * 1024 * 1024; i++) {
      lines.push(`${lead.repeat(1 + (i % 7))}{"seq": ${i}, "artifact_ref": "sha256:${i % 50 === 0 ? fx.dangling : fx.output.hex}"}`);
      bytes += Buffer.byteLength(lines[i]) + 1;
    }
    const text = lines.join('\n') + '\n';
    const uri = await client.open(`${fx.dir}/draft-${Date.now()}.jsonl`, text, 'jsonl');
    const d = await client.waitForDiagnostics(uri, () => true, 20000);
    const dangling = d.filter((x) => x.code === 'dangling-ref');
    assert.equal(dangling.length, Math.ceil(lines.length / 50));
    for (const x of [dangling[0], dangling[7], dangling[dangling.length - 1]]) {
      const line = lines[x.range.start.line];
      assert.equal(line.slice(x.range.start.character, x.range.end.character), `sha256:${fx.dangling}`, `line ${x.range.start.line}`);
    }
    await client.close(uri);
  });

  it('reports a broken chain at its line, across the workspace and on refscope/verify', async () => {
    const answer = await client.request(VerifyRequest.type, {});
    assert.ok(answer.problems >= 2, `problems: ${answer.problems}`);
    const d = await client.waitForDiagnostics(fileUri(fx.brokenLog), (ds) => ds.some((x) => x.code === 'broken-chain'));
    assert.equal(d.find((x) => x.code === 'broken-chain')!.range.start.line, 1);
    const m = await client.waitForDiagnostics(fileUri(fx.mismatch.path), (ds) => ds.some((x) => x.code === 'hash-mismatch'));
    assert.equal(m.length, 1);
  });

  it('shows code lenses on an artifact file, open or not', async () => {
    const lenses = answered(await client.request(CodeLensRequest.type, { textDocument: { uri: fileUri(fx.request.path) } }));
    assert.equal(lenses.length, 3, JSON.stringify(lenses));
    const trace = lenses.find((l) => l.command?.command === 'refscope.traceRequest');
    assert.deepEqual(trace?.command?.arguments, [`sha256:${fx.request.hex}`]);
  });

  it('answers refscope/resolve as CONTRACT 3 specifies', async () => {
    const ok = await client.request(ResolveRequest.type, { ref: `sha256:${fx.response.hex}` });
    assert.ok(!('error' in ok));
    assert.equal(ok.kind, 'responses');
    assert.equal(ok.uri, fileUri(fx.response.path));
    assert.equal(ok.verification, 'verified');
    assert.deepEqual(ok.producedBy, { eventType: 'provider_response_written', uri: fileUri(fx.auditLog), line: 2, sequence: 3, time: '2026-01-01T00:00:02Z' });
    assert.deepEqual(ok.refs, [`sha256:${fx.output.hex}`]);
    const gone = await client.request(ResolveRequest.type, { ref: `sha256:${fx.dangling}` });
    assert.equal('error' in gone && gone.error, 'dangling');
    // A run id (CONTRACT 1.8) answers with its run, located by a URI.
    const run = await client.request(ResolveRequest.type, { ref: 'run-1' });
    assert.ok(isResolveRun(run));
    assert.deepEqual([run.runId, run.uri, run.line], ['run-1', fileUri(fx.auditLog), 0]);
    const amb = await client.request(ResolveRequest.type, { ref: `sha256:${fx.ambiguous[0].hex.slice(0, 8)}` });
    assert.equal('error' in amb && amb.error, 'ambiguous');
    const bad = await client.request(ResolveRequest.type, { ref: `../x/sha256:${fx.output.hex}` });
    assert.equal('error' in bad && bad.error, 'invalid');
  });
});

export type { Diagnostic };
