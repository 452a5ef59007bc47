// The part every JSONL log reader shares: lines split on `\n` (CRLF and empty lines allowed),
// a truncated last line tolerated, and resuming an appended log from where the last read
// stopped. A format only says what one line means and what chain state it carries.
//
// Resume: `resume.offset` is the end of the last complete line (so a line being written is
// re-read once finished); `resume.state` keeps the format's chain state at that point, how
// many events/problems/occurrences came before it, and the hash of the last complete line,
// which is checked before trusting the prefix: a rewritten file is read again from the start.
import { isUtf8 } from 'node:buffer';
import type { EventEntry, FileRecord, FileRole, Occurrence, Problem, TailOf } from '../records';
import type { KeyRules } from '../refs/refRole';
import type { ReadContext } from './types';
import { closeSync } from 'node:fs';
import { openRegularFile, readAt, readAtInto, UnreadableError, type OpenFile } from './fileBytes';
import { PackedRows } from '../index/packedRows';
import { addProblem, newRecord, occurrencesIn } from './record';
import { sha256Hex as sha256 } from './sha256';

export interface LineFormat<S> {
  /** Stored in the resume state: a log is resumed only by the format that began it. */
  name: string;
  initial(): S;
  /**
   * Handles one non-empty line (without its line break): pushes events and problems on `rec`
   * and advances `state`. `partial`: the last line, not yet terminated; if it does not parse,
   * report nothing (a writer is mid-append). `hasRefs`: the scanner found refs on the line;
   * `rules` classify them (CONTRACT 1.8).
   */
  line(state: S, text: string, lineNo: number, rec: FileRecord, partial: boolean, hasRefs: boolean, rules: KeyRules | undefined): void;
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
  /** sha256 of the file's first `headLength` bytes (its first line, at most HEAD_BYTES), once that line is complete. */
  headLength?: number;
  headHash?: string;
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
  head?: { length: number; hash: string };
  /** A tail read (ReadContext `tailOnly`): the rows of the previous record the lists above follow. */
  base?: TailOf;
}

const NOTHING_BEFORE: TailOf = { events: 0, occurrences: 0, problems: 0 };
/**
 * How much of its first line a log's resume checks besides its last line: a log rewritten by a
 * new writer (another run, another time) differs at its start, one appended to never does.
 */
const HEAD_BYTES = 64 * 1024;

/**
 * How much of a log a sliced read from the start (ReadContext `tailBytes`) picks its format
 * from first: a fresh 4 MB buffer for a 16 KB slice cost ~20 ms of page faults.
 */
const PICK_BYTES = 64 * 1024;
/** Logs are read in chunks of this size: any length, bounded memory for the bytes. */
const CHUNK = 4 * 1024 * 1024;
/** A read that stops at a limit reads at least this much past it, to find the end of its line. */
const LINE_LOOKAHEAD = 16 * 1024;

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
  const rec = newRecord(path, role);
  let file: OpenFile;
  try {
    file = openRegularFile(path);
  } catch (err) {
    if (!(err instanceof UnreadableError)) throw err;
    addProblem(rec, 'unreadable', 'error', err.message);
    return rec;
  }
  rec.size = file.size;
  rec.mtimeMs = file.mtimeMs;
  try {
    const start = resumePoint(ctx, rec, file, formats) ?? freshStart(file, pick, ctx.tailBytes === undefined ? CHUNK : PICK_BYTES);
    // A tail read keeps objects: the store extends the log it holds from them.
    const packed = ctx.packRows && !start.base ? new PackedRows(ctx.spillFd) : undefined;
    // A read from the start is sliced only when its format is decided: else the next slice could not resume from it.
    const stopAt = ctx.tailBytes !== undefined && (start.base || start.decided !== false) ? start.offset + ctx.tailBytes : Infinity;
    parseLines(rec, file, start, Math.max(ctx.maxParseBytes, CHUNK), ctx.keyRules, packed, stopAt);
    return rec;
  } finally {
    closeSync(file.fd);
  }
}

/**
 * Where the previous read stopped, if the file only grew since: it is no shorter than that
 * point, and its first and last complete lines before it have the same bytes (a truncated or
 * rewritten log fails one or the other and is read from the start). The lines between are
 * trusted: hashing them again would cost as much as reading them.
 */
function resumePoint(ctx: ReadContext, rec: FileRecord, file: OpenFile, formats: LineFormat<unknown>[]): Start<unknown> | undefined {
  const prev = ctx.previous;
  const r = prev?.resume;
  if (!prev || !r || prev.path !== rec.path || prev.role !== rec.role) return undefined;
  const s = r.state as LogState<unknown> | undefined;
  const format = s && formats.find((f) => f.name === s.format);
  if (!s || !format || typeof s.tailHash !== 'string' || file.size < r.offset) return undefined;
  if (sha256(readAt(file.fd, s.tailStart, r.offset - s.tailStart)) !== s.tailHash) return undefined;
  const head = s.headLength !== undefined && s.headHash !== undefined ? { length: s.headLength, hash: s.headHash } : undefined;
  if (head && sha256(readAt(file.fd, 0, head.length)) !== head.hash) return undefined;
  // A tail read leaves the previous rows where they are (the index holds them): only counts.
  const tail = ctx.tailOnly === true;
  // Packed rows are not sliced here: a whole read continuing them starts over.
  if (!tail && prev.rows) return undefined;
  return {
    format,
    offset: r.offset,
    line: r.line,
    chain: structuredClone(s.chain),
    events: tail ? [] : (prev.events ?? []).slice(0, s.events),
    problems: tail ? [] : prev.problems.slice(0, s.problems),
    occurrences: tail ? [] : prev.occurrences.slice(0, s.occurrences),
    tailStart: s.tailStart,
    tailHash: s.tailHash,
    head,
    base: tail ? { events: s.events, occurrences: s.occurrences, problems: s.problems } : undefined,
  };
}

/**
 * The format picked from the first `headBytes` of the file, or from its first CHUNK when they do
 * not decide it (see PICK_BYTES).
 */
function freshStart(file: OpenFile, pick: (head: Buffer) => { format: LineFormat<unknown>; decided: boolean }, headBytes: number): Start<unknown> {
  let head = readAt(file.fd, 0, Math.min(file.size, headBytes));
  // A UTF-8 byte order mark (Windows writers add one) is not part of the first record.
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let picked = pick(head.subarray(bom));
  if (!picked.decided && head.length < Math.min(file.size, CHUNK)) {
    head = readAt(file.fd, 0, Math.min(file.size, CHUNK));
    picked = pick(head.subarray(bom));
  }
  const { format, decided } = picked;
  return { format, decided, offset: bom, line: 0, chain: format.initial(), events: [], problems: [], occurrences: [], tailStart: bom, tailHash: sha256(Buffer.alloc(0)) };
}

/**
 * Reads the file from `start.offset` to its size in chunks, one line at a time; each line's rows
 * go into `packed` when given. A read stops after the first complete line that ends at or past
 * `stopAt` (a tail read in slices: ReadContext `tailBytes`).
 */
function parseLines<S>(rec: FileRecord, file: OpenFile, start: Start<S>, maxLine: number, rules: KeyRules | undefined, packed: PackedRows | undefined, stopAt: number): void {
  rec.events = start.events;
  rec.problems = start.problems;
  rec.occurrences = start.occurrences;
  const { format, chain } = start;
  let line = start.line;
  let { tailStart, tailHash } = start;
  /** File offset just after the last complete line. */
  let consumed = start.offset;
  let lastLine: Buffer | undefined;
  let firstLineEnd: number | undefined;
  let badUtf8 = false;
  const handle = (bytes: Buffer, partial: boolean): void => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 13) end--;
    const text = bytes.toString('utf8', 0, end);
    if (text.trim() === '') return;
    const occ = occurrencesIn(text, rules, line);
    for (const o of occ) rec.occurrences.push(o);
    format.line(chain, text, line, rec, partial, occ.length > 0, rules);
    packed?.take(rec);
  };
  let carry: Buffer | undefined;
  let skipping = false; // inside a line longer than maxLine
  let stopped = false;
  // One buffer for every chunk, the unfinished line carried to its start: a fresh 4 MB buffer
  // per chunk, and another to join the carried line to it, cost more than the copying itself.
  let buf = Buffer.alloc(0);
  for (let pos = start.offset; pos < file.size && !stopped; ) {
    // Past `stopAt`, only as far as the end of the line it falls in, reading at least as much as
    // the unfinished line carried so far: a long line is then read in doubling steps, where
    // LINE_LOOKAHEAD steps copied the carried line again each time (a 12 MB line took 24 s).
    const kept = carry?.length ?? 0;
    const want = Math.min(CHUNK, file.size - pos, Math.max(stopAt - pos, LINE_LOOKAHEAD, kept));
    if (buf.length < kept + want) {
      // Room for a carried line beside a whole chunk, so the next chunks fit as well.
      const bigger = Buffer.allocUnsafe(kept + want + (want === CHUNK ? LINE_LOOKAHEAD : 0));
      carry?.copy(bigger, 0);
      buf = bigger;
    } else if (carry) carry.copy(buf, 0); // copies forwards within buf, as memmove
    // `lastLine` is in the bytes about to be overwritten: it keeps a copy of its own.
    if (lastLine && lastLine.buffer === buf.buffer) lastLine = Buffer.from(lastLine);
    carry = undefined;
    const got = readAtInto(file.fd, pos, buf, kept, want);
    if (got === 0) break; // truncated while we read
    pos += got;
    const filled = kept + got;
    let from = 0;
    for (let nl = buf.indexOf(10, kept); nl !== -1 && nl < filled; nl = buf.indexOf(10, from)) {
      const bytes = buf.subarray(from, nl);
      if (!badUtf8 && !isUtf8(bytes)) badUtf8 = true;
      if (skipping) skipping = false;
      else handle(bytes, false);
      tailStart = consumed;
      consumed += nl + 1 - from;
      lastLine = buf.subarray(from, nl + 1);
      from = nl + 1;
      if (++line === 1) firstLineEnd = consumed;
      if (consumed >= stopAt && consumed < file.size) {
        stopped = true; // the bytes read past this line are read again by the next slice
        break;
      }
    }
    if (stopped) break;
    if (from < filled) {
      carry = buf.subarray(from, filled);
      if (carry.length > maxLine && !skipping) {
        addProblem(rec, 'too-large', 'warning', `line ${line + 1} is longer than ${(maxLine / 1048576).toFixed(0)} MB: skipped`, { line });
        skipping = true;
      }
      if (skipping) {
        consumed += carry.length; // never re-read: it belongs to the skipped line
        carry = undefined;
      }
    }
  }
  if (lastLine) tailHash = sha256(lastLine);
  // The first line, once there is one, as the resume check reads it (see resumePoint).
  let head = start.head;
  if (!head && firstLineEnd !== undefined) {
    const length = Math.min(firstLineEnd, HEAD_BYTES);
    head = { length, hash: sha256(readAt(file.fd, 0, length)) };
  }
  // An unterminated last line is a writer mid-append: indexed if it parses, re-read next time.
  const notUtf8 = 'the log is not valid UTF-8: invalid bytes are shown as U+FFFD';
  if (badUtf8) addProblem(rec, 'malformed', 'warning', notUtf8);
  const base = start.base ?? NOTHING_BEFORE;
  const saved = {
    chain: structuredClone(chain),
    events: base.events + rec.events.length + (packed?.eventCount ?? 0),
    problems: base.problems + rec.problems.length,
    occurrences: base.occurrences + rec.occurrences.length + (packed?.occurrenceCount ?? 0),
  };
  if (carry && !skipping) {
    if (!badUtf8 && !isUtf8(carry)) addProblem(rec, 'malformed', 'warning', notUtf8);
    handle(carry, true);
  }
  const state: LogState<S> = { format: start.decided === false ? '' : format.name, ...saved, tailStart, tailHash, headLength: head?.length, headHash: head?.hash };
  rec.resume = { offset: consumed, line, state };
  if (start.base) rec.tailOf = stopped ? { ...start.base, more: true } : start.base;
  // What was read, as the file's stamp: a stopped read's record never passes for the whole file.
  if (stopped) rec.size = consumed;
  if (packed) rec.rows = packed;
}
