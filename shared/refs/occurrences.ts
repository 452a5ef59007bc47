// Scanner offsets -> LSP positions (0-based line, UTF-16 column). Line breaks are those LSP
// counts: `\n`, `\r\n` and a lone `\r`; a column never includes the `\r` of a CRLF.
import type { Occurrence, RefMatch } from '../model';

/**
 * Positions for `matches` (sorted by start, as `scanRefs` returns them) in one forward pass:
 * only the line breaks before the last match are visited, each once.
 */
export function toOccurrences(text: string, matches: RefMatch[]): Occurrence[] {
  const out: Occurrence[] = [];
  let line = 0;
  let lineStart = 0;
  let nextLf = matches.length ? text.indexOf('\n') : -1;
  let nextCr = matches.length ? text.indexOf('\r') : -1;
  for (const m of matches) {
    for (;;) {
      const br = nextCr === -1 || (nextLf !== -1 && nextLf < nextCr) ? nextLf : nextCr;
      if (br === -1 || br >= m.start) break;
      const after = br === nextCr && text.charCodeAt(br + 1) === 10 ? br + 2 : br + 1;
      line++;
      lineStart = after;
      if (nextLf !== -1 && nextLf < after) nextLf = text.indexOf('\n', after);
      if (nextCr !== -1 && nextCr < after) nextCr = text.indexOf('\r', after);
    }
    const o: Occurrence = { line, col: m.start - lineStart, endCol: m.end - lineStart, form: m.form, key: refKey(m), text: m.text };
    if (m.namespace !== undefined) o.namespace = m.namespace;
    if (m.upperCase) o.upperCase = true;
    if (m.invalid) o.invalid = m.invalid;
    out.push(o);
  }
  return out;
}

/** The index lookup key: `sha256:<hex>`, `blake3:<hex>`, `artifact:<id>` (abbreviated refs keep their prefix). */
export function refKey(m: RefMatch): string {
  return `${m.algo}:${m.value}`;
}
