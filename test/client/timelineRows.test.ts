import * as assert from 'node:assert/strict';
import { timelineRows } from '../../client/timeline/rows';
import type { TraceResult } from '../../shared/protocol';
import { addTiming } from '../../shared/trace/timing';

describe('timeline model', () => {
  it('places each step on the axis from the trace start, keeps its artifact and marks the critical path', () => {
    const t: TraceResult = {
      root: 'f1',
      runId: 'f1',
      steps: [
        { eventType: 'plan', time: '2025-01-01T00:00:00Z', end: '2025-01-01T00:00:01Z' },
        { eventType: 'search', time: '2025-01-01T00:00:01Z', end: '2025-01-01T00:00:02Z', children: [{ ref: 'sha256:' + 'a'.repeat(64), kind: 'tool_calls' }] },
        { eventType: 'fetch', time: '2025-01-01T00:00:01Z', end: '2025-01-01T00:00:05Z', children: [{ ref: 'sha256:' + 'b'.repeat(64), missing: true }] },
        { eventType: 'note' },
      ],
    };
    addTiming(t);
    const m = timelineRows(t);
    assert.equal(m.title, 'run f1');
    assert.equal(m.span, 5000);
    assert.equal(m.total, '5.00 s');
    assert.deepEqual(
      m.groups[0].rows.map((r) => [r.i, r.label, r.at, r.dur, r.kind, !!r.critical, !!r.missing]),
      [
        [0, 'plan', 0, 1000, undefined, true, false],
        [1, 'search', 1000, 1000, 'tool_calls', false, false],
        [2, 'fetch', 1000, 4000, undefined, true, true],
        [3, 'note', 0, 0, undefined, false, false],
      ],
    );
  });
});
