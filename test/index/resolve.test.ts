import * as assert from 'node:assert/strict';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { isResolvedTarget, type Resolution, type ResolvedTarget, type Unresolved } from '../../shared/index/resolution';
import { sha256, Workspace } from './fixture';

function ok(r: Resolution): ResolvedTarget {
  assert.ok(isResolvedTarget(r), `expected a resolved ref, got ${JSON.stringify(r)}`);
  return r;
}

const isResolveFailure = (r: Resolution): r is Unresolved => r.type === 'unresolved';

describe('index resolve', () => {
  const ws = new Workspace();
  let index: RefIndex;
  const h: Record<string, string> = {};
  let blake: string[];

  before(async () => {
    h.prompt = ws.artifact('runtime', 'prompt_templates', { template: 'You are helpful.' });
    h.output = ws.artifact('runtime', 'outputs', { text: 'four' });
    h.response = ws.artifact('runtime', 'responses', { output_ref: `sha256:${h.output}`, run_id: 'r1' });
    h.request = ws.artifact('runtime', 'requests', { created_at: '2024-05-01T10:00:00Z', model: 'm-1', prompt_ref: `prompt_templates/sha256:${h.prompt}`, run_id: 'r1', schema: 'req/v1' });
    // Two artifacts whose names share a 10-hex prefix (their bytes do not match their names).
    h.twinA = 'abcdef0123' + '1'.repeat(54);
    h.twinB = 'abcdef0123' + '2'.repeat(54);
    ws.write(`runtime/artifacts/explains/${h.twinA}.json`, '{}');
    ws.write(`runtime/artifacts/explains/${h.twinB}.json`, '{"x":1}');
    h.deleted = sha256('gone');
    h.deletedBare = sha256('gone without a trace');
    ws.auditLog('runtime/logs/audit.jsonl', [
      { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' },
      { event_type: 'provider_request_written', run_id: 'r1', artifact_ref: `sha256:${h.request}`, ts: '2024-05-01T10:00:01Z' },
      { event_type: 'provider_response_written', run_id: 'r1', artifact_ref: `sha256:${h.response}`, ts: '2024-05-01T10:00:02Z' },
      { event_type: 'artifact.deleted', artifact_ref: `sha256:${h.deleted}`, size_bytes: 1234, ts: '2024-05-01T10:00:03Z' },
      { event_type: 'artifact.deleted', artifact_ref: `sha256:${h.deletedBare}`, ts: '2024-05-01T10:00:04Z' },
    ]);
    blake = await ws.sqliteEvents('runtime/events.db', [{ type: 'provider_request_written', payload: { artifact_ref: `sha256:${h.request}` }, at: '2024-05-01T10:00:01.500Z' }]);
    // A deduplicated file store: refs/<id>.meta names blobs/<blob_id>.bin.
    const bytes = Buffer.from('file store bytes');
    h.blobId = sha256(bytes);
    h.fileId = h.blobId.slice(0, 32);
    ws.write(`store/artifacts/blobs/${h.blobId}.bin`, bytes);
    ws.write(`store/artifacts/refs/${h.fileId}.meta`, JSON.stringify({ artifact_id: h.fileId, blob_id: h.blobId, content_type: 'text/plain', size_bytes: bytes.length, created_at: '2024-05-02T00:00:00Z' }));
    // A flat store whose bytes were pruned: the sidecar remains.
    h.prunedId = sha256('pruned bytes').slice(0, 32);
    ws.write(`flat/artifacts/${h.prunedId}.meta`, JSON.stringify({ artifact_id: h.prunedId, content_type: 'text/plain', size_bytes: 12 }));
    ws.write('store/run_r9.json', JSON.stringify({ run_id: 'r9', vars: { doc: { $artifact: h.fileId } } }));
    // A model store.
    const model = Buffer.from('model weights');
    h.model = sha256(model);
    ws.write(`state/models/by-hash/${h.model}.gguf`, model);
    ws.write('state/models/tiny.json', JSON.stringify({ id: 'tiny', file: `${h.model}.gguf`, path: ws.p(`state/models/by-hash/${h.model}.gguf`), sha256: h.model, cas: 'sha256', bytes: model.length, provider: 'hf', url: 'https://example.test/tiny', verified: true }));
    ws.write(
      'notes.md',
      [
        `request sha256:${h.request}`,
        `shout sha256:${h.request.toUpperCase()}`,
        `bad ../evil/sha256:${h.output}`,
        `lost sha256:${'e'.repeat(64)}`,
        `twins sha256:abcdef0123`,
      ].join('\n'),
    );
    ws.write('config.json', JSON.stringify({ input_sha256: h.output }));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
  });
  after(async () => {
    await index.close();
    ws.remove();
  });

  it('resolves a canonical ref to its artifact with kind, size, verification, producer and referrers', () => {
    const r = ok(index.resolve(`sha256:${h.request}`));
    assert.equal(r.type, 'artifact');
    assert.equal(r.digest, h.request);
    assert.equal(r.kind, 'requests');
    assert.equal(r.type === 'artifact' && r.namespace, 'requests');
    assert.equal(r.verification, 'verified');
    assert.equal(r.type === 'artifact' && r.path, ws.p(`runtime/artifacts/requests/${h.request}.json`));
    assert.equal(r.createdAt, '2024-05-01T10:00:00Z');
    assert.equal(r.type === 'artifact' && r.schema, 'req/v1');
    assert.equal(r.producedBy?.eventType, 'provider_request_written');
    assert.equal(r.producedBy?.line, 1);
    assert.equal(r.producedBy?.path, ws.p('runtime/logs/audit.jsonl'));
    // notes.md twice (lower and upper case, two lines), the audit line, the SQLite row.
    assert.equal(r.referencedBy, 4);
    assert.deepEqual(r.refs, [`prompt_templates/sha256:${h.prompt}`]);
    assert.equal(index.references(`sha256:${h.request}`).filter((l) => l.path === ws.p('notes.md')).length, 2);
  });

  it('resolves a namespaced ref only inside its namespace', () => {
    assert.equal(ok(index.resolve(`prompt_templates/sha256:${h.prompt}`)).kind, 'prompt_templates');
    const wrong = index.resolve(`requests/sha256:${h.prompt}`);
    assert.ok(isResolveFailure(wrong) && wrong.error === 'dangling');
  });

  it('resolves an abbreviation when unique and lists the candidates when ambiguous', () => {
    assert.equal(ok(index.resolve(`sha256:${h.request.slice(0, 12)}`)).digest, h.request);
    const r = index.resolve('sha256:abcdef0123');
    assert.ok(isResolveFailure(r));
    assert.equal(r.error, 'ambiguous');
    assert.deepEqual(r.candidates, [`sha256:${h.twinA}`, `sha256:${h.twinB}`]);
    assert.equal(ok(index.resolve(`sha256:${h.twinA}`)).verification, 'mismatch');
  });

  it('accepts upper-case hex and bare digests', () => {
    assert.equal(ok(index.resolve(`sha256:${h.output.toUpperCase()}`)).digest, h.output);
    assert.equal(ok(index.resolve(h.output)).kind, 'outputs');
  });

  it('resolves blake3 refs to the SQLite event whose payload digest they are', () => {
    const r = ok(index.resolve(`blake3:${blake[0]}`));
    assert.equal(r.kind, 'event');
    assert.ok(r.type === 'event');
    assert.equal(r.event.eventType, 'provider_request_written');
    assert.equal(r.event.sequence, 1);
    assert.equal(r.path, ws.p('runtime/events.db'));
    assert.deepEqual(r.refs, [`sha256:${h.request}`]);
    const lost = index.resolve(`blake3:${'0'.repeat(64)}`);
    assert.ok(isResolveFailure(lost) && lost.error === 'dangling');
  });

  it('resolves file-store entries by $artifact id, artifact:id and the blob digest', () => {
    for (const ref of [JSON.stringify({ $artifact: h.fileId }), `artifact:${h.fileId}`, `sha256:${h.blobId}`]) {
      const r = ok(index.resolve(ref));
      assert.equal(r.kind, 'file-store');
      assert.equal(r.verification, 'verified');
      assert.equal(r.type === 'artifact' && r.path, ws.p(`store/artifacts/blobs/${h.blobId}.bin`));
      assert.equal(r.referencedBy, 1); // the run state's vars
    }
  });

  it('resolves model blobs with their manifest, and lists the model store', () => {
    const r = ok(index.resolve(`sha256:${h.model}`));
    assert.equal(r.kind, 'model-blob');
    assert.equal(r.size, 'model weights'.length);
    assert.ok(r.type === 'blob');
    assert.equal(r.path, ws.p(`state/models/by-hash/${h.model}.gguf`));
    assert.equal(r.manifest?.id, 'tiny');
    assert.equal(r.manifest?.provider, 'hf');
    const m = index.models();
    assert.equal(m.stateDirs.length, 1);
    assert.equal(m.stateDirs[0].dir, ws.p('state'));
    assert.deepEqual(
      m.stateDirs[0].manifests.map((x) => [x.id, x.sha256, x.blobPresent, x.error]),
      [['tiny', h.model, true, undefined]],
    );
    assert.deepEqual(m.stateDirs[0].orphanBlobs, []);
    assert.deepEqual(index.blobs().map((b) => b.digest), [h.model]);
  });

  it('tells pruned evidence from dangling refs', () => {
    const sidecar = ok(index.resolve(`artifact:${h.prunedId}`));
    assert.equal(sidecar.verification, 'pruned');
    const deleted = ok(index.resolve(`sha256:${h.deleted}`));
    assert.equal(deleted.verification, 'pruned');
    assert.equal(deleted.size, 1234);
    // Nothing of it is left but the record of its deletion: that is where it leads.
    assert.ok(deleted.type === 'pruned');
    assert.equal(deleted.deletedBy.eventType, 'artifact.deleted');
    assert.equal(deleted.deletedBy.path, ws.p('runtime/logs/audit.jsonl'));
    assert.equal(deleted.deletedBy.line, 3);
    const bare = index.resolve(`sha256:${h.deletedBare}`);
    assert.ok(isResolveFailure(bare) && bare.error === 'dangling');
  });

  it('rejects invalid refs and reports dangling, ambiguous, non-canonical and invalid refs as problems', () => {
    for (const ref of [`../evil/sha256:${h.output}`, '/abs/sha256:' + h.output, 'artifact:../x', 'hello']) {
      const r = index.resolve(ref);
      assert.ok(isResolveFailure(r) && r.error === 'invalid', ref);
    }
    const problems = index.problems(ws.p('notes.md'));
    const byLine = Object.fromEntries(problems.map((p) => [p.line, `${p.severity} ${p.code}`]));
    assert.deepEqual(byLine, { 1: 'information non-canonical', 2: 'error invalid-ref', 3: 'warning dangling-ref', 4: 'warning ambiguous-ref' });
    // notes.md's lost ref, and the deletion event that kept nothing of what it deleted.
    assert.equal(index.stats().dangling, 2);
    assert.ok(index.problems().some((p) => p.file === ws.p('notes.md') && p.code === 'dangling-ref'));
    // Stats count problems from counters kept on change: the same number as the full listing.
    assert.equal(index.stats().problems, index.problems().length);
  });

  it('counts artifacts, blobs, events and roots', () => {
    const s = index.stats();
    assert.equal(s.ready, true);
    // 6 artifact files + 2 file-store sidecars.
    assert.equal(s.artifacts, 8);
    assert.equal(s.blobs, 1);
    assert.equal(s.events, 6);
    assert.deepEqual(s.roots, [ws.p('flat'), ws.p('runtime'), ws.p('store')]);
    assert.deepEqual(s.stateDirs, [ws.p('state')]);
    assert.deepEqual(index.requests().map((r) => r.ref), [`sha256:${h.request}`]);
    assert.equal(index.requests()[0].model, 'm-1');
    assert.deepEqual(index.artifactsByPrefix('abcdef', 10).map((a) => a.digest), [h.twinA, h.twinB]);
    assert.ok(index.referencedDigests().has(h.output));
    assert.equal(index.runs()[0].runId, 'r9');
  });
});
