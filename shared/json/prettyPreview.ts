// A hover-sized preview of JSON text. Artifacts are written minified (canonical JSON), so their
// first 2 KB is one unreadable line; this re-indents only as much of the raw text as the
// preview shows, without parsing the document (it may be huge, deep or invalid).

export const PREVIEW_MAX_LINES = 20;
export const PREVIEW_MAX_CHARS = 2048;

/** First lines of `text`, re-indented when it looks like JSON; raw first lines otherwise. */
export function prettyPreview(text: string, maxLines = PREVIEW_MAX_LINES, maxChars = PREVIEW_MAX_CHARS): string {
  const first = text.trimStart().charCodeAt(0);
  if (first !== 123 && first !== 91) return firstLines(text, maxLines, maxChars);
  let out = '';
  let lines = 1;
  let depth = 0;
  let inString = false;
  const newline = (): boolean => {
    if (++lines > maxLines) return false;
    out += '\n' + '  '.repeat(Math.min(depth, 40));
    return true;
  };
  for (let i = 0; i < text.length && out.length < maxChars; i++) {
    const ch = text[i];
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') continue;
    if (ch === '"') {
      inString = true;
      out += ch;
    } else if (ch === '{' || ch === '[') {
      out += ch;
      const close = ch === '{' ? '}' : ']';
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) j++;
      if (text[j] === close) {
        out += close;
        i = j;
        continue;
      }
      depth++;
      if (!newline()) break;
    } else if (ch === '}' || ch === ']') {
      depth = Math.max(0, depth - 1);
      if (!newline()) break;
      out += ch;
    } else if (ch === ',') {
      out += ch;
      if (!newline()) break;
    } else if (ch === ':') out += ': ';
    else out += ch;
  }
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
