// Small helpers every feature shares: the string the index resolves for an occurrence, and
// whether an occurrence denotes a given target.
import type { Occurrence } from '../../shared/records';

/**
 * The ref as the index resolves it: lower-case hex (upper case is only flagged), the namespace
 * kept, bare digests as `sha256:`, object refs as `artifact:<id>`.
 */
export function indexRef(o: Pick<Occurrence, 'form' | 'key' | 'namespace'>): string {
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
