// JSON.parse with the failure turned into a problem placed at the line and column of the
// fault. V8's messages do not always carry a position, so on failure (the rare path) the
// lexeme parser, which always reports its offset, re-reads the text to find it.
import { JsonSyntaxError, parseLexemeJson } from '../json/lexemeJson';
import type { FileRecord, Severity } from '../records';
import { addProblem } from './record';

/** 0-based line and column of UTF-16 offset `pos` in `text`. */
export function lineColAt(text: string, pos: number): { line: number; col: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: pos - lineStart };
}

/** Why `text` failed JSON.parse with `err`, and where (UTF-16 offset) when known. */
export function describeJsonError(text: string, err: unknown): { reason: string; offset?: number } {
  if (text.trim() === '') return { reason: 'the file is empty', offset: 0 };
  try {
    parseLexemeJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { reason: e.message, offset: e.offset };
  }
  const m = /position (\d+)/.exec((err as Error).message);
  return { reason: (err as Error).message, offset: m ? Number(m[1]) : undefined };
}

/** The parsed document, or undefined with a `malformed` problem saying where it broke. */
export function parseJsonOrReport(rec: FileRecord, text: string, severity: Severity = 'warning'): unknown {
  try {
    // A UTF-8 byte order mark is tolerated (some Windows tools write one); JSON.parse rejects it.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const { reason, offset } = describeJsonError(text, err);
    const where = offset !== undefined ? lineColAt(text, offset) : { line: 0 };
    addProblem(rec, 'malformed', severity, `not valid JSON: ${reason}`, where);
    return undefined;
  }
}
