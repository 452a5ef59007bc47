// Record-chained ledgers (CONTRACT 1.4.2): `ledger_<run_id>.jsonl`, one step record a line.
// Chained records carry prev_hash (null first) and record_hash = sha256 hex of the canonical
// JSON of the record without record_hash and signature. The lines are written non-canonically
// (Python's `", "` separators), so the record is re-parsed with number lexemes kept and
// re-serialised the way the writer did: `1.0` must stay `1.0`, big integers exact.
import { sha256Hex as sha256 } from './sha256';
import { canonicalLexemeJson, parseLexemeJson, type LexValue } from '../json/lexemeJson';
import type { EventEntry } from '../records';
import { eventRefs, parseLineObject, str, summarize, type JsonObject } from './eventFields';
import type { LineFormat } from './lineLog';
import { addProblem } from './record';

interface LedgerChain {
  prevHash: string | null;
  broken: boolean;
  records: number;
  /** The writer escaped non-ASCII (Python's default ensure_ascii=True); learned from the first record that needs it. */
  asciiOnly: boolean;
}

function bareHex(v: string): string {
  return v.replace(/^sha256:/i, '').toLowerCase();
}

/** Which canonical form reproduces `claimed`, if any. */
function recordHashForm(text: string, claimed: string, preferAscii: boolean): 'utf8' | 'ascii' | undefined {
  let lex: LexValue;
  try {
    lex = parseLexemeJson(text);
  } catch {
    return undefined;
  }
  if (!(lex instanceof Map)) return undefined;
  lex.delete('record_hash');
  lex.delete('signature');
  const order: ('utf8' | 'ascii')[] = preferAscii ? ['ascii', 'utf8'] : ['utf8', 'ascii'];
  for (const form of order) {
    if (sha256(canonicalLexemeJson(lex, { asciiOnly: form === 'ascii' })) === claimed) return form;
  }
  return undefined;
}

// `ended_at` first: a step's own end is its duration in a trace (CONTRACT 2, Timing).
const SUMMARY = ['ended_at', 'step_id', 'node_id', 'status', 'effect.type', 'attempt', 'error'];
const SKIP = new Set(['run_id', 'started_at', 'prev_hash', 'record_hash', 'signature', 'result', 'effect']);

export const ledgerFormat: LineFormat<LedgerChain> = {
  name: 'ledger',
  initial: () => ({ prevHash: null, broken: false, records: 0, asciiOnly: false }),
  line(chain, text, lineNo, rec, partial, hasRefs, rules) {
    const obj = parseLineObject(rec, text, lineNo, partial, 'a ledger record');
    if (!obj) return;
    chain.records++;
    const status = str(obj.status);
    const entry: EventEntry = {
      source: 'ledger',
      file: rec.path,
      line: lineNo,
      sequence: chain.records,
      eventType: status ? `step.${status}` : 'step',
      // The chain's own hashes are not links to evidence.
      refs: eventRefs(obj, hasRefs, rules).filter((r) => r.field !== 'record_hash' && r.field !== 'prev_hash'),
    };
    const runId = str(obj.run_id);
    if (runId !== undefined) entry.runId = runId;
    const time = str(obj.started_at) ?? str(obj.ended_at);
    if (time !== undefined) entry.time = time;
    const summary = summarize(obj, SUMMARY, SKIP) ?? {};
    if (obj.error !== null && typeof obj.error === 'object') summary.error = errorText(obj.error as JsonObject);
    if (typeof obj.record_hash === 'string') {
      verifyRecord(chain, obj, text, lineNo, rec, entry, summary);
    }
    if (Object.keys(summary).length) entry.summary = summary;
    rec.events!.push(entry);
  },
};

function errorText(err: JsonObject): string {
  const s = str(err.message) ?? str(err.type) ?? JSON.stringify(err);
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}

function verifyRecord(
  chain: LedgerChain,
  obj: JsonObject,
  text: string,
  lineNo: number,
  rec: Parameters<LineFormat<LedgerChain>['line']>[3],
  entry: EventEntry,
  summary: Record<string, unknown>,
): void {
  const claimed = bareHex(obj.record_hash as string);
  const prev = obj.prev_hash === undefined || obj.prev_hash === null ? null : typeof obj.prev_hash === 'string' ? bareHex(obj.prev_hash) : undefined;
  const linked = prev === chain.prevHash;
  const form = recordHashForm(text, claimed, chain.asciiOnly);
  if (form === 'ascii') {
    chain.asciiOnly = true;
    summary.canonicalForm = 'ensure_ascii=True';
  }
  if (!linked || !form) {
    const why = !linked
      ? `its prev_hash ${String(obj.prev_hash)} is not the previous record_hash ${chain.prevHash ?? 'null'}`
      : `its record_hash ${claimed} is not the sha256 of its canonical JSON (the record was altered)`;
    addProblem(rec, 'broken-chain', 'error', `ledger chain broken at line ${lineNo + 1}: ${why}; later records are unverified`, { line: lineNo });
    chain.broken = true;
  }
  chain.prevHash = claimed;
  entry.hash = claimed;
  entry.verified = !chain.broken;
}
