// Two versions of a document, differing in one counter field, whose sha256 digests share their
// first 8 hex digits: the abbreviation `sha256:<8 hex>` then names both, which is what an
// ambiguous ref looks like. Chance gives such a pair only about once in 80k digests (a 32-bit
// birthday collision), so it is searched for by counting the field up. The search is
// deterministic (the same pair on every run) and bounded; it costs about half a second, so a
// caller may pass the pair it found before, which is checked (two hashes) and used if it holds.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonicalJson';

/** Hex digits the twins share: the shortest abbreviation a ref may use (CONTRACT 1.2). */
export const TWIN_PREFIX_HEX = 8;
/** A pair is all but certain long before this: the chance of none among 2^20 is e^-128. */
const MAX_CANDIDATES = 1 << 20;
/** Stands for the counter while the document is serialised once; no real field holds it. */
const PLACEHOLDER = 987654321012345;

/**
 * Values of `doc[field]` for which the canonical JSON of `doc` hashes to digests sharing
 * `TWIN_PREFIX_HEX` hex digits: `known` when it is such a pair (a document edited since no longer
 * matches it), else the first such pair among 0, 1, 2, ...
 */
export function prefixTwins(doc: Record<string, unknown>, field: string, known?: [number, number]): [number, number] {
  // Only the counter's digits change: hash the bytes before it once and copy that state.
  const parts = canonicalJson({ ...doc, [field]: PLACEHOLDER }).split(String(PLACEHOLDER));
  if (parts.length !== 2) throw new Error(`cannot vary ${field} alone in this document`);
  const [before, after] = parts;
  const head = createHash('sha256').update(before);
  // The first 4 bytes of a digest are its first 8 hex digits.
  const prefixOf = (n: number) => head.copy().update(n + after).digest().readUInt32BE(0);
  if (known && known[0] !== known[1] && prefixOf(known[0]) === prefixOf(known[1])) return known;
  const seen = new Map<number, number>();
  for (let n = 0; n < MAX_CANDIDATES; n++) {
    const prefix = prefixOf(n);
    const first = seen.get(prefix);
    if (first !== undefined) return [first, n];
    seen.set(prefix, n);
  }
  throw new Error(`no two of ${MAX_CANDIDATES} values of ${field} give digests sharing ${TWIN_PREFIX_HEX} hex digits`);
}
