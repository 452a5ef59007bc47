// A hover-sized preview of JSON text. Artifacts are written minified (canonical JSON), so their
// first 2 KB is one unreadable line; this re-indents only as much of the raw text as the
// preview shows, without parsing the document (it may be huge, deep or invalid).

export const PREVIEW_MAX_LINES = 20;
export const PREVIEW_MAX_CHARS = 2048;

// Structural characters and whitespace runs; everything between them (numbers, literals) is copied.
const TOKEN = /[{}[\],:"]|\s+/g;

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
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    const at = m ? m.index : text.length;
    if (at > i) emit(text.slice(i, Math.min(at, i + maxChars)));
    if (!m) break;
    const tok = m[0];
    i = at + tok.length;
    if (tok === '"') {
      // Copy the whole string (bounded), skipping its escaped quotes.
      i = stringEnd(text, at, maxChars - size);
      emit(text.slice(at, i));
    } else if (tok === '{' || tok === '[') {
      const close = tok === '{' ? '}' : ']';
      let j = i;
      while (j < text.length && /\s/.test(text[j])) j++;
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
    // whitespace between tokens is dropped
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
