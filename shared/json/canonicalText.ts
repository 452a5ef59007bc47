// Whether JSON text is already written exactly as canonicalJson would write the value it
// parses to, checked on the text itself: a writer of canonical JSON (an audit log's writer
// for each event, CONTRACT 1.4.1) leaves it so, and its own bytes can then be hashed instead
// of a canonical copy rebuilt from the parsed value (~6 us an event over the bench's audit
// log). The check says no whenever it is not sure (an escape it would have to decode, a
// number it would have to round, nesting deep enough that canonicalJson would overflow the
// stack): the caller then does what it did without it.
import { compareCodePoints } from '../canonicalJson';

const enum Ch {
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  LowerE = 101,
  UpperE = 69,
  LowerU = 117,
  OpenBrace = 123,
  CloseBrace = 125,
}

/** canonicalJson recurses per level: past this depth the check leaves it to the caller's fallback. */
const MAX_DEPTH = 64;
/** Integers of at most this many digits are exact doubles, written back digit for digit. */
const EXACT_DIGITS = 15;

/** Escapes JSON.stringify writes as two characters, by the letter after the backslash. */
const SHORT_ESCAPE = new Uint8Array(128);
for (const c of '"\\bfnrt') SHORT_ESCAPE[c.charCodeAt(0)] = 1;
/** Control characters JSON.stringify writes as `\u00xx` (the others have a short escape). */
const LONG_ESCAPED = new Uint8Array(32).fill(1);
for (const c of [8, 9, 10, 12, 13]) LONG_ESCAPED[c] = 0;
const LOWER_HEX = /^[0-9a-f]$/;

/** Set by stringEnd: whether the string it passed holds an escape. */
let escaped = false;

/**
 * Where the string opening at `at` ends (past its closing quote) when every character in it is
 * written as JSON.stringify writes it; -1 otherwise.
 */
function stringEnd(text: string, at: number): number {
  escaped = false;
  for (let i = at + 1; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === Ch.Quote) return i + 1;
    if (c < 0x20) return -1;
    if (c === Ch.Backslash) {
      escaped = true;
      const next = text.charCodeAt(i + 1);
      if (next < 128 && SHORT_ESCAPE[next]) i += 2;
      else if (next === Ch.LowerU && text.startsWith('00', i + 2) && (text[i + 4] === '0' || text[i + 4] === '1') && LOWER_HEX.test(text[i + 5] ?? '')) {
        if (!LONG_ESCAPED[parseInt(text.slice(i + 4, i + 6), 16)]) return -1;
        i += 6;
      } else return -1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A pair stays as written; JSON.stringify escapes a lone surrogate.
      const low = text.charCodeAt(i + 1);
      if (c > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return -1;
      i += 2;
    } else i++;
  }
  return -1;
}

/** Where the number starting at `at` ends when JSON.stringify would write its value the same way; -1 otherwise. */
function numberEnd(text: string, at: number): number {
  let i = at;
  if (text.charCodeAt(i) === Ch.Minus) i++;
  const first = i;
  while (isDigit(text.charCodeAt(i))) i++;
  const digits = i - first;
  if (digits === 0) return -1;
  const c = text.charCodeAt(i);
  if (c !== Ch.Dot && c !== Ch.LowerE && c !== Ch.UpperE) {
    // An integer short enough to be exact, with no leading zero and not -0: written back as is.
    if (digits <= EXACT_DIGITS && (text.charCodeAt(first) !== Ch.Zero || (digits === 1 && first === at))) return i;
  } else {
    if (c === Ch.Dot) {
      i++;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if (e === Ch.LowerE || e === Ch.UpperE) {
      i++;
      const sign = text.charCodeAt(i);
      if (sign === Ch.Plus || sign === Ch.Minus) i++;
      while (isDigit(text.charCodeAt(i))) i++;
    }
  }
  // The rare rest (fractions, exponents, long integers, -0): canonical if written back the same.
  const lexeme = text.slice(at, i);
  return JSON.stringify(Number(lexeme)) === lexeme ? i : -1;
}

function isDigit(c: number): boolean {
  return c >= Ch.Zero && c <= Ch.Nine;
}

/** Whether the unescaped key `text[a, aEnd)` goes strictly before `text[b, bEnd)` by code point. */
function keyBefore(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let k = 0; k < n; k++) {
    if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return compareCodePoints(text.slice(a + k, aEnd), text.slice(b + k, bEnd)) < 0;
  }
  return aEnd - a < bEnd - b;
}

/**
 * The open containers of the value being checked, innermost last: whether each is an object, and
 * where its last key's characters start and end (keys with escapes are left to the caller: their
 * order would have to be read from the decoded key). Module-wide, as the check never nests.
 */
const isObject = new Uint8Array(MAX_DEPTH);
const keyStart = new Int32Array(MAX_DEPTH);
const keyEnd = new Int32Array(MAX_DEPTH);

/**
 * Reads the key at `i` of the object at `depth` (after its `{` or a `,`) and its `:`; returns
 * where its value starts, or -1 if the key is not in canonical form or order.
 */
function keyEndingObject(text: string, i: number, depth: number): number {
  if (text.charCodeAt(i) !== Ch.Quote) return -1;
  const end = stringEnd(text, i);
  if (end < 0 || escaped || text.charCodeAt(end) !== Ch.Colon) return -1;
  if (keyStart[depth] >= 0 && !keyBefore(text, keyStart[depth], keyEnd[depth], i + 1, end - 1)) return -1;
  keyStart[depth] = i + 1;
  keyEnd[depth] = end - 1;
  return end + 1;
}

/**
 * Where the JSON value starting at `at` in `text` ends, when `text.slice(at, end)` is exactly
 * what canonicalJson writes for the value JSON.parse reads from it: no white space, object keys
 * in strictly increasing code point order (so no key twice), strings and numbers as
 * JSON.stringify writes them. -1 when it is not, or when the check is not sure.
 */
export function canonicalValueEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  for (;;) {
    // A value starts at `i`.
    const c = text.charCodeAt(i);
    if (c === Ch.Quote) i = stringEnd(text, i);
    else if (c === Ch.OpenBrace || c === Ch.OpenBracket) {
      const object = c === Ch.OpenBrace;
      if (text.charCodeAt(i + 1) === (object ? Ch.CloseBrace : Ch.CloseBracket)) i += 2;
      else {
        if (depth === MAX_DEPTH) return -1;
        isObject[depth] = object ? 1 : 0;
        keyStart[depth] = -1;
        i = object ? keyEndingObject(text, i + 1, depth) : i + 1;
        depth++;
        if (i < 0) return -1;
        continue;
      }
    } else if (c === Ch.Minus || isDigit(c)) i = numberEnd(text, i);
    else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else return -1;
    if (i < 0) return -1;
    // After a value: close what it ends, or go on to the next element or member.
    for (;;) {
      if (depth === 0) return i;
      const top = depth - 1;
      const d = text.charCodeAt(i);
      if (d === Ch.Comma) {
        i = isObject[top] ? keyEndingObject(text, i + 1, top) : i + 1;
        if (i < 0) return -1;
        break;
      }
      if (d !== (isObject[top] ? Ch.CloseBrace : Ch.CloseBracket)) return -1;
      depth--;
      i++;
    }
  }
}
