// Small helpers every reader shares: an empty record, problems, the read-or-report step,
// and occurrences of refs in decoded text.
import { isUtf8 } from 'node:buffer';
import { lstatSync } from 'node:fs';
import type { FileRecord, FileRole, Occurrence, Problem, ProblemCode, Severity } from '../records';
import type { KeyRules } from '../refs/refRole';
import { scanRefs, toOccurrences } from '../refs/scanner';
import { readFileBytes, UnreadableError, type FileBytes, type ReadBytes } from './fileBytes';

export function newRecord(path: string, role: FileRole): FileRecord {
  return { path, size: 0, mtimeMs: 0, role, occurrences: [], problems: [] };
}

export function addProblem(
  rec: FileRecord,
  code: ProblemCode,
  severity: Severity,
  message: string,
  where: Pick<Problem, 'line' | 'col' | 'endCol' | 'sequence'> = {},
): void {
  rec.problems.push({ file: rec.path, ...where, severity, code, message });
}

type ReadOptions = Parameters<ReadBytes>[2];

/**
 * Reads the file for `rec` (setting its size and mtime) through `read`; on failure records an
 * `unreadable` problem and returns undefined.
 */
export function readInto(rec: FileRecord, cap: number, opts?: ReadOptions, read: ReadBytes = readFileBytes): FileBytes | undefined {
  try {
    const data = read(rec.path, cap, opts);
    rec.size = data.size;
    rec.mtimeMs = data.mtimeMs;
    return data;
  } catch (err) {
    if (!(err instanceof UnreadableError)) throw err;
    addProblem(rec, 'unreadable', 'error', err.message);
    return undefined;
  }
}

/** UTF-8 text of `bytes`; invalid sequences become U+FFFD and, when `warn`, a warning says so. */
export function decodeText(rec: FileRecord, bytes: Buffer, warn = true): string {
  const text = bytes.toString('utf8');
  // Invalid bytes decode to U+FFFD; only then is the (slower) validity check worth running.
  if (warn && text.includes('\uFFFD') && !isUtf8(bytes)) {
    addProblem(rec, 'malformed', 'warning', 'the file is not valid UTF-8: invalid bytes are shown as U+FFFD and refs next to them may be missed');
  }
  return text;
}

/** Every ref in `text` as an occurrence, classified by `rules`, `lineOffset` added to each line. */
export function occurrencesIn(text: string, rules: KeyRules | undefined, lineOffset = 0): Occurrence[] {
  const matches = scanRefs(text);
  if (matches.length === 0) return [];
  const occ = toOccurrences(text, matches, rules);
  if (lineOffset) for (const o of occ) o.line += lineOffset;
  return occ;
}

/** A record holding only the file's size and mtime (so the index notices changes). */
export function statRecord(path: string, role: FileRole): FileRecord {
  const rec = newRecord(path, role);
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st) {
    rec.size = st.size;
    rec.mtimeMs = st.mtimeMs;
  }
  return rec;
}
