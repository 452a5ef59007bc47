// Small helpers every feature shares: the ref under the cursor, and the string the index
// resolves for an occurrence.
import type { Occurrence } from '../../shared/model';

/** The occurrence covering (line, character), end inclusive so a cursor right after a ref still finds it. */
export function occurrenceAt(occurrences: Occurrence[], line: number, character: number): Occurrence | undefined {
  let lo = 0;
  let hi = occurrences.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (occurrences[mid].line < line) lo = mid + 1;
    else hi = mid - 1;
  }
  for (let i = lo; i < occurrences.length && occurrences[i].line === line; i++) {
    const o = occurrences[i];
    if (character >= o.col && character <= o.endCol) return o;
  }
  return undefined;
}

/**
 * The ref as the index resolves it: lower-case hex (upper case is only flagged), the namespace
 * kept, bare digests as `sha256:`, object refs as `artifact:<id>`.
 */
export function indexRef(o: Occurrence): string {
  return o.namespace !== undefined && o.form === 'namespaced' ? `${o.namespace}/${o.key}` : o.key;
}

/** Whether an occurrence denotes the thing whose lookup key is `key` (an abbreviation counts if it is a prefix). */
export function occurrenceDenotes(o: Occurrence, keys: Set<string>): boolean {
  if (o.invalid) return false;
  if (keys.has(o.key)) return true;
  if (o.form !== 'abbreviated') return false;
  for (const k of keys) if (k.startsWith(o.key)) return true;
  return false;
}
