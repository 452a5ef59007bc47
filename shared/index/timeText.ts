// Times as written (event times, artifact `created_at`), kept as a number when it renders back
// to exactly the same text: 8 bytes in a Float64Array instead of a string per record.

/**
 * How a time is kept: as the number it renders back from exactly (ms for the ISO
 * form `Date` writes, µs for Python's `2026-11-20T13:00:02.000000+00:00` and SQLite's
 * `2026-11-20 13:00:02.000000`), else as text.
 */
export const enum TimeForm {
  None = 0,
  IsoMs = 1,
  PythonUtcMicros = 2,
  SqlMicros = 3,
  Text = 4,
}

/** The microsecond forms: date, separator, time, six-digit fraction, zone suffix. */
const MICRO_FORMS: { form: TimeForm; pattern: RegExp; separator: string; suffix: string }[] = [
  { form: TimeForm.PythonUtcMicros, pattern: /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})\.(\d{6})\+00:00$/, separator: 'T', suffix: '+00:00' },
  { form: TimeForm.SqlMicros, pattern: /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\.(\d{6})$/, separator: ' ', suffix: '' },
];

export function renderTime(form: TimeForm, value: number): string {
  if (form === TimeForm.IsoMs) return new Date(value).toISOString();
  const { separator, suffix } = MICRO_FORMS.find((f) => f.form === form)!;
  const seconds = Math.floor(value / 1e6);
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}.${String(value - seconds * 1e6).padStart(6, '0')}${suffix}`;
}

/** The time as a form and a number, when the number renders back to exactly the same text. */
export function timeValue(time: string): [TimeForm, number] {
  const ms = Date.parse(time);
  if (Number.isFinite(ms) && renderTime(TimeForm.IsoMs, ms) === time) return [TimeForm.IsoMs, ms];
  for (const { form, pattern } of MICRO_FORMS) {
    const m = pattern.exec(time);
    const seconds = m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
    if (!m || !Number.isFinite(seconds)) continue;
    const micros = seconds * 1000 + Number(m[3]);
    if (renderTime(form, micros) === time) return [form, micros];
  }
  return [TimeForm.Text, NaN];
}
