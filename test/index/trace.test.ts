import * as assert from 'node:assert/strict';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import type { TraceStep } from '../../shared/protocol';
import { sha256, Workspace } from './fixture';

/** A step as `eventType: ref[kind]` with its children, for whole-trace comparisons. */
function shape(s: TraceStep): unknown {
  const head = [s.eventType, s.ref && `${s.kind ?? '?'} ${s.ref.slice(7, 15)}`, s.missing && 'missing'].filter(Boolean).join(' ');
  return s.children ? { [head]: s.children.map(shape) } : head;
}

describe('index trace', () => {
  const ws = new Workspace();
  let index: RefIndex;
  const h: Record<string, string> = {};

  before(async () => {
    h.prompt = ws.artifact('runtime', 'prompts', { text: 'be brief' });
    h.req1 = ws.artifact('runtime', 'requests', { prompt_ref: `sha256:${h.prompt}`, run_id: 'r1' });
    h.out1 = ws.artifact('runtime', 'outputs', { text: '4' });
    h.resp1 = ws.artifact('runtime', 'responses', { output_ref: `sha256:${h.out1}`, run_id: 'r1' });
    h.toolOut = sha256('never written');
    h.call1 = ws.artifact('runtime', 'tool_calls', { output_ref: `sha256:${h.toolOut}`, tool_id: 'calc' });
    h.req2 = ws.artifact('runtime', 'requests', { run_id: 'r2' });
    h.resp2 = sha256('response lost');
    ws.auditLog('runtime/logs/audit.jsonl', [
      { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' },
      { event_type: 'provider_request_written', run_id: 'r1', artifact_ref: `sha256:${h.req1}`, ts: '2024-05-01T10:00:01Z' },
      { event_type: 'provider_request_written', run_id: 'r2', artifact_ref: `sha256:${h.req2}`, ts: '2024-05-01T10:00:01.500Z' },
      { event_type: 'provider_response_written', run_id: 'r1', artifact_ref: `sha256:${h.resp1}`, ts: '2024-05-01T10:00:03.250Z' },
      { event_type: 'tool_call_written', run_id: 'r1', tool_call_ref: `sha256:${h.call1}`, ts: '2024-05-01T10:00:04Z' },
      { event_type: 'provider_response_written', run_id: 'r2', artifact_ref: `sha256:${h.resp2}`, ts: '2024-05-01T10:00:04.500Z' },
      { event_type: 'run_completed', run_id: 'r1', ts: '2024-05-01T10:00:05Z' },
    ]);
    // A plain log without run ids: a request's trace ends at the next request.
    h.reqA = ws.artifact('other', 'requests', { n: 'a' });
    h.respA = ws.artifact('other', 'responses', { n: 'a' });
    h.reqB = ws.artifact('other', 'requests', { n: 'b' });
    ws.write(
      'other/app.events.jsonl',
      [
        { type: 'provider_request_written', artifact_ref: `sha256:${h.reqA}`, seq: 1, ts: '2024-05-01T11:00:00Z' },
        { type: 'provider_response_written', artifact_ref: `sha256:${h.respA}`, seq: 2, ts: '2024-05-01T11:00:02Z' },
        { type: 'provider_request_written', artifact_ref: `sha256:${h.reqB}`, seq: 3, ts: '2024-05-01T11:00:03Z' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    // A run state and its ledger, pointing into a file store.
    const bytes = Buffer.from('step output');
    h.fileId = sha256(bytes).slice(0, 32);
    ws.write(`runs/artifacts/${h.fileId}.bin`, bytes);
    ws.write(`runs/artifacts/${h.fileId}.meta`, JSON.stringify({ artifact_id: h.fileId, content_type: 'text/plain', size_bytes: bytes.length }));
    ws.write('runs/run_r5.json', JSON.stringify({ run_id: 'r5', status: 'completed', output: { $artifact: h.fileId } }));
    ws.write(
      'runs/ledger_r5.jsonl',
      [
        { run_id: 'r5', step_id: 's1', node_id: 'plan', status: 'succeeded', result: null, started_at: '2024-05-01T12:00:00Z' },
        { run_id: 'r5', step_id: 's2', node_id: 'write', status: 'succeeded', result: { $artifact: h.fileId }, started_at: '2024-05-01T12:00:01.250Z' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    index = createIndex({ folders: [ws.dir] });
    await index.build();
  });
  after(async () => {
    await index.close();
    ws.remove();
  });

  it('follows a request through the events of its run, with content refs, times and deltas', () => {
    const t = index.trace(`sha256:${h.req1.slice(0, 16)}`);
    assert.equal(t.root, `sha256:${h.req1}`);
    assert.deepEqual(t.steps.map(shape), [
      { provider_request_written: [{ [`requests ${h.req1.slice(0, 8)}`]: [`prompts ${h.prompt.slice(0, 8)}`] }] },
      { provider_response_written: [{ [`responses ${h.resp1.slice(0, 8)}`]: [`outputs ${h.out1.slice(0, 8)}`] }] },
      { tool_call_written: [{ [`tool_calls ${h.call1.slice(0, 8)}`]: [`? ${h.toolOut.slice(0, 8)} missing`] }] },
      'run_completed',
    ]);
    assert.deepEqual(
      t.steps.map((s) => s.deltaMs),
      [undefined, 2250, 750, 1000],
    );
    assert.deepEqual(
      t.steps.map((s) => s.time),
      ['2024-05-01T10:00:01Z', '2024-05-01T10:00:03.250Z', '2024-05-01T10:00:04Z', '2024-05-01T10:00:05Z'],
    );
    assert.equal(t.steps[0].line, 1);
  });

  it('keeps other runs out and shows a response that was never written as missing', () => {
    const t = index.trace(`sha256:${h.req2}`);
    assert.deepEqual(t.steps.map(shape), [
      { provider_request_written: [`requests ${h.req2.slice(0, 8)}`] },
      { provider_response_written: [`? ${h.resp2.slice(0, 8)} missing`] },
    ]);
  });

  it('without run ids, ends the trace at the next request', () => {
    const t = index.trace(`sha256:${h.reqA}`);
    assert.deepEqual(t.steps.map((s) => [s.sequence, s.eventType]), [
      [1, 'provider_request_written'],
      [2, 'provider_response_written'],
    ]);
    assert.equal(t.steps[1].deltaMs, 2000);
  });

  it("traces a run state through its ledger", () => {
    const t = index.trace(ws.p('runs/run_r5.json'));
    assert.equal(t.error, undefined);
    assert.equal(t.steps.length, 2);
    assert.equal(t.steps[1].deltaMs, 1250);
    assert.deepEqual(t.steps[1].children?.map((c) => [c.ref, c.kind]), [[`artifact:${h.fileId}`, 'file-store']]);
  });

  it('answers an unknown ref with the reason and no steps', () => {
    assert.deepEqual(index.trace(`sha256:${'9'.repeat(64)}`), { root: `sha256:${'9'.repeat(64)}`, steps: [], error: 'dangling' });
    assert.equal(index.trace('../x/sha256:' + h.req1).error, 'invalid');
  });

  it('draws the provenance graph around a request', () => {
    const g = index.graph({ ref: `sha256:${h.resp1}`, depth: 1 });
    const ids = new Set(g.nodes.map((n) => n.id));
    assert.ok(ids.has(`sha256:${h.resp1}`) && ids.has(`sha256:${h.out1}`));
    assert.ok(g.edges.some((e) => e.from === `sha256:${h.resp1}` && e.to === `sha256:${h.out1}`));
    const writer = g.edges.find((e) => e.to === `sha256:${h.resp1}` && e.from.startsWith('event:'));
    assert.equal(writer?.label, 'artifact_ref');
    const out = index.graph({ ref: `sha256:${h.resp1}`, depth: 2, direction: 'out' });
    assert.ok(out.edges.every((e) => e.from !== e.to));
    assert.ok(!out.nodes.some((n) => n.kind === 'event'));
  });
});
