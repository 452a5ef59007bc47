// The ref scanner (CONTRACT 1.2): finds every ref form in any text with exact UTF-16 ranges.
// It runs over every file of the workspace, so it is built around String#indexOf on a few
// literal triggers (`sha256`, `blake3:`, `_hash"`, `_digest"`, `"$artifact"`), which V8 runs
// as a fast substring search; characters are only examined around a trigger. Text without
// any trigger costs five substring searches and nothing else.
import type { RefForm, RefMatch } from '../model';
import { namespaceProblem } from './namespace';

export { refKey, toOccurrences } from './occurrences';

const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Slash = 47,
  Colon = 58,
  Backslash = 92,
  Underscore = 95,
}

// Character classes for ASCII; anything >= 128 is in none of them.
const HEX_LOWER = 1;
const HEX_UPPER = 2;
const WORD = 4; // [A-Za-z0-9_]: a ref must not be glued to one of these
const NS_WALK = 8; // characters a namespace may be written with, valid or not ([A-Za-z0-9_.-/\\] and NUL)
const LETTER = 16;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const s = String.fromCharCode(c);
  if (/[0-9a-f]/.test(s)) CLASS[c] |= HEX_LOWER;
  if (/[A-F]/.test(s)) CLASS[c] |= HEX_UPPER;
  if (/[A-Za-z0-9_]/.test(s)) CLASS[c] |= WORD;
  if (/[A-Za-z0-9_.\-/\\\0]/.test(s)) CLASS[c] |= NS_WALK;
  if (/[A-Za-z]/.test(s)) CLASS[c] |= LETTER;
}

function is(c: number, cls: number): boolean {
  return c < 128 && (CLASS[c] & cls) !== 0;
}

/** Sets `hexUpper` as a side channel so the hot path allocates nothing. */
let hexUpper = false;

/** Length of the hex run starting at `from`, counting at most `limit` characters. */
function hexRun(text: string, from: number, limit: number): number {
  let n = 0;
  let upper = false;
  const end = Math.min(text.length, from + limit);
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) break;
    const k = CLASS[c];
    if (k & HEX_LOWER) n++;
    else if (k & HEX_UPPER) {
      n++;
      upper = true;
    } else break;
  }
  hexUpper = upper;
  return n;
}

/**
 * A ref may not be glued to an identifier on its left (`xsha256:`), except that a JSON or
 * C-style escape (`\n`, `\t`, `\r`) ends the previous word: `"line\nsha256:..."`.
 */
function leftBoundaryOk(text: string, at: number): boolean {
  if (at === 0) return true;
  const p = text.charCodeAt(at - 1);
  if (!is(p, WORD)) return true;
  return (p === 110 || p === 116 || p === 114) && at >= 2 && text.charCodeAt(at - 2) === Ch.Backslash;
}

function makeMatch(
  text: string,
  form: RefForm,
  start: number,
  end: number,
  algo: RefMatch['algo'],
  value: string,
  upper: boolean,
): RefMatch {
  const m: RefMatch = { form, start, end, text: text.slice(start, end), algo, value: upper ? value.toLowerCase() : value };
  if (upper) m.upperCase = true;
  return m;
}

/** `sha256:` at `at` (canonical, abbreviated, namespaced). */
function scanSha256Prefixed(text: string, at: number, floor: number, out: RefMatch[]): void {
  const hexStart = at + 7;
  const n = hexRun(text, hexStart, 65);
  if (n < 8 || n > 64) return;
  const upper = hexUpper;
  const end = hexStart + n;
  if (end < text.length && is(text.charCodeAt(end), WORD)) return;
  const sep = at > 0 ? text.charCodeAt(at - 1) : -1;
  const value = text.slice(hexStart, end);
  const form: RefForm = n === 64 ? 'canonical' : 'abbreviated';
  if (sep !== Ch.Slash && sep !== Ch.Backslash) {
    if (!leftBoundaryOk(text, at)) return;
    out.push(makeMatch(text, form, at, end, 'sha256', value, upper));
    return;
  }
  // Namespaced: walk left over everything a namespace could be written with (valid or not),
  // so that `../x/`, `/abs/x/`, `a\b/` are reported whole as invalid rather than cut short;
  // never into the previous ref (`floor`).
  let start = at - 1;
  while (start > floor && is(text.charCodeAt(start - 1), NS_WALK)) start--;
  let drive = false;
  if (
    start >= floor + 2 &&
    text.charCodeAt(start - 1) === Ch.Colon &&
    is(text.charCodeAt(start - 2), LETTER) &&
    !is(text.charCodeAt(start - 3), WORD)
  ) {
    start -= 2;
    drive = true;
  }
  const namespace = text.slice(start, at - 1);
  const m = makeMatch(text, n === 64 ? 'namespaced' : 'abbreviated', start, end, 'sha256', value, upper);
  m.namespace = namespace;
  const problem = namespaceProblem(namespace, sep === Ch.Backslash, drive);
  if (problem) m.invalid = problem;
  out.push(m);
}

/** `"sha256"` / `"..._sha256"` / `"..._hash"` / `"..._digest"` key whose closing quote is at `quote`: a bare 64-hex value. */
function scanBareValue(text: string, quote: number, out: RefMatch[]): void {
  let i = quote + 1;
  const len = text.length;
  let c = text.charCodeAt(i);
  while (c === Ch.Space || c === Ch.Tab || c === Ch.Cr || c === Ch.Lf) c = text.charCodeAt(++i);
  if (c !== Ch.Colon) return;
  c = text.charCodeAt(++i);
  while (c === Ch.Space || c === Ch.Tab || c === Ch.Cr || c === Ch.Lf) c = text.charCodeAt(++i);
  if (c !== Ch.Quote) return;
  const hexStart = i + 1;
  if (hexStart + 65 > len) return;
  if (hexRun(text, hexStart, 65) !== 64 || text.charCodeAt(hexStart + 64) !== Ch.Quote) return;
  out.push(makeMatch(text, 'bare', hexStart, hexStart + 64, 'sha256', text.slice(hexStart, hexStart + 64), hexUpper));
}

function scanSha256(text: string, out: RefMatch[]): void {
  for (let i = text.indexOf('sha256'); i !== -1; i = text.indexOf('sha256', i + 6)) {
    const next = text.charCodeAt(i + 6);
    if (next === Ch.Colon) scanSha256Prefixed(text, i, out.length ? out[out.length - 1].end : 0, out);
    else if (next === Ch.Quote && i > 0) {
      const p = text.charCodeAt(i - 1);
      if (p === Ch.Quote || p === Ch.Underscore) scanBareValue(text, i + 6, out);
    }
  }
}

function scanKeySuffix(text: string, suffix: string, out: RefMatch[]): void {
  for (let i = text.indexOf(suffix); i !== -1; i = text.indexOf(suffix, i + suffix.length)) {
    scanBareValue(text, i + suffix.length - 1, out);
  }
}

function scanBlake3(text: string, out: RefMatch[]): void {
  for (let i = text.indexOf('blake3:'); i !== -1; i = text.indexOf('blake3:', i + 7)) {
    if (!leftBoundaryOk(text, i)) continue;
    const hexStart = i + 7;
    if (hexRun(text, hexStart, 65) !== 64) continue;
    const end = hexStart + 64;
    if (end < text.length && is(text.charCodeAt(end), WORD)) continue;
    out.push(makeMatch(text, 'blake3', i, end, 'blake3', text.slice(hexStart, end), hexUpper));
  }
}

const MAX_ARTIFACT_ID = 1024;

function artifactIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'artifact id is empty';
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!(is(c, WORD) || c === 45)) return 'artifact id must match [A-Za-z0-9_-]+';
  }
  return undefined;
}

/** `{"$artifact": "<id>"}`: the id string is the ref; its range is inside the quotes. */
function scanArtifact(text: string, out: RefMatch[]): void {
  const key = '"$artifact"';
  for (let k = text.indexOf(key); k !== -1; k = text.indexOf(key, k + key.length)) {
    let i = k + key.length;
    let c = text.charCodeAt(i);
    while (c === Ch.Space || c === Ch.Tab || c === Ch.Cr || c === Ch.Lf) c = text.charCodeAt(++i);
    if (c !== Ch.Colon) continue;
    c = text.charCodeAt(++i);
    while (c === Ch.Space || c === Ch.Tab || c === Ch.Cr || c === Ch.Lf) c = text.charCodeAt(++i);
    if (c !== Ch.Quote) continue;
    const idStart = i + 1;
    const limit = Math.min(text.length, idStart + MAX_ARTIFACT_ID);
    let j = idStart;
    for (; j < limit; j++) {
      const d = text.charCodeAt(j);
      if (d === Ch.Quote || d === Ch.Lf || d === Ch.Cr) break;
      if (d === Ch.Backslash) j++; // an escaped character is part of the id as written (and makes it invalid)
    }
    if (j >= limit || text.charCodeAt(j) !== Ch.Quote) continue;
    const id = text.slice(idStart, j);
    const m = makeMatch(text, 'object', idStart, j, 'artifact', id, false);
    const problem = artifactIdProblem(id);
    if (problem) m.invalid = problem;
    out.push(m);
  }
}

function byPosition(a: RefMatch, b: RefMatch): number {
  // On a tie (`{"$artifact": "sha256:..."}`) the digest ref sorts first and wins.
  return a.start - b.start || (a.form === 'object' ? 1 : 0) - (b.form === 'object' ? 1 : 0);
}

/** Every ref in `text`, sorted by start, non-overlapping, with exact UTF-16 offsets. */
export function scanRefs(text: string): RefMatch[] {
  const out: RefMatch[] = [];
  scanSha256(text, out);
  const afterSha = out.length;
  scanKeySuffix(text, '_hash"', out);
  scanKeySuffix(text, '_digest"', out);
  scanBlake3(text, out);
  scanArtifact(text, out);
  if (out.length === afterSha) return out; // one pass alone yields sorted, disjoint matches
  out.sort(byPosition);
  const kept: RefMatch[] = [];
  let reach = -1;
  for (const m of out) {
    if (m.start < reach) continue;
    kept.push(m);
    reach = m.end;
  }
  return kept;
}
