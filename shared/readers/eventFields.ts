// What every event reader extracts the same way: a JSON line parsed into an object (or a
// problem at that line), the refs it holds with their field paths, and a small summary.
import type { EventRef, FileRecord } from '../records';
import type { KeyRules } from '../refs/refRole';
import { refsInJson } from './jsonRefs';
import { describeJsonError } from './parseJson';
import { addProblem } from './record';

export type JsonObject = Record<string, unknown>;

/** The line as an object; otherwise a `malformed` problem at that line (none for a partial line). */
export function parseLineObject(rec: FileRecord, text: string, lineNo: number, partial: boolean, what: string): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    if (!partial) {
      const { reason, offset } = describeJsonError(text, err);
      const where = offset !== undefined ? { line: lineNo, col: offset } : { line: lineNo };
      addProblem(rec, 'malformed', 'error', `line ${lineNo + 1} is not valid JSON (${reason}); skipped`, where);
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    addProblem(rec, 'malformed', 'error', `line ${lineNo + 1} is not a JSON object, so it is not ${what}; skipped`, { line: lineNo });
    return undefined;
  }
  return value as JsonObject;
}

/** Refs in `value` as event refs, classified by `rules`; skipped when the scanner found none on the line. */
export function eventRefs(value: unknown, hasRefs: boolean, rules: KeyRules | undefined): EventRef[] {
  if (!hasRefs) return [];
  return refsInJson(value, '', rules).map((r) => {
    const ref: EventRef = r.namespace !== undefined ? { key: r.key, field: r.path, namespace: r.namespace } : { key: r.key, field: r.path };
    if (r.role) ref.role = r.role;
    return ref;
  });
}

const MAX_SUMMARY_FIELDS = 8;

/**
 * Fields recording an event's own end, summarised before any other so a crowded event keeps
 * them: a step's end and duration in a trace come from these (CONTRACT 2, Timing).
 */
export const END_FIELDS = ['ended_at', 'end_time', 'duration_ms', 'duration_s'];
const MAX_SUMMARY_STRING = 200;

/** Each field's path split at its dots, once per list (a log summarises every event with the same list). */
const splitFields = new WeakMap<string[], string[][]>();

function partsOf(fields: string[]): string[][] {
  let parts = splitFields.get(fields);
  if (!parts) splitFields.set(fields, (parts = fields.map((f) => f.split('.'))));
  return parts;
}

/**
 * Small scalar fields worth showing beside an event: `fields` first (in that order, nested
 * paths like `effect.type` allowed), then other top-level scalars of `obj` not in `skip`.
 */
export function summarize(obj: JsonObject, fields: string[], skip: Set<string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let n = 0;
  const take = (name: string, v: unknown): void => {
    if (n >= MAX_SUMMARY_FIELDS || name in out) return;
    if (typeof v === 'string' ? v.length <= MAX_SUMMARY_STRING : typeof v === 'number' || typeof v === 'boolean') {
      out[name] = v;
      n++;
    }
  };
  const paths = partsOf(fields);
  for (let i = 0; i < fields.length; i++) {
    let v: unknown = obj;
    for (const part of paths[i]) v = v !== null && typeof v === 'object' ? (v as JsonObject)[part] : undefined;
    take(fields[i], v);
  }
  for (const [k, v] of Object.entries(obj)) if (!skip.has(k)) take(k, v);
  return n ? out : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}
