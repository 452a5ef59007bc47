// Hash-chained audit JSONL (CONTRACT 1.4.1): each line is
// `{"prev_hash", "hash", "event": E}` with hash = "sha256:" + sha256(canonical_json({prev_hash, event})).
// A line that fails its link or its hash gets a `broken-chain` problem; everything after
// the first break is indexed but marked unverified.
import { canonicalJson } from '../canonicalJson';
import { canonicalValueEnd } from '../json/canonicalText';
import { canonicalLexemeJson, parseLexemeJson, type LexValue } from '../json/lexemeJson';
import type { EventEntry, FileRecord } from '../records';
import { END_FIELDS, eventRefs, num, parseLineObject, str, summarize, type JsonObject } from './eventFields';
import type { LineFormat } from './lineLog';
import { addProblem } from './record';
import { sha256Hex } from './sha256';

export const GENESIS_HASH = 'sha256:' + '0'.repeat(64);

interface AuditChain {
  prevHash: string;
  broken: boolean;
}

function sha256(text: string): string {
  return 'sha256:' + sha256Hex(text);
}

const enum Ch {
  Quote = 34,
  Comma = 44,
  Colon = 58,
  Backslash = 92,
  OpenBrace = 123,
  CloseBrace = 125,
}

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  return i;
}

/**
 * The text of the line's `event` value when it is written as canonicalJson would write it (see
 * canonicalText.ts), so its own characters are what the hash covers; undefined when the line has
 * no single `event` member so written, or holds anything the check is not sure of. The line has
 * parsed as a JSON object: only its shape is followed here.
 */
function canonicalEventText(text: string): string | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== Ch.OpenBrace) return undefined;
  i = skipSpace(text, i + 1);
  let event: string | undefined;
  while (text.charCodeAt(i) === Ch.Quote) {
    const close = text.indexOf('"', i + 1);
    if (close < 0) return undefined;
    // A key with an escape (`"ev\u0065nt"`) would have to be decoded: left to canonicalJson.
    for (let k = i + 1; k < close; k++) if (text.charCodeAt(k) === Ch.Backslash) return undefined;
    const isEvent = close - i === 6 && text.startsWith('event', i + 1);
    i = skipSpace(text, close + 1);
    if (text.charCodeAt(i) !== Ch.Colon) return undefined;
    i = skipSpace(text, i + 1);
    const end = canonicalValueEnd(text, i);
    if (end < 0) return undefined;
    if (isEvent) {
      // JSON.parse keeps the last of two: left to canonicalJson.
      if (event !== undefined) return undefined;
      event = text.slice(i, end);
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== Ch.Comma) break;
    i = skipSpace(text, i + 1);
  }
  return text.charCodeAt(i) === Ch.CloseBrace ? event : undefined;
}

/**
 * The hash the writer would have computed for this line. Tries JS canonical JSON first (fast,
 * and exact for integers); then the line re-parsed with number lexemes kept (`1.0`, big
 * integers), in both of Python's string escaping modes.
 */
function lineHashMatches(text: string, obj: JsonObject): boolean {
  const claimed = obj.hash;
  try {
    // canonicalJson({ prev_hash, event }) with its two keys already in order ("event" < "prev_hash").
    const event = canonicalEventText(text) ?? canonicalJson(obj.event);
    if (sha256('{"event":' + event + ',"prev_hash":' + canonicalJson(obj.prev_hash) + '}') === claimed) return true;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  try {
    const lex = parseLexemeJson(text) as Map<string, LexValue>;
    const body = new Map<string, LexValue>([
      ['prev_hash', lex.get('prev_hash')!],
      ['event', lex.get('event')!],
    ]);
    return sha256(canonicalLexemeJson(body)) === claimed || sha256(canonicalLexemeJson(body, { asciiOnly: true })) === claimed;
  } catch {
    return false;
  }
}

const ENVELOPE_KEYS = new Set(['run_id', 'seq', 'ts']);
const SKIP = new Set(['event_type', 'type', 'run_id', 'seq', 'sequence', 'ts', 'time', 'created_at']);

export const auditFormat: LineFormat<AuditChain> = {
  name: 'audit',
  initial: () => ({ prevHash: GENESIS_HASH, broken: false }),
  line(chain, text, lineNo, rec: FileRecord, partial, hasRefs, rules) {
    const obj = parseLineObject(rec, text, lineNo, partial, 'an audit record');
    if (!obj) return;
    if (typeof obj.hash !== 'string' || typeof obj.prev_hash !== 'string' || obj.event === undefined) {
      addProblem(rec, 'malformed', 'error', `line ${lineNo + 1} is not an audit record (needs prev_hash, hash and event)`, { line: lineNo });
      return;
    }
    const linked = obj.prev_hash === chain.prevHash;
    const hashed = lineHashMatches(text, obj);
    if (!linked || !hashed) {
      const why = !linked
        ? `its prev_hash ${obj.prev_hash} is not the previous record's hash ${chain.prevHash}`
        : `its hash ${obj.hash} is not the hash of its content (the record was altered)`;
      addProblem(rec, 'broken-chain', 'error', `audit chain broken at line ${lineNo + 1}: ${why}; later records are unverified`, { line: lineNo });
      chain.broken = true;
    }
    // Continue from the claimed hash, so one altered record is one problem, not a cascade.
    chain.prevHash = obj.hash;

    const outer = obj.event !== null && typeof obj.event === 'object' ? (obj.event as JsonObject) : {};
    const inner = outer.event !== null && typeof outer.event === 'object' && !Array.isArray(outer.event) ? (outer.event as JsonObject) : undefined;
    const isEnvelope = inner !== undefined && Object.keys(outer).some((k) => ENVELOPE_KEYS.has(k));
    const ev = isEnvelope ? inner : outer;
    const entry: EventEntry = {
      source: 'audit',
      file: rec.path,
      line: lineNo,
      eventType: str(ev.event_type) ?? str(ev.type) ?? 'unknown',
      refs: eventRefs(isEnvelope ? outer : ev, hasRefs, rules),
      hash: obj.hash,
      verified: !chain.broken,
    };
    // An envelope's refs are found from the envelope (its own fields hold refs too), named as the event's.
    if (isEnvelope) for (const r of entry.refs) if (r.field.startsWith('event.')) r.field = r.field.slice('event.'.length);
    const sequence = num(isEnvelope ? outer.seq : undefined) ?? num(ev.seq) ?? num(ev.sequence);
    if (sequence !== undefined) entry.sequence = sequence;
    const time = str(isEnvelope ? outer.ts : undefined) ?? str(ev.ts) ?? str(ev.time) ?? str(ev.created_at);
    if (time !== undefined) entry.time = time;
    const runId = str(isEnvelope ? outer.run_id : undefined) ?? str(ev.run_id);
    if (runId !== undefined) entry.runId = runId;
    const summary = summarize(ev, END_FIELDS, SKIP);
    if (summary) entry.summary = summary;
    rec.events!.push(entry);
  },
};
