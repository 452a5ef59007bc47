// Columns held narrower than the values they may take, widened by the first value that does
// not fit: names-table ids (a few hundred event types, log files, field paths, roots, roles) in
// 16 bits, numbers that are int32s but for a rare file's own (lines, sequences, sizes) in 32.
// At 1M artifacts (1.37M events, 1.91M event refs) the event columns alone hold 28 MB less than
// at 32 and 64 bits. A widening copies the column once, in one piece (a few ms at 1M rows); a
// column is never narrowed again.

/** Names-table ids, NONE (-1) as itself: 16 bits until an id past INT16_MAX comes. */
export type IdColumn = Int16Array | Int32Array;
const INT16_MAX = 0x7fff;

/** `column` with `id` at `at`: the column itself, or its copy at 32 bits when `id` does not fit in it. */
export function withId(column: IdColumn, at: number, id: number): IdColumn {
  if (id > INT16_MAX && column instanceof Int16Array) column = Int32Array.from(column);
  column[at] = id;
  return column;
}

/** Whether every id of `ids` (a column's span just written) fits in `column`, or the span must be written again into a wider one. */
export function holdsIds(column: IdColumn, largest: number): boolean {
  return largest <= INT16_MAX || column instanceof Int32Array;
}

/** `column` at 32 bits (itself when it is). */
export function wideIds(column: IdColumn): Int32Array {
  return column instanceof Int32Array ? column : Int32Array.from(column);
}

/** Numbers that may be absent (a line, a sequence): int32s, ABSENT for none, until a value that is not one comes; then float64s, NaN for none. */
export type NumberColumn = Int32Array | Float64Array;
/** An int32 column's absent value (a value equal to it widens the column). */
const ABSENT = -0x80000000;

/** The number at `at`, or undefined when absent. */
export function numberAt(column: NumberColumn, at: number): number | undefined {
  const v = column[at];
  if (column instanceof Int32Array) return v === ABSENT ? undefined : v;
  return Number.isNaN(v) ? undefined : v;
}

/** `column` with `value` (undefined or NaN: absent) at `at`: the column itself, or its copy as float64s when `value` is not an int32 it can hold. */
export function withNumber(column: NumberColumn, at: number, value: number | undefined): NumberColumn {
  if (column instanceof Int32Array) {
    if (value === undefined || Number.isNaN(value)) {
      column[at] = ABSENT;
      return column;
    }
    // -0 is kept as written: an int32 would make it 0.
    if ((value | 0) === value && value !== ABSENT && !Object.is(value, -0)) {
      column[at] = value;
      return column;
    }
    column = wideNumbers(column);
  }
  column[at] = value ?? NaN;
  return column;
}

/** `column` as float64s, NaN for absent (itself when it is): what a saved section holds. */
export function wideNumbers(column: NumberColumn): Float64Array {
  if (column instanceof Float64Array) return column;
  const wide = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) wide[i] = column[i] === ABSENT ? NaN : column[i];
  return wide;
}

/** Copies `count` numbers of `from` from `start` into `to` from `at` (either kind into either); returns `to` or its widened copy. */
export function copyNumbers(from: NumberColumn, start: number, count: number, to: NumberColumn, at: number): NumberColumn {
  if (from.constructor === to.constructor) {
    (to as Float64Array).set((from as Float64Array).subarray(start, start + count), at);
    return to;
  }
  for (let i = 0; i < count; i++) to = withNumber(to, at + i, numberAt(from, start + i));
  return to;
}
