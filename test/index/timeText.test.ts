import * as assert from 'node:assert/strict';
import { renderTime, timeValue, TimeForm } from '../../shared/index/timeText';
import { seededRandom } from './fixture';

/** What timeValue and renderTime answered for the ISO form before they parsed and wrote it by hand: through Date. */
function viaDate(time: string): [TimeForm, number] | undefined {
  const ms = Date.parse(time);
  return Number.isFinite(ms) && new Date(ms).toISOString() === time ? [TimeForm.IsoMs, ms] : undefined;
}

describe('index time text', () => {
  it('keeps an ISO time as the number Date gives it, and writes it back as Date does, over years 0-9999', () => {
    const random = seededRandom(9);
    const edges = [0, -1, 1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2100, 1, 28), Date.UTC(2000, 1, 29), -62167219200000, 253402300799999];
    for (let i = 0; i < 20_000; i++) edges.push(Math.floor((random() * 2 - 0.85) * 2.6e14));
    for (const ms of edges) {
      const text = new Date(ms).toISOString();
      if (text.length !== 24) continue; // a year beyond 0-9999 (+/-YYYYYY): Date's own form, not this one
      assert.equal(renderTime(TimeForm.IsoMs, ms), text);
      assert.deepEqual(timeValue(text), [TimeForm.IsoMs, ms], text);
    }
    // Outside the hand-written form's years, Date writes it.
    assert.equal(renderTime(TimeForm.IsoMs, Date.UTC(10000, 0, 1)), '+010000-01-01T00:00:00.000Z');
    assert.equal(renderTime(TimeForm.IsoMs, -62167219200001), '-000001-12-31T23:59:59.999Z');
  });

  it('keeps as text any time that is not exactly that form with every field in range', () => {
    const texts = [
      '2026-02-29T00:00:00.000Z',
      '1900-02-29T00:00:00.000Z',
      '2026-11-20T24:00:00.000Z',
      '2026-11-20T23:60:00.000Z',
      '2026-11-20T23:59:60.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-01T00:00:00.000Z',
      '2026-11-00T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-11-20T11:00:01.000z',
      '2026-11-20t11:00:01.000Z',
      '2026-11-2OT11:00:01.000Z',
      '2026-11-20T11:00:01.0a0Z',
      '2026-11-20T11:00:01.-00Z',
      '2026-11-20T11:00:01.000Z ',
      '2026-11-20T11:00:01Z',
      '2026-11-20T11:00:01.000+00:00',
    ];
    const random = seededRandom(3);
    // Valid times with one character changed: most are not times Date writes, some are.
    for (let i = 0; i < 20_000; i++) {
      const valid = new Date(Math.floor(random() * 4e12)).toISOString();
      const at = Math.floor(random() * valid.length);
      texts.push(valid.slice(0, at) + '0123456789-T:.Z x/'[Math.floor(random() * 18)] + valid.slice(at + 1));
    }
    for (const text of texts) {
      const [form, value] = timeValue(text);
      const expected = viaDate(text);
      if (expected) assert.deepEqual([form, value], expected, text);
      else assert.ok(form !== TimeForm.IsoMs, text);
    }
    assert.deepEqual(timeValue('2026-02-29T00:00:00.000Z'), [TimeForm.Text, NaN]);
    // The microsecond forms are still kept as numbers.
    assert.equal(timeValue('2026-11-20T13:00:00.123456+00:00')[0], TimeForm.PythonUtcMicros);
    assert.equal(timeValue('2026-11-20 09:01:02.533000')[0], TimeForm.SqlMicros);
  });
});
