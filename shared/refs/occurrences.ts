// Scanner offsets -> LSP positions (0-based line, UTF-16 column). Line breaks are those LSP
// counts: `\n`, `\r\n` and a lone `\r`; a column never includes the `\r` of a CRLF.
import type { Occurrence, RefMatch } from '../records';
import { DEFAULT_KEY_RULES, type KeyRules } from './refRole';

/**
 * Positions for `matches` (sorted by start, as `scanRefs` returns them) in one forward pass:
 * only the line breaks before the last match are visited, each once. Each gets its role
 * (CONTRACT 1.8) from the key it stands under, by `rules`.
 */
export function toOccurrences(text: string, matches: RefMatch[], rules: KeyRules = DEFAULT_KEY_RULES): Occurrence[] {
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
    const key = refKey(m);
    const written = m.text === key ? key : ownCopy(m.text);
    const o: Occurrence = { line, col: m.start - lineStart, endCol: m.end - lineStart, form: m.form, key, text: written };
    if (m.namespace !== undefined) o.namespace = ownCopy(m.namespace);
    if (m.upperCase) o.upperCase = true;
    if (m.invalid) o.invalid = m.invalid;
    const role = rules.roleOf(m.jsonKey);
    if (role !== 'pointer') o.role = role;
    out.push(o);
  }
  return out;
}

/**
 * `s` in memory of its own. Scanner strings are slices of the scanned file, and a slice keeps
 * the whole file alive for as long as the index keeps the ref; reading a character of a
 * concatenation makes V8 flatten it into a fresh string, which drops the file.
 */
function ownCopy(s: string): string {
  const copy = ' ' + s;
  copy.charCodeAt(0);
  return copy.slice(1);
}

/**
 * The index lookup key: `sha256:<hex>`, `blake3:<hex>`, `artifact:<id>` (abbreviated refs keep
 * their prefix), in memory of its own (see `ownCopy`), so it can be kept.
 */
export function refKey(m: RefMatch): string {
  const key = m.algo + ':' + m.value;
  key.charCodeAt(0);
  return key;
}
