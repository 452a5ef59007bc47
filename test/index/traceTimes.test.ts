import * as assert from 'node:assert/strict';
import { displayTime, instantOf } from '../../shared/index/times';

describe('index times', () => {
  it('shows epoch seconds and milliseconds as ISO times, anything else as written', () => {
    assert.equal(displayTime('1767225601'), '2026-01-01T00:00:01.000Z');
    assert.equal(displayTime('1767225601.25'), '2026-01-01T00:00:01.250Z');
    assert.equal(displayTime('1767225601250'), '2026-01-01T00:00:01.250Z');
    assert.equal(displayTime('2026-01-01T00:00:01+01:00'), '2026-01-01T00:00:01+01:00');
    // Small numbers are counters or offsets more often than 1970 dates.
    assert.equal(displayTime('42'), '42');
    assert.equal(displayTime('soon'), 'soon');
    assert.equal(displayTime('9'.repeat(30)), '9'.repeat(30));
  });

  it('measures gaps on the instants, whatever form each time is written in', () => {
    assert.equal(instantOf('1767225602.5')! - instantOf('2026-01-01T00:00:01Z')!, 1500);
    assert.equal(instantOf('7')! - instantOf('5')!, 2000);
    assert.equal(instantOf('never'), undefined);
    assert.equal(instantOf(undefined), undefined);
  });
});
