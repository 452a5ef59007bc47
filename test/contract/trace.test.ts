// CONTRACT 2 and 3 on trace, resolve, graph and the run groups: each `it` builds its input in a
// temp folder (or uses the contract workspace) and drives the CLI as a child process, the
// index API or the language server over stdio.
import { HoverRequest } from 'vscode-languageserver-protocol';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { canonicalJson } from '../../shared/canonicalJson';
import { createIndex } from '../../shared/index/workspaceIndex';
import { type ResolveSuccess, type TraceResult, RunsRequest } from '../../shared/protocol';
import { cliPath, LspTestClient, hoverMarkdown } from '../server/lspClient';
import { buildContractWorkspace, sha256, type ContractWorkspace } from './workspace';

function cliJson<T>(args: string[]): { status: number | null; out: T } {
  const r = spawnSync(process.execPath, [cliPath, ...args, '--json'], { encoding: 'utf8' });
  return { status: r.status, out: JSON.parse(r.stdout) as T };
}

function put(file: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const jsonl = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('contract trace, resolve and graph', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => (tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-trace-')))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A canonical-JSON artifact under `<root>/artifacts/<kind>/`, returned as its ref. */
  const art = (root: string, kind: string, v: unknown) => {
    const t = canonicalJson(v);
    const h = sha256(t);
    put(path.join(root, 'artifacts', kind, `${h}.json`), t);
    return `sha256:${h}`;
  };
  const trace = (ref: string) => cliJson<TraceResult>(['trace', ref, '--workspace', tmp, '--cache', path.join(tmp, '.c')]).out;

  // CONTRACT 2 "the events after it in the same run (by run_id)"; a root "may hold several logs" (1.4).
  it('trace follows a run across the logs of one root, not into another root', () => {
    const R = path.join(tmp, 'rt', 'runtime');
    const req = art(R, 'requests', { schema: 'r', run_id: 'r-p' });
    const resp = art(R, 'responses', { schema: 'r', run_id: 'r-p' });
    put(path.join(R, 'events.jsonl'), jsonl([{ seq: 1, type: 'provider_request_written', run_id: 'r-p', ts: '2026-01-01T00:00:01Z', artifact_ref: req }]));
    put(path.join(R, 'responses.events.jsonl'), jsonl([{ seq: 2, type: 'provider_response_written', run_id: 'r-p', ts: '2026-01-01T00:00:02Z', artifact_ref: resp }]));
    // Another runtime whose run happens to have the same id is another run.
    const other = path.join(tmp, 'elsewhere', 'runtime');
    const otherResp = art(other, 'responses', { schema: 'r', run_id: 'r-p', n: 2 });
    put(path.join(other, 'events.jsonl'), jsonl([{ seq: 3, type: 'provider_response_written', run_id: 'r-p', ts: '2026-01-01T00:00:03Z', artifact_ref: otherResp }]));
    const t = trace(req);
    assert.deepEqual(
      t.steps.map((s) => [s.eventType, s.children?.[0]?.ref, s.deltaMs]),
      [
        ['provider_request_written', req, undefined],
        ['provider_response_written', resp, 1000],
      ],
    );
  });

  // CONTRACT 1.2: a namespaced ref names `<root>/artifacts/<namespace>/<hex>.json`; shown as written, it can be copied back.
  it('an event field holding a namespaced ref keeps its namespace in the trace, from a fresh read and from the cache', () => {
    const R = path.join(tmp, 'runtime');
    const req = art(R, 'requests', { run_id: 'r1' });
    const query = `retrieval/queries/${art(R, 'retrieval/queries', { q: 'where is it' })}`;
    put(path.join(R, 'events.jsonl'), jsonl([{ seq: 1, type: 'provider_request_written', run_id: 'r1', artifact_ref: req, query_ref: query }]));
    for (const pass of ['fresh', 'cached']) {
      const [step] = trace(req).steps;
      assert.deepEqual(step.children?.map((c) => [c.ref, c.kind, c.missing]), [
        [req, 'requests', undefined],
        [query, 'queries', undefined], // kind is the folder name (CONTRACT 1.3)
      ], pass);
    }
  });

  // CONTRACT 1.3: pruned evidence is shown as pruned, not as dangling.
  it('a trace step and graph node for pruned evidence are marked pruned, not missing', async () => {
    const R = path.join(tmp, 'runtime');
    const req = art(R, 'requests', { run_id: 'r1' });
    const gone = `sha256:${sha256('pruned output')}`;
    const lost = `sha256:${sha256('never written')}`;
    put(
      path.join(R, 'events.jsonl'),
      jsonl([
        { seq: 1, type: 'provider_request_written', run_id: 'r1', artifact_ref: req },
        { seq: 2, type: 'tool_output_written', run_id: 'r1', artifact_ref: gone },
        { seq: 3, type: 'provider_response_written', run_id: 'r1', artifact_ref: lost },
        { seq: 4, type: 'artifact.deleted', run_id: 'r1', artifact_ref: gone, size_bytes: 120, reason: 'retention' },
      ]),
    );
    const [, pruned, missing] = trace(req).steps.map((s) => s.children?.[0]);
    assert.equal(pruned?.ref, gone);
    assert.equal(pruned?.verification, 'pruned');
    assert.equal(pruned?.missing, undefined);
    assert.deepEqual([missing?.ref, missing?.missing, missing?.verification], [lost, true, undefined]);
    const text = spawnSync(process.execPath, [cliPath, 'trace', req, '--workspace', tmp, '--cache', path.join(tmp, '.c')], { encoding: 'utf8' }).stdout;
    assert.ok(text.split('\n').some((l) => l.includes(gone) && l.endsWith('[pruned]') && !l.includes('[missing]')), text);
    const index = createIndex({ folders: [tmp] });
    try {
      await index.build();
      const node = index.graph({ ref: gone }).nodes.find((n) => n.id === gone);
      assert.deepEqual([node?.kind, node?.verification, node?.missing], ['pruned', 'pruned', undefined]);
    } finally {
      await index.close();
    }
  });

  // CONTRACT 1.4 plain JSONL "time in ts": epoch seconds and milliseconds are times too.
  it('epoch ts values are shown as ISO times, with the gaps between them', async () => {
    const R = path.join(tmp, 'runtime');
    const req = art(R, 'requests', { run_id: 'r1', q: 'ping' });
    const resp = art(R, 'responses', { run_id: 'r1', a: 'pong' });
    const capsule = art(R, 'run_capsules', { run: { run_id: 'r1' }, created_at: 1767225604 });
    put(
      path.join(R, 'events.jsonl'),
      jsonl([
        { seq: 1, type: 'provider_request_written', run_id: 'r1', ts: 1767225601, artifact_ref: req },
        { seq: 2, type: 'provider_response_written', run_id: 'r1', ts: 1767225602500, artifact_ref: resp },
        { seq: 3, type: 'run_completed', run_id: 'r1', ts: 1767225603.25 },
      ]),
    );
    const t = trace(req);
    assert.deepEqual(
      t.steps.map((s) => [s.time, s.deltaMs]),
      [
        ['2026-01-01T00:00:01.000Z', undefined],
        ['2026-01-01T00:00:02.500Z', 1500],
        ['2026-01-01T00:00:03.250Z', 750],
      ],
    );
    const shown = cliJson<ResolveSuccess>(['show', resp, '--workspace', tmp, '--cache', path.join(tmp, '.c')]).out;
    assert.equal(shown.producedBy?.time, '2026-01-01T00:00:02.500Z');
    const notes = path.join(tmp, 'notes.md');
    put(notes, `see ${resp}\n`);
    const client = await LspTestClient.start(tmp);
    try {
      const uri = await client.open(notes);
      const hover = await client.request(HoverRequest.type, { textDocument: { uri }, position: { line: 0, character: 10 } });
      const runs = await client.request(RunsRequest.type, {});
      assert.equal(runs.find((r) => r.ref === capsule)?.time, '2026-01-01T00:00:04.000Z');
      assert.match(new MarkdownIt().render(hoverMarkdown(hover)), /Produced by:.*provider_response_written.* #2 at 2026-01-01T00:00:02\.500Z/);
    } finally {
      await client.stop();
    }
  });

  // CONTRACT 3 `refscope/graph`: a dangling ref is a node of its own, with the places naming it.
  it('the graph of a dangling ref is that ref, marked missing, and what mentions it', async () => {
    const R = path.join(tmp, 'runtime');
    const lost = `sha256:${sha256('lost')}`;
    const req = art(R, 'requests', { output_ref: lost });
    put(path.join(R, 'events.jsonl'), jsonl([{ seq: 1, type: 'tool_output_written', artifact_ref: lost }]));
    put(path.join(tmp, 'notes.md'), `lost: ${lost}\n`);
    const index = createIndex({ folders: [tmp] });
    try {
      await index.build();
      const g = index.graph({ ref: lost });
      const node = g.nodes.find((n) => n.id === lost);
      assert.equal(node?.missing, true);
      const from = g.edges.filter((e) => e.to === lost).map((e) => g.nodes.find((n) => n.id === e.from)?.kind).sort();
      assert.deepEqual(from, ['event', 'file', 'requests']);
      assert.ok(g.edges.some((e) => e.from === req && e.to === lost));
      assert.deepEqual(index.graph({ ref: lost, direction: 'out' }).nodes.map((n) => n.id), [lost]);
    } finally {
      await index.close();
    }
  });

  describe('on the contract workspace', () => {
    let ws: ContractWorkspace;
    before(async () => {
      ws = buildContractWorkspace();
      await ws.finish();
    });
    after(() => fs.rmSync(ws.base, { recursive: true, force: true }));
    const show = (ref: string) => cliJson<ResolveSuccess>(['show', ref, '--workspace', ws.base, '--cache', path.join(ws.base, '.c')]).out;

    // CONTRACT 3: `digest` is the digest the ref names; for `sha256:<blob_id>` of a
    // deduplicated file store that is the 64-hex blob id (1.7).
    it('resolve of sha256:<blob_id> answers that digest, not the 32-hex artifact id', () => {
      const r = show(`sha256:${ws.fileStore.blobId}`);
      assert.equal(r.digest, ws.fileStore.blobId);
      assert.equal(r.kind, 'file-store');
      assert.equal(show(`artifact:${ws.fileStore.dedupId}`).digest, ws.fileStore.dedupId);
    });

    // CONTRACT 1.7: file-store entries sit in no artifact namespace.
    it('file-store artifacts resolve without a namespace, in both layouts', () => {
      for (const id of [ws.fileStore.flatId, ws.fileStore.dedupId]) {
        const r = show(`artifact:${id}`);
        assert.equal(r.kind, 'file-store');
        assert.ok(!('namespace' in r), JSON.stringify(r));
      }
      assert.equal(show(ws.artifacts.request.ref).namespace, 'requests');
    });

    // CONTRACT 1.2 namespaced form: a ref written with a namespace is shown as written.
    it('trace children and run groups keep a namespaced ref as written', async () => {
      const t = cliJson<TraceResult>(['trace', ws.artifacts.request.ref, '--workspace', ws.base, '--cache', path.join(ws.base, '.c')]).out;
      const children = t.steps[0].children![0].children!.map((c) => c.ref);
      assert.ok(children.includes(ws.artifacts.query.ref), JSON.stringify(children));
      assert.ok(children.includes(`prompt_templates/sha256:${ws.artifacts.prompt.hex}`), JSON.stringify(children));
      const client = await LspTestClient.start(ws.folderA, { moreFolders: [ws.folderB] });
      try {
        const runs = await client.request(RunsRequest.type, {});
        const capsule = runs.find((r) => r.ref === ws.artifacts.capsule.ref)!;
        const context = capsule.groups!.find((g) => g.label === 'context')!;
        assert.deepEqual(context.refs.map((r) => r.ref), [`prompt_templates/sha256:${ws.artifacts.prompt.hex}`]);
      } finally {
        await client.stop();
      }
    });
  });
});
