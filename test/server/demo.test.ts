// The server on the demo workspace (`refscope demo`): every CONTRACT 1 format, each planted
// fault reported where it is, and the refscope/* requests the extension's views use.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { type Hover, DefinitionRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { type StatsResult, GraphRequest, ModelsRequest, ReindexRequest, RequestsRequest, ResolveRequest, RunsRequest, SnapshotsRequest, StatsRequest, TraceRequest, VerifyRequest } from '../../shared/protocol';
import { writeDemo } from './fixture';
import { cliPath, fileUri, LspTestClient, positionOf, oneLocation } from './lspClient';

/** The 0-based line of the first audit record whose prev_hash is not the hash above it. */
function firstBrokenLink(text: string): number {
  const records = text.split('\n').map((l) => (l ? (JSON.parse(l) as { prev_hash: string; hash: string }) : undefined));
  return records.findIndex((r, i) => i > 0 && r !== undefined && records[i - 1] !== undefined && r.prev_hash !== records[i - 1]!.hash);
}

function rendered(h: Hover | null): string {
  assert.ok(h, 'expected a hover');
  return new MarkdownIt().render((h.contents as { value: string }).value).replace(/<[^>]*>/g, '').replace(/&quot;/g, '"');
}

describe('language server: demo workspace', function () {
  this.timeout(30000);
  let dir: string;
  let client: LspTestClient;
  let incident: string;
  let incidentUri: string;

  before(async () => {
    dir = writeDemo();
    client = await LspTestClient.start(dir);
    const file = path.join(dir, 'notes', 'incident.md');
    incident = fs.readFileSync(file, 'utf8');
    incidentUri = await client.open(file, undefined, 'markdown');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const refAfter = (label: string, pattern: RegExp) => {
    const line = incident.split('\n').find((l) => l.includes(label))!;
    return pattern.exec(line)![0];
  };
  const hoverOn = async (ref: string) => rendered(await client.request(HoverRequest.type, { textDocument: { uri: incidentUri }, position: positionOf(incident, ref, 9) }));

  it('hovers a blake3 ref with its event, and goes to its store', async () => {
    const ref = refAfter('registry event', /blake3:[0-9a-f]{64}/);
    const text = await hoverOn(ref);
    assert.match(text, /Kind: event/);
    assert.match(text, /eventType: v1\.package\.created/);
    assert.match(text, /sequence: 1/);
    assert.match(text, /subject: package:/);
    assert.match(text, /time: 2026-/);
    const loc = oneLocation(await client.request(DefinitionRequest.type, { textDocument: { uri: incidentUri }, position: positionOf(incident, ref, 9) }));
    assert.equal(loc.uri, fileUri(path.join(dir, 'artifact-store', 'events.db')));
    assert.equal(loc.range.start.line, 0);
  });

  it('hovers a model blob with its manifest: id, provider, URL, bytes, verified', async () => {
    const text = await hoverOn(refAfter('local model', /sha256:[0-9a-f]{64}/));
    assert.match(text, /Kind: model-blob/);
    assert.match(text, /id: qwen2\.5-7b-instruct-q4_k_m/);
    assert.match(text, /provider: huggingface/);
    assert.match(text, /url: https:\/\/huggingface\.co\//);
    assert.match(text, /bytes: \d+/);
    assert.match(text, /verified: true/);
    assert.match(text, /Binary content/);
  });

  it('hovers a pruned artifact as pruned and an object ref as its file-store entry', async () => {
    const pruned = refAfter('browser screenshot', /sha256:[0-9a-f]{64}/);
    assert.match(await hoverOn(pruned), /Verification: pruned/);
    // Its definition is the deletion record that is all that is left of it.
    const log = path.join(dir, 'agent-b', 'runtime', 'events.jsonl');
    const deletedAt = fs.readFileSync(log, 'utf8').split('\n').findIndex((l) => l.includes('artifact.deleted') && l.includes(pruned.slice(7)));
    const loc = oneLocation(await client.request(DefinitionRequest.type, { textDocument: { uri: incidentUri }, position: positionOf(incident, pruned, 9) }));
    assert.deepEqual([loc.uri, loc.range.start.line], [fileUri(log), deletedAt]);
    const id = /"\$artifact": "([A-Za-z0-9_-]+)"/.exec(incident)![1];
    const text = rendered(await client.request(HoverRequest.type, { textDocument: { uri: incidentUri }, position: positionOf(incident, id, 4) }));
    assert.match(text, /Kind: file-store/);
  });

  it('publishes the planted faults across the workspace where they are', async () => {
    await client.request(VerifyRequest.type, {});
    const db = await client.waitForDiagnostics(fileUri(path.join(dir, 'artifact-store', 'events.db')), (d) => d.some((x) => x.code === 'digest-mismatch'));
    const bad = db.find((x) => x.code === 'digest-mismatch')!;
    assert.equal(bad.range.start.line, 0);
    assert.match(JSON.stringify(bad.message), /#7|sequence 7/);
    const auditPath = path.join(dir, 'agent-a', 'runtime', 'logs', 'audit.jsonl');
    const audit = await client.waitForDiagnostics(fileUri(auditPath), (d) => d.some((x) => x.code === 'broken-chain'));
    assert.equal(audit.find((x) => x.code === 'broken-chain')!.range.start.line, firstBrokenLink(fs.readFileSync(auditPath, 'utf8')));
    await client.waitForDiagnostics(fileUri(path.join(dir, 'state', 'models', 'qwen2.5-7b-instruct-q4_k_m-mirror.json')), (d) => d.some((x) => x.code === 'invalid-manifest'));
    const incidentDiags = await client.waitForDiagnostics(incidentUri, (d) => d.length > 0);
    assert.ok(incidentDiags.some((d) => d.code === 'non-canonical'));
  });

  it('answers trace, graph, runs, snapshots, models, requests and stats', async () => {
    const requests = await client.request(RequestsRequest.type, {});
    assert.ok(requests.length > 0);
    const times = requests.map((r) => r.time ?? '');
    assert.deepEqual([...times].sort().reverse(), times, 'newest first');
    const newest = requests[0].ref;

    const trace = await client.request(TraceRequest.type, { ref: newest });
    assert.equal(trace.root, newest);
    assert.ok(trace.steps.some((s) => s.eventType === 'provider_request_written'));
    assert.ok(trace.steps.some((s) => s.eventType === 'provider_response_written'));

    const graph = await client.request(GraphRequest.type, { ref: newest, depth: 2, direction: 'both' });
    assert.ok(graph.nodes.length >= 2 && graph.edges.length >= 1);
    assert.ok(graph.edges.every((e) => graph.nodes.some((n) => n.id === e.from) && graph.nodes.some((n) => n.id === e.to)));
    assert.ok(graph.nodes.every((n) => !('path' in n) && (n.missing || n.uri?.startsWith('file://'))), JSON.stringify(graph.nodes));
    assert.ok(requests.every((r) => !('path' in r) && r.uri.startsWith('file://')));

    const runs = await client.request(RunsRequest.type, {});
    assert.ok(runs.some((r) => r.uri.includes('/run_capsules/')), 'capsules');
    assert.ok(runs.some((r) => /run_[^/]+\.json$/.test(r.uri)), 'run states');
    const snapshots = await client.request(SnapshotsRequest.type, {});
    assert.ok(snapshots.some((s) => /snapshot_[^/]+\.json$/.test(s.uri)));
    const models = await client.request(ModelsRequest.type, {});
    assert.ok(models.stateDirs[0].manifests.some((m) => m.error), 'the invalid mirror manifest is listed as invalid');
    const stats = await client.request(StatsRequest.type, {});
    assert.equal(stats.ready, true);
    // The same counts as `refscope index` on the same workspace.
    const cli = JSON.parse(execFileSync(process.execPath, [cliPath, 'index', dir, '--json', '--cache', path.join(dir, '..', path.basename(dir) + '-cli-cache')], { encoding: 'utf8' })) as StatsResult;
    fs.rmSync(path.join(dir, '..', path.basename(dir) + '-cli-cache'), { recursive: true, force: true });
    for (const key of ['artifacts', 'refs', 'dangling', 'events', 'blobs'] as const) assert.equal(stats[key], cli[key], key);
    assert.deepEqual(stats.roots, cli.roots);
    assert.equal(stats.blobs, 4);
    const gone = await client.request(ResolveRequest.type, { ref: 'sha256:' + 'e'.repeat(64) });
    assert.equal('error' in gone && gone.error, 'dangling');
  });

  it('rebuilds on refscope/reindex and reports the same workspace', async () => {
    const before = await client.request(StatsRequest.type, {});
    const after = await client.request(ReindexRequest.type, {});
    assert.equal(after.ready, true);
    assert.equal(after.artifacts, before.artifacts);
    assert.equal(after.events, before.events);
  });
});
