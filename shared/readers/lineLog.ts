// The part every JSONL log reader shares: lines split on `\n` (CRLF and empty lines allowed),
// a truncated last line tolerated, and resuming an appended log from where the last read
// stopped. A format only says what one line means and what chain state it carries.
//
// Resume: `resume.offset` is the end of the last complete line (so a line being written is
// re-read once finished); `resume.state` keeps the format's chain state at that point, how
// many events/problems/occurrences came before it, and the hash of the last complete line,
// which is checked before trusting the prefix: a rewritten file is read again from the start.
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { EventEntry, FileRecord, FileRole, Occurrence, Problem } from '../model';
import type { ReadContext } from './types';
import { addProblem, newRecord, occurrencesIn, readInto } from './record';

export interface LineFormat<S> {
  /** Stored in the resume state: a log is resumed only by the format that began it. */
  name: string;
  initial(): S;
  /**
   * Handles one non-empty line (without its line break): pushes events and problems on `rec`
   * and advances `state`. `partial`: the last line, not yet terminated; if it does not parse,
   * return false and report nothing (a writer is mid-append).
   */
  line(state: S, text: string, lineNo: number, rec: FileRecord, partial: boolean, hasRefs: boolean): boolean;
}

interface LogState<S> {
  format: string;
  chain: S;
  events: number;
  problems: number;
  occurrences: number;
  /** Byte offset where the last complete line starts, and sha256 of its bytes up to `resume.offset`. */
  tailStart: number;
  tailHash: string;
}

interface Start<S> {
  format: LineFormat<S>;
  /** False: remember no format, so a resumed read starts over. */
  decided?: boolean;
  offset: number;
  line: number;
  chain: S;
  events: EventEntry[];
  problems: Problem[];
  occurrences: Occurrence[];
  tailStart: number;
  tailHash: string;
}

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** The previous read's state, when `previous` was read by this reader from this file. */
function previousState<S>(ctx: ReadContext, path: string, role: FileRole): { state: LogState<S>; offset: number; line: number } | undefined {
  const prev = ctx.previous;
  const r = prev?.resume;
  if (!prev || !r || prev.path !== path || prev.role !== role) return undefined;
  const s = r.state as LogState<S> | undefined;
  if (!s || typeof s.format !== 'string' || typeof s.tailHash !== 'string') return undefined;
  return { state: s, offset: r.offset, line: r.line };
}

/**
 * Reads a JSONL log. `pick` chooses the format from the first bytes when the log is read from
 * the start; a resumed log keeps the format it was begun with. A choice `pick` could not make
 * yet (no complete record so far) is not remembered, so the next read decides again.
 */
export function readLineLog(
  path: string,
  role: FileRole,
  ctx: ReadContext,
  pick: (head: Buffer) => { format: LineFormat<unknown>; decided: boolean },
  formats: LineFormat<unknown>[],
): FileRecord {
  const resumed = previousState<unknown>(ctx, path, role);
  const format = resumed && formats.find((f) => f.name === resumed.state.format);
  if (resumed && format && ctx.previous) {
    const rec = newRecord(path, role);
    const data = readInto(rec, ctx.maxParseBytes, { from: resumed.state.tailStart });
    if (!data) return rec;
    const bytes = data.bytes;
    const tailLength = resumed.offset - resumed.state.tailStart;
    const grewOnly =
      bytes !== undefined && data.size >= resumed.offset && bytes.length >= tailLength && sha256(bytes.subarray(0, tailLength)) === resumed.state.tailHash;
    if (grewOnly) {
      const prev = ctx.previous;
      const s = resumed.state;
      return parseLines(rec, bytes.subarray(tailLength), {
        format,
        offset: resumed.offset,
        line: resumed.line,
        chain: structuredClone(s.chain),
        events: (prev.events ?? []).slice(0, s.events),
        problems: prev.problems.slice(0, s.problems),
        occurrences: prev.occurrences.slice(0, s.occurrences),
        tailStart: s.tailStart,
        tailHash: s.tailHash,
      });
    }
    // Truncated or rewritten: read it all again below.
  }
  const rec = newRecord(path, role);
  const data = readInto(rec, ctx.maxParseBytes);
  if (!data) return rec;
  if (!data.bytes) {
    addProblem(rec, 'too-large', 'warning', `${(data.size / 1048576).toFixed(1)} MB is above the parse cap of ${(ctx.maxParseBytes / 1048576).toFixed(1)} MB: the log is not read`);
    return rec;
  }
  const { format: chosen, decided } = pick(data.bytes);
  return parseLines(rec, data.bytes, { format: chosen, decided, offset: 0, line: 0, chain: chosen.initial(), events: [], problems: [], occurrences: [], tailStart: 0, tailHash: sha256(Buffer.alloc(0)) });
}

/** Processes `bytes`, which start at file offset `start.offset`, line `start.line`. */
function parseLines<S>(rec: FileRecord, bytes: Buffer, start: Start<S>): FileRecord {
  rec.events = start.events;
  rec.problems = start.problems;
  rec.occurrences = start.occurrences;
  const { format } = start;
  const chain = start.chain;
  if (!isUtf8(bytes)) addProblem(rec, 'malformed', 'warning', 'the log is not valid UTF-8: invalid bytes are shown as U+FFFD', { line: start.line });
  let pos = 0;
  let line = start.line;
  let { tailStart, tailHash } = start;
  let consumed = 0;
  let lastLine = -1;
  // Resume facts at the end of the last complete line.
  let saved: { chain: S; events: number; problems: number; occurrences: number } | undefined;
  for (;;) {
    const nl = bytes.indexOf(10, pos);
    const end = nl === -1 ? bytes.length : nl;
    const partial = nl === -1;
    let textEnd = end;
    if (textEnd > pos && bytes[textEnd - 1] === 13) textEnd--;
    if (partial && pos >= bytes.length) break;
    if (partial) saved = { chain: structuredClone(chain), events: rec.events.length, problems: rec.problems.length, occurrences: rec.occurrences.length };
    const text = bytes.toString('utf8', pos, textEnd);
    if (text.trim() !== '') {
      const occ = occurrencesIn(text, line);
      for (const o of occ) rec.occurrences.push(o);
      format.line(chain, text, line, rec, partial, occ.length > 0);
    }
    if (partial) break;
    lastLine = pos;
    pos = nl + 1;
    consumed = pos;
    line++;
  }
  if (lastLine >= 0) {
    tailStart = start.offset + lastLine;
    tailHash = sha256(bytes.subarray(lastLine, consumed));
  }
  if (!saved) saved = { chain, events: rec.events.length, problems: rec.problems.length, occurrences: rec.occurrences.length };
  const state: LogState<S> = { format: start.decided === false ? '' : format.name, ...saved, tailStart, tailHash };
  rec.resume = { offset: start.offset + consumed, line, state };
  return rec;
}
