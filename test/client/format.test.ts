import * as assert from 'node:assert/strict';
import { formatBytes, formatDelta, formatTime, newestFirst, shortRef } from '../../client/views/format';

describe('client tree labels', () => {
  it('formats sizes, times and the gap between trace steps', () => {
    assert.equal(formatBytes(602), '602 B');
    assert.equal(formatBytes(2048), '2.0 KB');
    assert.equal(formatBytes(4_683_073_536), '4.4 GB');
    assert.equal(formatTime('2026-11-20T09:03:44.901Z'), '2026-11-20 09:03:44');
    assert.equal(formatTime('yesterday'), 'yesterday');
    assert.equal(formatDelta(12), '+12 ms');
    assert.equal(formatDelta(1797), '+1.8 s');
    assert.equal(formatDelta(125_000), '+2m 05s');
    assert.equal(formatDelta(3_720_000), '+1h 02m');
    assert.equal(formatDelta(undefined), undefined);
  });

  it('abbreviates refs keeping the namespace', () => {
    assert.equal(shortRef(`prompt_templates/sha256:${'ab'.repeat(32)}`), 'prompt_templates/sha256:abababababab…');
    assert.equal(shortRef('sha256:abcd1234'), 'sha256:abcd1234');
  });

  it('sorts newest first, undated last in their original order', () => {
    const sorted = newestFirst([{ id: 1 }, { id: 2, time: '2026-01-01T00:00:00Z' }, { id: 3, time: '2026-03-01T00:00:00+02:00' }, { id: 4 }]);
    assert.deepEqual(sorted.map((e) => e.id), [3, 2, 1, 4]);
  });
});
