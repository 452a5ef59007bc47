// JSON.parse with the failure turned into a problem placed at the line and column it names.
import type { FileRecord, Severity } from '../model';
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

/** The parsed document, or undefined with a `malformed` problem saying where it broke. */
export function parseJsonOrReport(rec: FileRecord, text: string, severity: Severity = 'warning', lineOffset = 0): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? lineColAt(text, Number(m[1])) : text.trim() === '' ? { line: 0, col: 0 } : undefined;
    const reason = text.trim() === '' ? 'the file is empty' : msg;
    addProblem(rec, 'malformed', severity, `not valid JSON: ${reason}`, where ? { line: where.line + lineOffset, col: where.col } : { line: lineOffset });
    return undefined;
  }
}
