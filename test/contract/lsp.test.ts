// CONTRACT 3 conformance on a workspace the demo did not write (./workspace.ts): the built
// server over stdio with two workspace folders and a `files.exclude` setting, every custom
// request checked field by field against what the workspace holds, the standard features on
// refs of every form, and the CLI (CONTRACT 4) answering exactly what the server answers.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { type Diagnostic, type Hover, type Location, type LocationLink, DefinitionRequest, HoverRequest, ReferencesRequest } from 'vscode-languageserver-protocol';
import { type GraphResult, type ResolveSuccess, GraphRequest, ResolveRequest, RunsRequest, SnapshotsRequest, StatsRequest, TraceRequest, VerifyRequest } from '../../shared/protocol';
import { cliPath, fileUri, LspTestClient, positionOf, answered, hoverMarkdown } from '../server/lspClient';
import { buildContractWorkspace, type ContractWorkspace } from './workspace';

/** LSP 3.18 lets a diagnostic's message be Markdown. */
const messageOf = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

describe('contract: language server on a hand-built multi-root workspace', function () {
  this.timeout(60000);
  let ws: ContractWorkspace;
  let client: LspTestClient;
  let notesUri: string;

  before(async () => {
    ws = buildContractWorkspace();
    await ws.finish();
    client = await LspTestClient.start(ws.folderA, { moreFolders: [ws.folderB], configuration: { 'files.exclude': { '**/archive': true, '**/ignored': false } } });
    notesUri = await client.open(ws.files.notes, undefined, 'markdown');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws.base, { recursive: true, force: true });
  });

  const resolve = (ref: string) => client.request(ResolveRequest.type, { ref });
  const inNotes = (needle: string, offset = 3) => ({ textDocument: { uri: notesUri }, position: positionOf(ws.files.notesText, needle, offset) });

  it('refscope/stats: both folders searched, the excluded folder and node_modules skipped, blobs apart from artifacts', async () => {
    const s = await client.request(StatsRequest.type, {});
    assert.equal(s.ready, true);
    assert.equal(s.artifacts, ws.expectedArtifacts);
    assert.equal(s.blobs, 1);
    assert.deepEqual([...s.roots].sort(), [ws.roots.R, ws.roots.F, ws.roots.B, ws.roots.S2].sort());
    assert.ok(s.events >= ws.events.length, `events ${s.events}`);
    assert.ok(Number.isInteger(s.refs) && Number.isInteger(s.dangling) && typeof s.indexMs === 'number');
    const archived = await resolve(ws.artifacts.archived.ref);
    assert.equal((archived as { error?: string }).error, 'dangling', 'an excluded folder is not indexed');
  });

  it('refscope/resolve: CONTRACT 3 fields for an artifact, and `refscope show` prints the same answer', async () => {
    const a = ws.artifacts;
    const r = (await resolve(a.request.ref)) as ResolveSuccess;
    assert.deepEqual(
      { ref: r.ref, digest: r.digest, kind: r.kind, uri: r.uri, size: r.size, verification: r.verification, createdAt: r.createdAt, schema: r.schema },
      { ref: a.request.ref, digest: a.request.hex, kind: 'requests', uri: fileUri(a.request.file), size: a.request.size, verification: 'verified', createdAt: '2026-03-01T10:00:01.250Z', schema: 'req.v2' },
    );
    assert.deepEqual(r.producedBy, { eventType: 'provider_request_written', sequence: 2, time: '2026-03-01T10:00:01.250Z', uri: fileUri(ws.logs.auditLog), line: 1 });
    assert.ok(r.referencedBy >= 3);
    // The CLI on a workspace that holds both folders answers the same (it applies no exclude,
    // and the archive cites nothing of alpha).
    for (const ref of [a.request.ref, a.query.ref, `sha256:${ws.prunedHex}`, `artifact:${ws.fileStore.dedupId}`, `sha256:${'d'.repeat(64)}`]) {
      const cli = spawnSync(process.execPath, [cliPath, 'show', ref, '--json', '--workspace', ws.base, '--cache', path.join(ws.base, '.cache-cli')], { encoding: 'utf8' });
      assert.deepEqual(JSON.parse(cli.stdout), await resolve(ref), `show ${ref}`);
    }
  });

  it('refscope/resolve: errors are {ref, error} with candidates for an ambiguous prefix', async () => {
    const prefix = `sha256:${ws.artifacts.twins[0].hex.slice(0, 8)}`;
    const amb = (await resolve(prefix)) as { ref: string; error: string; candidates: string[] };
    assert.equal(amb.ref, prefix);
    assert.equal(amb.error, 'ambiguous');
    assert.deepEqual([...amb.candidates].sort(), ws.artifacts.twins.map((t) => t.ref).sort());
    for (const [ref, error] of [
      [`a/./b/sha256:${ws.artifacts.output.hex}`, 'invalid'],
      [`sha256:${'d'.repeat(64)}`, 'dangling'],
      ['artifact:a/b', 'invalid'],
    ]) {
      const res = (await resolve(ref)) as { ref: string; error: string };
      assert.deepEqual([res.ref, res.error], [ref, error]);
    }
  });

  it('refscope/trace: the request, the rest of its run, content refs, times; the CLI prints the same', async () => {
    const t = await client.request(TraceRequest.type, { ref: ws.artifacts.request.ref });
    assert.equal(t.root, ws.artifacts.request.ref);
    assert.deepEqual(t.steps.map((s) => s.sequence), [2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(t.steps[1].children?.[0].children?.map((c) => c.ref), [ws.artifacts.output.ref]);
    const cli = spawnSync(process.execPath, [cliPath, 'trace', ws.artifacts.request.ref, '--json', '--workspace', ws.base, '--cache', path.join(ws.base, '.cache-cli')], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(cli.stdout), t);
  });

  it('refscope/graph: content edges out, producing events and citing files in, depth and direction honoured', async () => {
    const a = ws.artifacts;
    const out = await client.request(GraphRequest.type, { ref: a.response.ref, direction: 'out', depth: 1 });
    const ids = (g: GraphResult) => new Map(g.nodes.map((n) => [n.id, n]));
    const outNodes = ids(out);
    const response = [...outNodes.values()].find((n) => n.id.includes(a.response.hex));
    const output = [...outNodes.values()].find((n) => n.id.includes(a.output.hex));
    assert.ok(response && output, JSON.stringify(out.nodes));
    assert.deepEqual([response.kind, output.kind], ['responses', 'outputs']);
    assert.ok(out.edges.some((e) => e.from === response.id && e.to === output.id && typeof e.label === 'string'));
    assert.ok(out.nodes.every((n) => typeof n.label === 'string' && typeof n.kind === 'string'));
    assert.ok(out.edges.every((e) => outNodes.has(e.from) && outNodes.has(e.to)), 'every edge joins two listed nodes');

    const into = await client.request(GraphRequest.type, { ref: a.response.ref, direction: 'in', depth: 1 });
    assert.ok(!into.nodes.some((n) => n.id.includes(a.output.hex)), 'direction in does not follow the response out to its output');
    const producer = into.nodes.find((n) => n.label.includes('provider_response_written'));
    assert.ok(producer, JSON.stringify(into.nodes));
    assert.ok(into.edges.some((e) => e.from === producer.id && e.to === response.id));

    // depth 2 out of the request reaches the prompt template's and the query's artifacts
    const deep = await client.request(GraphRequest.type, { ref: a.request.ref, direction: 'out', depth: 2 });
    for (const hex of [a.prompt.hex, a.query.hex]) assert.ok(deep.nodes.some((n) => n.id.includes(hex)), `graph lacks ${hex}`);
  });

  it('refscope/runs: the capsule (run id, mode, time) and every run state; refscope/snapshots: both shapes', async () => {
    const runs = await client.request(RunsRequest.type, {});
    const capsule = runs.find((r) => r.ref === ws.artifacts.capsule.ref);
    assert.ok(capsule, JSON.stringify(runs));
    assert.deepEqual([capsule.runId, capsule.mode, capsule.time, capsule.uri], ['r-alpha', 'replay', '2026-03-01T10:00:05Z', fileUri(ws.artifacts.capsule.file)]);
    const capsuleRefs = (capsule.groups ?? []).flatMap((g) => g.refs.map((r) => r.ref));
    for (const ref of [ws.artifacts.toolCall.ref, ws.artifacts.toolOutput.ref]) assert.ok(capsuleRefs.includes(ref), `capsule groups ${capsuleRefs}`);
    const states = runs.filter((r) => r.uri.endsWith('.json') && path.basename(decodeURIComponent(new URL(r.uri).pathname)).startsWith('run_'));
    assert.deepEqual(states.map((r) => r.runId).sort(), ['r-bad', 'r-flow', 'r-plain']);
    const flow = states.find((r) => r.runId === 'r-flow')!;
    assert.equal(flow.uri, fileUri(ws.files.runFile));
    assert.equal(flow.time, '2026-03-05T12:00:00+00:00');
    assert.ok(runs.every((r) => typeof r.ref === 'string' && r.ref.length > 0 && r.uri.startsWith('file://')));

    const snaps = await client.request(SnapshotsRequest.type, {});
    assert.deepEqual(snaps.map((s) => s.uri).sort(), [fileUri(ws.artifacts.snapshot.file), fileUri(ws.files.snapshotFile)].sort());
    assert.equal(snaps.find((s) => s.uri === fileUri(ws.artifacts.snapshot.file))?.ref, ws.artifacts.snapshot.ref);
    assert.equal(snaps.find((s) => s.uri === fileUri(ws.files.snapshotFile))?.runId, 'r-flow');
  });

  it('hover on a nested namespaced ref: ref, kind, namespace, size, verification, created, producer, referrers, escaped preview', async () => {
    const md = hoverMarkdown(await client.request(HoverRequest.type, inNotes('retrieval/queries/sha256:', 5)));
    const text = new MarkdownIt().render(md);
    assert.ok(md.includes(ws.artifacts.query.hex));
    assert.match(text, /retrieval\/queries/);
    assert.match(text, /queries/);
    assert.ok(text.includes(`${ws.artifacts.query.size} bytes`), text);
    assert.match(text, /verified/);
    assert.match(text, /2026-03-01T10:00:00\.500Z/);
    assert.match(text, /retrieval\.query/);
    assert.match(text, /quarterly numbers/);

    // The prompt's text carries a command link and HTML: rendered, neither survives.
    const prompt = new MarkdownIt({ html: true }).render(hoverMarkdown(await client.request(HoverRequest.type, inNotes('prompt: prompt_templates/sha256:', 12))));
    assert.match(prompt, /You are careful/);
    assert.ok(!/href="command:workbench/.test(prompt) && !/<b>never<\/b>/.test(prompt), prompt);
  });

  it('hover on pruned, BLAKE3 and model refs says what they are', async () => {
    const plain = (h: Hover | null) => new MarkdownIt().render(hoverMarkdown(h)).replace(/<[^>]*>/g, '');
    const pruned = plain(await client.request(HoverRequest.type, inNotes('pruned: sha256:', 12)));
    assert.match(pruned, /Verification: pruned/);
    assert.ok(pruned.includes('Pruned by: artifact.deleted #7 at 2026-03-01T10:00:06Z (audit-2026-03-01.jsonl:7)'), pruned);
    assert.ok(!/dangling/i.test(pruned), pruned);
    const runText = fs.readFileSync(ws.files.runFile, 'utf8');
    const runUri = await client.open(ws.files.runFile, undefined, 'json');
    const sidecar = plain(await client.request(HoverRequest.type, { textDocument: { uri: runUri }, position: positionOf(runText, ws.fileStore.prunedId, 4) }));
    assert.match(sidecar, /Verification: pruned/);
    assert.ok(sidecar.includes(`metaUri: ${ws.fileStore.prunedId}.meta`), sidecar);
    const model = new MarkdownIt().render(hoverMarkdown(await client.request(HoverRequest.type, inNotes('model: sha256:', 12))));
    assert.ok(model.includes(`${ws.model.blobBytes.length} bytes`), model);
    const betaText = fs.readFileSync(ws.files.betaNotes, 'utf8');
    const betaUri = await client.open(ws.files.betaNotes, undefined, 'markdown');
    const event = new MarkdownIt().render(hoverMarkdown(await client.request(HoverRequest.type, { textDocument: { uri: betaUri }, position: positionOf(betaText, 'blake3:', 10) })));
    assert.match(event, /v1\.package\.created/);
  });

  it('definition: a namespaced ref, a `<hex>.txt` artifact, a model blob and an {"$artifact"} id go to their files', async () => {
    const target = (loc: Location | Location[] | LocationLink[] | null) => {
      const first = Array.isArray(loc) ? loc[0] : loc;
      assert.ok(first, 'expected a definition');
      return 'uri' in first ? first.uri : first.targetUri;
    };
    assert.equal(target(await client.request(DefinitionRequest.type, inNotes('nested: ', 12))), fileUri(ws.artifacts.query.file));
    assert.equal(target(await client.request(DefinitionRequest.type, inNotes('text evidence: ', 20))), fileUri(ws.artifacts.toolOutput.file));
    assert.equal(target(await client.request(DefinitionRequest.type, inNotes('model: ', 12))), fileUri(ws.model.blobFile));
    const runText = fs.readFileSync(ws.files.runFile, 'utf8');
    const runUri = await client.open(ws.files.runFile, undefined, 'json');
    const flat = target(await client.request(DefinitionRequest.type, { textDocument: { uri: runUri }, position: positionOf(runText, ws.fileStore.flatId, 4) }));
    assert.ok([`${ws.fileStore.flatId}.bin`, `${ws.fileStore.flatId}.meta`].some((f) => flat === fileUri(path.join(ws.roots.F, 'artifacts', f))), flat);
  });

  it('references: every place citing a request, in logs, code, notes and other folders', async () => {
    const locs = answered(await client.request(ReferencesRequest.type, { ...inNotes('request: sha256:', 12), context: { includeDeclaration: false } }));
    const uris = new Set(locs.map((l) => l.uri));
    for (const f of [ws.files.notes, ws.files.code, ws.logs.auditLog]) assert.ok(uris.has(fileUri(f)), `references lack ${f}: ${[...uris].join(', ')}`);
    // The audit record names the request twice (artifact_ref and request_hash).
    assert.equal(locs.filter((l) => l.uri === fileUri(ws.logs.auditLog)).length, 2);
  });

  it('diagnostics: invalid, dangling and upper-case refs in notes; pruned ones are no problem', async () => {
    const d = await client.waitForDiagnostics(notesUri, (list) => list.length >= 3);
    const on = (line: number) => d.filter((x: Diagnostic) => x.range.start.line === line);
    assert.equal(on(7)[0]?.severity, 1, `invalid ref at line 8: ${JSON.stringify(d)}`);
    assert.ok(on(6).some((x) => /dangling/i.test(messageOf(x))), JSON.stringify(d));
    assert.ok(on(5).some((x) => x.severity === 3), 'upper-case hex is information');
    assert.deepEqual(on(8), [], 'a pruned ref is not dangling');
    assert.deepEqual(on(9), [], 'a `.txt` artifact resolves');
  });

  it('diagnostics: broken audit chain, ledger record hash, BLAKE3 digest and hostile manifest at their places', async () => {
    await client.request(VerifyRequest.type, {});
    const expectAt = async (file: string, line: number | undefined, what: RegExp) => {
      const d = await client.waitForDiagnostics(fileUri(file), (list) => list.some((x) => what.test(messageOf(x)) && (line === undefined || x.range.start.line === line)));
      assert.ok(d.some((x) => x.severity === 1));
    };
    await expectAt(ws.logs.brokenLog, 2, /chain/i);
    await expectAt(ws.logs.badLedger, 1, /record_hash|chain/i);
    await expectAt(ws.logs.db, undefined, /BLAKE3|digest/i);
    await expectAt(path.join(ws.roots.state, 'models', 'evil.json'), undefined, /manifest/i);
    await expectAt(ws.artifacts.mismatch.file, undefined, /hash|name/i);
    const goodLedger = client.diagnostics.get(fileUri(ws.logs.ledger)) ?? [];
    assert.ok(!goodLedger.some((x) => x.severity === 1), JSON.stringify(goodLedger));
  });
});
