// A hover-sized preview of JSON text. Artifacts are written minified (canonical JSON), so their
// first 2 KB is one unreadable line; this re-indents only as much of the raw text as the
// preview shows, without parsing the document (it may be huge, deep or invalid).

export const PREVIEW_MAX_LINES = 20;
export const PREVIEW_MAX_CHARS = 2048;

// Structural characters and whitespace runs are the tokens; everything between them (numbers,
// literals) is copied. Found by character code rather than a regex's exec(), which made a match
// array per token: ~10 KB of garbage for a request's 783-character preview, on every first hover.
const STRUCTURAL = new Uint8Array(128);
for (const c of '{}[],:"') STRUCTURAL[c.charCodeAt(0)] = 1;

/** Whether `c` is whitespace as a regex's `\s` reads it. */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const isToken = (c: number) => (c < 128 && STRUCTURAL[c] === 1) || isSpace(c);

/** End of the JSON string opening at `at` (after its closing quote), looking at most `limit` characters ahead. */
function stringEnd(text: string, at: number, limit: number): number {
  const stop = Math.min(text.length, at + limit);
  for (let j = at + 1; ; ) {
    const k = text.indexOf('"', j);
    if (k === -1 || k >= stop) return stop;
    let slashes = 0;
    while (text.charCodeAt(k - 1 - slashes) === 92) slashes++;
    if (slashes % 2 === 0) return k + 1;
    j = k + 1;
  }
}

/** First lines of `text`, re-indented when it looks like JSON; raw first lines otherwise. */
export function prettyPreview(text: string, maxLines = PREVIEW_MAX_LINES, maxChars = PREVIEW_MAX_CHARS): string {
  const first = text.trimStart().charCodeAt(0);
  if (first !== 123 && first !== 91) return firstLines(text, maxLines, maxChars);
  const parts: string[] = [];
  let size = 0;
  let lines = 1;
  let depth = 0;
  const emit = (s: string): void => {
    parts.push(s);
    size += s.length;
  };
  const newline = (): boolean => {
    if (++lines > maxLines) return false;
    emit('\n' + '  '.repeat(Math.min(depth, 40)));
    return true;
  };
  let i = 0;
  while (i < text.length && size < maxChars) {
    let at = i;
    while (at < text.length && !isToken(text.charCodeAt(at))) at++;
    if (at > i) emit(text.slice(i, Math.min(at, i + maxChars)));
    if (at === text.length) break;
    if (isSpace(text.charCodeAt(at))) {
      // whitespace between tokens is dropped
      for (i = at + 1; i < text.length && isSpace(text.charCodeAt(i)); ) i++;
      continue;
    }
    const tok = text[at];
    i = at + 1;
    if (tok === '"') {
      // Copy the whole string (bounded), skipping its escaped quotes.
      i = stringEnd(text, at, maxChars - size);
      emit(text.slice(at, i));
    } else if (tok === '{' || tok === '[') {
      const close = tok === '{' ? '}' : ']';
      let j = i;
      while (j < text.length && isSpace(text.charCodeAt(j))) j++;
      if (text[j] === close) {
        emit(tok + close);
        i = j + 1;
        continue;
      }
      emit(tok);
      depth++;
      if (!newline()) break;
    } else if (tok === '}' || tok === ']') {
      depth = Math.max(0, depth - 1);
      if (!newline()) break;
      emit(tok);
    } else if (tok === ',') {
      emit(tok);
      if (!newline()) break;
    } else if (tok === ':') emit(': ');
  }
  const out = parts.join('');
  return out.length > maxChars ? out.slice(0, maxChars) : out;
}

function firstLines(text: string, maxLines: number, maxChars: number): string {
  let end = -1;
  for (let n = 0; n < maxLines; n++) {
    end = text.indexOf('\n', end + 1);
    if (end === -1 || end >= maxChars) return text.slice(0, maxChars);
  }
  return text.slice(0, end);
}
