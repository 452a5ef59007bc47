// The ref scanner (CONTRACT 1.2): finds every ref form in any text with exact UTF-16 ranges.
// It runs over every file of the workspace, so it makes one pass with a regex of literal
// triggers (`sha256`, `blake3:`, `_hash"`, `_digest"`, `"$artifact"`, keys also `\"`-quoted)
// that V8 searches at over 1 GB/s, and examines characters only around a trigger. Triggers come in text order
// and each ref lies beside its trigger, so matches are emitted sorted, with no sort pass.
import type { RefForm, RefMatch } from '../records';
import { namespaceProblem } from './namespace';
import { makeMatch, RowKind, ScannedRefs } from './scannedRefs';

export { refKey, toOccurrences } from './occurrences';

const enum Ch {
  Tab = 9,
  Comma = 44,
  OpenBracket = 91,
  CloseBracket = 93,
  OpenBrace = 123,
  CloseBrace = 125,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Minus = 45,
  Slash = 47,
  Six = 54,
  Colon = 58,
  Backslash = 92,
  Underscore = 95,
  LowerC = 99,
  LowerH = 104,
  LowerN = 110,
  LowerR = 114,
  LowerS = 115,
  LowerT = 116,
}

// Character classes for ASCII; anything >= 128 is in none of them.
const HEX_LOWER = 1;
const HEX_UPPER = 2;
const WORD = 4; // [A-Za-z0-9_]: a ref must not be glued to one of these
const NS_WALK = 8; // characters a namespace may be written with, valid or not ([A-Za-z0-9_.-/\\] and NUL)
const LETTER = 16;
// Characters of a URL's authority and path (RFC 3986 less the `'(),;` that end URLs in prose),
// plus `\` for URLs written in JSON with escaped slashes (`https:\/\/host\/...`).
const URL_PATH = 32;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const s = String.fromCharCode(c);
  if (/[0-9a-f]/.test(s)) CLASS[c] |= HEX_LOWER;
  if (/[A-F]/.test(s)) CLASS[c] |= HEX_UPPER;
  if (/[A-Za-z0-9_]/.test(s)) CLASS[c] |= WORD;
  if (/[A-Za-z0-9_.\-/\\\0]/.test(s)) CLASS[c] |= NS_WALK;
  if (/[A-Za-z]/.test(s)) CLASS[c] |= LETTER;
  if (/[A-Za-z0-9\-._~:/?#[\]@!$&*+=%\\]/.test(s)) CLASS[c] |= URL_PATH;
}

function is(c: number, cls: number): boolean {
  return c < 128 && (CLASS[c] & cls) !== 0;
}

/** Set by `hexRun` as a side channel, so the hot path allocates nothing. */
let hexUpper = false;

/** Length of the hex run starting at `from`, counting at most `limit` characters. */
function hexRun(text: string, from: number, limit: number): number {
  let upper = false;
  const end = Math.min(text.length, from + limit);
  let i = from;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) break;
    const k = CLASS[c] & (HEX_LOWER | HEX_UPPER);
    if (k === 0) break;
    if (k === HEX_UPPER) upper = true;
  }
  hexUpper = upper;
  return i - from;
}

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Tab || c === Ch.Cr || c === Ch.Lf;
}

/** A quote at `i`: `"`, or `\"` when the JSON is itself inside a JSON string (`escaped`). Returns its length or 0. */
function quoteAt(text: string, i: number, escaped: boolean): number {
  if (!escaped) return text.charCodeAt(i) === Ch.Quote ? 1 : 0;
  return text.charCodeAt(i) === Ch.Backslash && text.charCodeAt(i + 1) === Ch.Quote ? 2 : 0;
}

/** Start of the string value after a JSON key that ends just before `afterKey` (`"key" : "`), or -1. */
function stringValueAfterKey(text: string, afterKey: number, escaped: boolean): number {
  let i = afterKey;
  while (isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== Ch.Colon) return -1;
  i++;
  while (isSpace(text.charCodeAt(i))) i++;
  const q = quoteAt(text, i, escaped);
  return q ? i + q : -1;
}

/**
 * A ref may not be glued to an identifier on its left (`xsha256:`), except that a JSON or
 * C-style escape (`\n`, `\t`, `\r`) ends the previous word: `"line\nsha256:..."`.
 */
function leftBoundaryOk(text: string, at: number): boolean {
  const p = text.charCodeAt(at - 1);
  if (!is(p, WORD)) return true;
  return (p === Ch.LowerN || p === Ch.LowerT || p === Ch.LowerR) && text.charCodeAt(at - 2) === Ch.Backslash;
}

/** How far back the `scheme://` of a URL holding a digest is looked for. */
const MAX_URL = 2048;

/**
 * Whether the path written from `from` up to the digest at `at` is part of a URL: the run of
 * URL characters it ends holds a `scheme://` (or, in JSON with escaped slashes,
 * `scheme:\/\/`). `https://registry.example:5000/v2/x/blobs/sha256:<hex>` names a digest on
 * some server; its path is not an artifact namespace.
 */
function inUrl(text: string, from: number, at: number, floor: number): boolean {
  let i = from;
  const stop = Math.max(floor, from - MAX_URL);
  while (i > stop && is(text.charCodeAt(i - 1), URL_PATH)) i--;
  // A namespace is written without `:`, so a scheme can only be among the characters before it.
  if (i === from) return false;
  for (let k = i + 2; k < at; k++) {
    if (text.charCodeAt(k) !== Ch.Colon || !is(text.charCodeAt(k - 1), WORD) || !is(text.charCodeAt(k - 2), WORD)) continue;
    if (text.charCodeAt(k + 1) === Ch.Slash && text.charCodeAt(k + 2) === Ch.Slash) return true;
    if (text.startsWith('\\/\\/', k + 1)) return true;
  }
  return false;
}

/**
 * A namespace (with its separator) as meant when written in JSON with escaped slashes
 * (`prompts\/sub\/`, as some JSON writers emit): each `\/` read as `/`. An escaped backslash
 * (`\\`) and any other backslash stay as written, so a real backslash still makes the ref invalid.
 */
function unescapeSlashes(written: string): string {
  let out = '';
  for (let i = 0; i < written.length; i++) {
    const c = written[i];
    if (c === '\\' && i + 1 < written.length) {
      const next = written[++i];
      out += next === '/' ? '/' : c + next;
    } else out += c;
  }
  return out;
}

/** Ids are short; this bounds the look-ahead when a `$artifact` value is a runaway string. */
const MAX_ARTIFACT_ID = 1024;

function artifactIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'artifact id is empty';
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!(is(c, WORD) || c === Ch.Minus)) return 'artifact id must match [A-Za-z0-9_-]+';
  }
  return undefined;
}

/** Keys are short; longer look-backs give up (the ref is then read as free text: a pointer). */
const MAX_KEY = 256;
/** How far back the `[` of an array is looked for from an element that follows non-ref ones. */
const MAX_ARRAY_WALK = 2048;

function skipSpaceBack(text: string, i: number): number {
  const stop = Math.max(-1, i - 64);
  while (i > stop && isSpace(text.charCodeAt(i))) i--;
  return i;
}

/** The quote closing a JSON string at `i` (its last character): `"`, or `\"` when `escaped`. Returns where the quote starts, or -1. */
function closingQuoteStart(text: string, i: number, escaped: boolean): number {
  if (text.charCodeAt(i) !== Ch.Quote) return -1;
  if (!escaped) return i;
  return text.charCodeAt(i - 1) === Ch.Backslash ? i - 1 : -1;
}

/** Set by `keyStartEndingAt` as a side channel: where the key it found ends (its closing quote). */
let keyClose = -1;

/**
 * Where the JSON key whose closing quote ends at `i` (`"key"`, or `\"key\"` when `escaped`)
 * starts, or -1; it ends at `keyClose`. Spans, not strings: a scan into rows makes no string
 * per keyed ref.
 */
function keyStartEndingAt(text: string, i: number, escaped: boolean): number {
  const close = closingQuoteStart(text, i, escaped);
  if (close < 0) return -1;
  keyClose = close;
  const stop = Math.max(0, close - MAX_KEY);
  for (let j = close - 1; j >= stop; j--) {
    if (text.charCodeAt(j) !== Ch.Quote) continue;
    return (text.charCodeAt(j - 1) === Ch.Backslash) === escaped ? j + 1 : -1;
  }
  return -1;
}

/** The key before the `:` at or before `i` (skipping white space): its start, or -1 (see keyStartEndingAt). */
function keyStartBeforeColon(text: string, i: number, escaped: boolean): number {
  i = skipSpaceBack(text, i);
  if (text.charCodeAt(i) !== Ch.Colon) return -1;
  return keyStartEndingAt(text, skipSpaceBack(text, i - 1), escaped);
}

class Scan {
  readonly out: RefMatch[] = [];
  /** End of the last ref: a namespace never reaches back into it. */
  floor = 0;
  /**
   * The end of the last ref that was an array element (-1: none), and where its array's key
   * starts and ends: the next element inherits it in O(1).
   */
  private arrayEnd = -1;
  private arrayKeyStart = -1;
  private arrayKeyEnd = -1;
  /** The last key made a string, by where it starts: an array's elements share one. */
  private lastKeyStart = -1;
  private lastKey = '';

  /** `rows`: scanning into rows (see ScannedRefs), not into `out`. */
  constructor(
    readonly text: string,
    readonly rows?: ScannedRefs,
  ) {}

  push(m: RefMatch): void {
    if (this.rows) this.rows.addMatch(m);
    else this.out.push(m);
    this.floor = m.end;
  }

  /**
   * Where the JSON key a ref at `start` (ending at `end`) stands under starts (CONTRACT 1.8),
   * or -1; it ends at `keyClose`. When the ref opens a string value, the key of that value
   * (`"run_id": "sha256:…"`) or of the array holding it (`"refs": ["sha256:…", "sha256:…"]`);
   * none in free text.
   */
  keyStartOf(start: number, end: number): number {
    const text = this.text;
    let q = start - 1;
    if (text.charCodeAt(q) !== Ch.Quote) return -1;
    const escaped = text.charCodeAt(q - 1) === Ch.Backslash;
    if (escaped) q--;
    const i = skipSpaceBack(text, q - 1);
    const c = text.charCodeAt(i);
    if (c === Ch.Colon) return keyStartBeforeColon(text, i, escaped);
    let key: number;
    if (c === Ch.OpenBracket) key = keyStartBeforeColon(text, i - 1, escaped);
    else if (c === Ch.Comma) key = this.arrayKeyBefore(i, escaped);
    else return -1;
    this.arrayEnd = key < 0 ? -1 : end;
    this.arrayKeyStart = key;
    this.arrayKeyEnd = keyClose;
    return key;
  }

  /** Where the key of the array whose element follows the `,` at `comma` starts, or -1 (see keyStartEndingAt). */
  private arrayKeyBefore(comma: number, escaped: boolean): number {
    const text = this.text;
    // The previous element was a ref of the same array: `"sha256:…", "sha256:…"`.
    if (this.arrayEnd >= 0 && closingQuoteStart(text, skipSpaceBack(text, comma - 1), escaped) === this.arrayEnd) {
      keyClose = this.arrayKeyEnd;
      return this.arrayKeyStart;
    }
    // Otherwise walk back to the array's `[` over its other elements (bounded; a `{`, `}`,
    // `]` or `:` on the way means this is not a flat array of strings and numbers).
    const stop = Math.max(0, comma - MAX_ARRAY_WALK);
    for (let j = comma - 1; j >= stop; j--) {
      const c = text.charCodeAt(j);
      if (c === Ch.OpenBracket) return keyStartBeforeColon(text, j - 1, escaped);
      if (c === Ch.OpenBrace || c === Ch.CloseBrace || c === Ch.CloseBracket || c === Ch.Colon) return -1;
    }
    return -1;
  }

  /** The key starting at `start` and ending at `keyClose`, as a string (one per array: its elements share it). */
  keyAt(start: number): string {
    if (start !== this.lastKeyStart) {
      this.lastKeyStart = start;
      this.lastKey = this.text.slice(start, keyClose);
    }
    return this.lastKey;
  }

  /** Pushes `m` with the key it stands under, when it has one. */
  pushKeyed(m: RefMatch): void {
    const key = this.keyStartOf(m.start, m.end);
    if (key >= 0) m.jsonKey = this.keyAt(key);
    this.push(m);
  }

  /** A lower-case 64-hex digest at `hexStart` with no namespace, whose key starts at `keyStart` (-1: none) and ends at `keyClose`, as a row. */
  private digestRow(kind: RowKind.Canonical | RowKind.Bare, start: number, hexStart: number, keyStart: number): void {
    this.rows!.addDigest(kind, start, hexStart + 64, hexStart, keyStart, keyClose);
    this.floor = hexStart + 64;
  }

  /** `sha256:` at `at`: canonical, abbreviated, or either with a namespace before it. */
  sha256Prefixed(at: number): void {
    const text = this.text;
    const hexStart = at + 7;
    const n = hexRun(text, hexStart, 65);
    if (n < 8 || n > 64) return;
    const upper = hexUpper;
    const end = hexStart + n;
    if (is(text.charCodeAt(end), WORD)) return;
    const sep = text.charCodeAt(at - 1);
    const form: RefForm = n === 64 ? 'canonical' : 'abbreviated';
    if (sep !== Ch.Slash && sep !== Ch.Backslash) {
      if (!leftBoundaryOk(text, at)) return;
      if (this.rows && n === 64 && !upper) this.digestRow(RowKind.Canonical, at, hexStart, this.keyStartOf(at, end));
      else this.pushKeyed(makeMatch(text, form, 'sha256', at, hexStart, end, upper));
      return;
    }
    // Walk left over everything a namespace could be written with, valid or not, so that
    // `../x/`, `/abs/x/`, `a\b/` are reported whole as invalid rather than cut short.
    let start = at - 1;
    while (start > this.floor && is(text.charCodeAt(start - 1), NS_WALK)) start--;
    // A digest in a URL's path (a registry blob, a bucket object) is a plain ref: what the URL
    // names, with no namespace, and not an absolute or `..` path to flag.
    if (inUrl(text, start, at, this.floor)) {
      this.push(makeMatch(text, form, 'sha256', at, hexStart, end, upper));
      return;
    }
    let drive = false;
    if (
      start >= this.floor + 2 &&
      text.charCodeAt(start - 1) === Ch.Colon &&
      is(text.charCodeAt(start - 2), LETTER) &&
      !is(text.charCodeAt(start - 3), WORD)
    ) {
      start -= 2;
      drive = true;
    }
    const m = makeMatch(text, n === 64 ? 'namespaced' : 'abbreviated', 'sha256', start, hexStart, end, upper);
    const written = m.text.slice(0, at - start); // the namespace and its separator
    m.namespace = (written.includes('\\') ? unescapeSlashes(written) : written).slice(0, -1);
    const problem = namespaceProblem(m.namespace, sep === Ch.Backslash, drive);
    if (problem) m.invalid = problem;
    this.push(m);
  }

  /** A key ending `sha256"`/`_hash"`/`_digest"`, `afterKey` just past its closing quote: a bare 64-hex string value. */
  bareValue(afterKey: number, escaped: boolean): void {
    const hexStart = stringValueAfterKey(this.text, afterKey, escaped);
    if (hexStart < 0 || hexRun(this.text, hexStart, 65) !== 64 || !quoteAt(this.text, hexStart + 64, escaped)) return;
    const upper = hexUpper;
    const key = keyStartEndingAt(this.text, afterKey - 1, escaped);
    if (this.rows && !upper) return this.digestRow(RowKind.Bare, hexStart, hexStart, key);
    const m = makeMatch(this.text, 'bare', 'sha256', hexStart, hexStart, hexStart + 64, upper);
    if (key >= 0) m.jsonKey = this.keyAt(key);
    this.push(m);
  }

  blake3(at: number): void {
    const text = this.text;
    const hexStart = at + 7;
    if (!leftBoundaryOk(text, at) || hexRun(text, hexStart, 65) !== 64 || is(text.charCodeAt(hexStart + 64), WORD)) return;
    this.pushKeyed(makeMatch(text, 'blake3', 'blake3', at, hexStart, hexStart + 64, hexUpper));
  }

  /** A `"$artifact"` key, `afterKey` just past its closing quote: the id string value is the ref, its range inside the quotes. */
  artifact(afterKey: number, escaped: boolean): void {
    const text = this.text;
    const idStart = stringValueAfterKey(text, afterKey, escaped);
    if (idStart < 0) return;
    const limit = Math.min(text.length, idStart + MAX_ARTIFACT_ID);
    let j = idStart;
    for (; j < limit && !quoteAt(text, j, escaped); j++) {
      const d = text.charCodeAt(j);
      if (d === Ch.Quote || d === Ch.Lf || d === Ch.Cr) return;
      if (d === Ch.Backslash) j++; // an escaped character is part of the id as written (and makes it invalid)
    }
    if (j >= limit) return;
    const m = makeMatch(text, 'object', 'artifact', idStart, idStart, j, false);
    // `{"$artifact": "sha256:..."}` names a digest: leave it to the digest trigger inside.
    if (m.value.includes('sha256:') || m.value.includes('blake3:')) return;
    const problem = artifactIdProblem(m.value);
    if (problem) m.invalid = problem;
    this.push(m);
  }
}

// Shared and stateful (`lastIndex`); scanRefs is synchronous, so no two scans interleave.
// Key triggers also match `\"`-quoted keys: JSON held in a JSON string (tool-call arguments, payloads).
const TRIGGER = /sha256|blake3:|_hash\\?"|_digest\\?"|"\$artifact\\?"/g;

/** Every ref in `text`, sorted by start, non-overlapping, with exact UTF-16 offsets. */
export function scanRefs(text: string): RefMatch[] {
  return scanInto(new Scan(text)).out;
}

/** scanRefs as rows (see ScannedRefs): an open document's refs, which the editor may keep asking about. */
export function scanRefRows(text: string): ScannedRefs {
  return scanInto(new Scan(text, new ScannedRefs(text))).rows!;
}

function scanInto(scan: Scan): Scan {
  const text = scan.text;
  TRIGGER.lastIndex = 0;
  // test() rather than exec(): no match array per trigger; which trigger it was is read off its last characters.
  while (TRIGGER.test(text)) {
    const e = TRIGGER.lastIndex;
    const last = text.charCodeAt(e - 1);
    if (last === Ch.Six) {
      const next = text.charCodeAt(e);
      if (next === Ch.Colon) scan.sha256Prefixed(e - 6);
      else {
        const q = quoteAt(text, e, false) || quoteAt(text, e, true);
        const before = text.charCodeAt(e - 7); // `"sha256"` or `..._sha256"`
        if (q && (before === Ch.Quote || before === Ch.Underscore)) scan.bareValue(e + q, q === 2);
      }
    } else if (last === Ch.Colon) scan.blake3(e - 7);
    else {
      // A key trigger ending in `"` or `\"`: its last letter tells which.
      const escaped = text.charCodeAt(e - 2) === Ch.Backslash;
      const letter = e - (escaped ? 3 : 2);
      if (text.charCodeAt(letter) === Ch.LowerH || text.charCodeAt(letter - 1) === Ch.LowerS) scan.bareValue(e, escaped);
      else scan.artifact(e, escaped);
    }
    if (scan.floor > TRIGGER.lastIndex) TRIGGER.lastIndex = scan.floor;
  }
  TRIGGER.lastIndex = 0;
  return scan;
}
