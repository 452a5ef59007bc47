import * as assert from 'node:assert/strict';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { Workspace } from '../index/fixture';

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('trace of a run, with timing', () => {
  const ws = new Workspace('refscope-runtrace-');
  let index: RefIndex;
  const h: Record<string, string> = {};

  before(async () => {
    h.req = ws.artifact('a/runtime', 'requests', { run_id: 'run-1', n: 1 });
    h.resp = ws.artifact('a/runtime', 'responses', { run_id: 'run-1', n: 1 });
    h.capsule = ws.artifact('a/runtime', 'run_capsules', { run: { run_id: 'run-1', mode: 'live' } });
    ws.auditLog('a/runtime/logs/audit.jsonl', [
      { event_type: 'run_started', run_id: 'run-1', ts: '2025-01-01T00:00:00Z' },
      { event_type: 'provider_request_written', run_id: 'run-1', artifact_ref: `sha256:${h.req}`, ts: '2025-01-01T00:00:01Z' },
      { event_type: 'run_started', run_id: 'run-2', ts: '2025-01-01T00:00:01.500Z' },
      { event_type: 'run_capsule_written', run_id: 'run-1', capsule_ref: `sha256:${h.capsule}`, ts: '2025-01-01T00:00:04Z' },
    ]);
    // A second log of the same root holds the response; another root's run-1 is another runtime's run.
    ws.write('a/runtime/tools.events.jsonl', jsonl([{ type: 'provider_response_written', run_id: 'run-1', artifact_ref: `sha256:${h.resp}`, ts: '2025-01-01T00:00:03Z' }]));
    ws.write('b/runtime/events.jsonl', jsonl([{ type: 'run_started', run_id: 'run-1', ts: '2025-01-01T00:00:00Z' }]));
    ws.artifact('b/runtime', 'outputs', { n: 'b' });
    ws.artifact('b/runtime', 'outputs', { n: 'c' });
    // A ledger whose steps overlap: plan, then search and fetch in parallel, then write after fetch.
    ws.write('flow/run_f1.json', JSON.stringify({ run_id: 'f1', status: 'completed' }));
    ws.write(
      'flow/ledger_f1.jsonl',
      jsonl([
        { run_id: 'f1', step_id: 's1', node_id: 'plan', status: 'completed', started_at: '2025-01-01T00:00:00Z', ended_at: '2025-01-01T00:00:01Z' },
        { run_id: 'f1', step_id: 's2', node_id: 'search', status: 'completed', started_at: '2025-01-01T00:00:01Z', ended_at: '2025-01-01T00:00:02Z' },
        { run_id: 'f1', step_id: 's3', node_id: 'fetch', status: 'completed', started_at: '2025-01-01T00:00:01Z', ended_at: '2025-01-01T00:00:05Z' },
        { run_id: 'f1', step_id: 's4', node_id: 'write', status: 'completed', started_at: '2025-01-01T00:00:05.500Z', ended_at: '2025-01-01T00:00:06Z' },
      ]),
    );
    index = createIndex({ folders: [ws.dir] });
    await index.build();
  });
  after(async () => {
    await index.close();
    ws.remove();
  });

  it('a run id traces every event of the run across the logs of its root, and no other root', () => {
    const t = index.trace('run-1');
    assert.equal(t.error, undefined);
    assert.equal(t.runId, 'run-1');
    assert.deepEqual(
      t.steps.map((s) => s.eventType),
      ['run_started', 'provider_request_written', 'provider_response_written', 'run_capsule_written'],
    );
    assert.ok(t.steps.every((s) => s.path?.includes('/a/runtime/')));
    assert.equal(t.steps[2].children?.[0].ref, `sha256:${h.resp}`);
  });

  it('a run capsule ref traces its run', () => {
    const t = index.trace(`sha256:${h.capsule}`);
    assert.equal(t.runId, 'run-1');
    assert.equal(t.steps.length, 4);
  });

  it('without a recorded end a step ends where the next one starts; the last has no length', () => {
    const t = index.trace('run-1');
    assert.deepEqual(
      t.steps.map((s) => [s.start, s.end, s.durationMs]),
      [
        ['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:01.000Z', 1000],
        ['2025-01-01T00:00:01.000Z', '2025-01-01T00:00:03.000Z', 2000],
        ['2025-01-01T00:00:03.000Z', '2025-01-01T00:00:04.000Z', 1000],
        ['2025-01-01T00:00:04.000Z', '2025-01-01T00:00:04.000Z', 0],
      ],
    );
    assert.equal(t.durationMs, 4000);
    // Sequential steps do not overlap: no critical path is marked.
    assert.ok(t.steps.every((s) => !s.critical));
  });

  it('ledger steps end at their ended_at, and where they overlap the critical path is marked', () => {
    const t = index.trace('f1');
    assert.deepEqual(
      t.steps.map((s) => [s.sequence, s.durationMs, !!s.critical]),
      [
        [1, 1000, true],
        [2, 1000, false],
        [3, 4000, true],
        [4, 500, true],
      ],
    );
    assert.equal(t.start, '2025-01-01T00:00:00.000Z');
    assert.equal(t.end, '2025-01-01T00:00:06.000Z');
    assert.equal(t.durationMs, 6000);
  });

  it('refscope trace of a request keeps its shape and gains timing', () => {
    const t = index.trace(`sha256:${h.req}`);
    assert.equal(t.runId, 'run-1');
    assert.deepEqual(
      t.steps.map((s) => s.durationMs),
      [2000, 1000, 0],
    );
  });

  it('a run id no event carries is not a run', () => {
    assert.equal(index.trace('run-none').error, 'invalid');
  });
});
