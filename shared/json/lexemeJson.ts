// JSON that keeps number lexemes, for verifying hashes other runtimes computed over their own
// canonical JSON. `JSON.parse` turns `1.0` into 1 and `12345678901234567891` into a rounded
// double, so re-serialising its result cannot reproduce a Python or Rust writer's bytes; this
// tree keeps every number exactly as written. Both the parser and the serializer are
// iterative: a hostile 100k-deep `[[[[...]]]]` costs heap, never the call stack.
import { compareCodePoints } from '../canonicalJson';

/** A JSON number kept as its source text. */
export class JsonNumber {
  constructor(readonly lexeme: string) {}
}

export type LexValue = null | boolean | string | JsonNumber | LexValue[] | LexObject;
/** Objects as Maps: insertion order kept, a later duplicate key wins (as in Python), no `__proto__` surprises. */
export type LexObject = Map<string, LexValue>;

export class JsonSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|-?Infinity/y;
const STRING_PLAIN = /[^"\\\u0000-\u001f]*/y;
const WS = /[ \t\n\r]*/y;

interface Frame {
  container: LexValue[] | LexObject;
  /** Pending key while an object member's value is being parsed. */
  key?: string;
}

/** Parses one JSON document (whitespace around it allowed). Throws JsonSyntaxError. */
export function parseLexemeJson(text: string): LexValue {
  let pos = 0;
  const skipWs = (): void => {
    WS.lastIndex = pos;
    WS.test(text);
    pos = WS.lastIndex;
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(pos >= text.length ? 'unexpected end of JSON' : `${what}`, pos);
  };
  const readString = (): string => {
    // pos is at the opening quote
    pos++;
    let out = '';
    for (;;) {
      STRING_PLAIN.lastIndex = pos;
      STRING_PLAIN.test(text);
      out += text.slice(pos, STRING_PLAIN.lastIndex);
      pos = STRING_PLAIN.lastIndex;
      const c = text.charCodeAt(pos);
      if (c === 34) {
        pos++;
        return out;
      }
      if (c !== 92) fail('unterminated string or control character in string');
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          pos -= 2;
          fail('bad escape');
      }
    }
  };
  /** A scalar at pos, or the opened container (pushed on the stack by the caller). */
  const readScalar = (): LexValue | undefined => {
    const c = text.charCodeAt(pos);
    if (c === 34) return readString();
    if (text.startsWith('true', pos)) return (pos += 4), true;
    if (text.startsWith('false', pos)) return (pos += 5), false;
    if (text.startsWith('null', pos)) return (pos += 4), null;
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos = NUMBER.lastIndex;
      return new JsonNumber(m[0]);
    }
    return undefined;
  };

  const stack: Frame[] = [];
  let result: LexValue | undefined;
  let done = false;
  // Each turn reads one value (or closes containers) at the current nesting level.
  const place = (v: LexValue): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      result = v;
      done = true;
    } else if (Array.isArray(top.container)) top.container.push(v);
    else top.container.set(top.key!, v);
  };
  let expectValue = true;
  while (!done) {
    skipWs();
    const top = stack[stack.length - 1];
    if (expectValue) {
      if (top && !Array.isArray(top.container)) {
        // object member: key then colon
        if (text.charCodeAt(pos) !== 34) fail('expected a string key');
        top.key = readString();
        skipWs();
        if (text.charCodeAt(pos) !== 58) fail("expected ':'");
        pos++;
        skipWs();
      }
      const c = text.charCodeAt(pos);
      if (c === 123 || c === 91) {
        pos++;
        const container: LexValue[] | LexObject = c === 91 ? [] : new Map();
        place(container);
        done = false;
        stack.push({ container });
        skipWs();
        const close = c === 91 ? 93 : 125;
        if (text.charCodeAt(pos) === close) {
          pos++;
          stack.pop();
          expectValue = false;
          if (stack.length === 0) done = true;
        }
        continue;
      }
      const v = readScalar();
      if (v === undefined) fail('unexpected character');
      place(v as LexValue);
      expectValue = false;
      continue;
    }
    // after a value: ',' or the container's close
    const c = text.charCodeAt(pos);
    if (c === 44) {
      pos++;
      expectValue = true;
    } else if ((c === 93 && Array.isArray(top.container)) || (c === 125 && !Array.isArray(top.container))) {
      pos++;
      stack.pop();
      if (stack.length === 0) done = true;
    } else fail("expected ',' or a closing bracket");
  }
  skipWs();
  if (pos < text.length) fail('unexpected text after the JSON value');
  return result as LexValue;
}

export interface CanonicalOptions {
  /** Escape every non-ASCII character as `\uXXXX` (Python `ensure_ascii=True`). */
  asciiOnly?: boolean;
}

function escapeNonAscii(s: string): string {
  // Python's ensure_ascii also escapes DEL; surrogate pairs come out as two escapes, as in Python.
  return s.replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Canonical JSON of a lexeme tree: keys sorted by code point, no whitespace, numbers exactly
 * as written, strings escaped as JSON.stringify does (which matches Python's json.dumps with
 * ensure_ascii=False; `asciiOnly` gives ensure_ascii=True).
 */
export function canonicalLexemeJson(value: LexValue, options: CanonicalOptions = {}): string {
  const str = options.asciiOnly ? (s: string) => escapeNonAscii(JSON.stringify(s)) : (s: string) => JSON.stringify(s);
  const parts: string[] = [];
  // Work items: a value to write, or a literal to emit (separators and closers).
  const work: (LexValue | { lit: string })[] = [value];
  while (work.length) {
    const v = work.pop()!;
    if (v === null) parts.push('null');
    else if (typeof v === 'boolean') parts.push(v ? 'true' : 'false');
    else if (typeof v === 'string') parts.push(str(v));
    else if (v instanceof JsonNumber) parts.push(v.lexeme);
    else if (Array.isArray(v)) {
      parts.push('[');
      work.push({ lit: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        work.push(v[i]);
        if (i > 0) work.push({ lit: ',' });
      }
    } else if (v instanceof Map) {
      parts.push('{');
      work.push({ lit: '}' });
      const keys = [...v.keys()].sort(compareCodePoints);
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push(v.get(keys[i])!);
        work.push({ lit: (i > 0 ? ',' : '') + str(keys[i]) + ':' });
      }
    } else parts.push(v.lit);
  }
  return parts.join('');
}
