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
  if (form === TimeForm.IsoMs) return isoText(value) ?? new Date(value).toISOString();
  const { separator, suffix } = MICRO_FORMS.find((f) => f.form === form)!;
  const seconds = Math.floor(value / 1e6);
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}.${String(value - seconds * 1e6).padStart(6, '0')}${suffix}`;
}

/** The time as a form and a number, when the number renders back to exactly the same text. */
export function timeValue(time: string): [TimeForm, number] {
  const iso = isoValue(time);
  if (iso === iso) return [TimeForm.IsoMs, iso]; // not NaN
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

// The ISO form of every time the bench's logs and artifacts carry, parsed and written by hand:
// timeValue and renderTime run for every event and artifact time a cold index reads and saves
// (~250k at 109k artifacts), and a Date.parse, a Date, its ISO string and a comparison each time
// cost ~0.4 s of CPU across the threads. Anything not exactly this form goes through Date as before.

const MS_PER_DAY = 86_400_000;
/** The ISO form's length (`YYYY-MM-DDTHH:MM:SS.mmmZ`) and its fixed characters' codes by position. */
const ISO_LENGTH = 24;
const ISO_FIXED: [number, number][] = [
  [4, 45], // -
  [7, 45],
  [10, 84], // T
  [13, 58], // :
  [16, 58],
  [19, 46], // .
  [23, 90], // Z
];

/**
 * Milliseconds of `time` when it is exactly what Date's toISOString writes for a year 0-9999
 * (`YYYY-MM-DDTHH:MM:SS.mmmZ`, every field in range), so that it renders back to the same
 * text; NaN for anything else (the caller then asks Date).
 */
function isoValue(time: string): number {
  if (time.length !== ISO_LENGTH) return NaN;
  for (const [at, code] of ISO_FIXED) if (time.charCodeAt(at) !== code) return NaN;
  const year = digits(time, 0, 4);
  const month = digits(time, 5, 2);
  const day = digits(time, 8, 2);
  const hour = digits(time, 11, 2);
  const minute = digits(time, 14, 2);
  const second = digits(time, 17, 2);
  const ms = digits(time, 20, 3);
  if ((year | month | day | hour | minute | second | ms) < 0) return NaN; // a character was not a digit
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return NaN;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The ISO text Date's toISOString writes for `value` (ms), for years 0-9999; undefined otherwise. */
function isoText(value: number): string | undefined {
  if (!Number.isInteger(value)) return undefined;
  const days = Math.floor(value / MS_PER_DAY);
  let rest = value - days * MS_PER_DAY;
  const [year, month, day] = civilFromDays(days);
  if (year < 0 || year > 9999) return undefined;
  const ms = rest % 1000;
  rest = (rest - ms) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms, 3)}Z`;
  // Flat, as Date's is: joined, it is a tree of its pieces (~0.5 KB) until a read flattens it.
  text.charCodeAt(0);
  return text;
}

/** The decimal number of the `n` digits at `at`, or -1 when one is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
