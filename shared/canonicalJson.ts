// Canonical JSON as the runtimes write it (CONTRACT 1.3): object keys sorted by code point
// at every level, no insignificant whitespace, UTF-8. Artifact names are sha256 of exactly
// these bytes, so any drift here turns every artifact into a false `mismatch`.

/** Compares two strings by Unicode code point (JS `<` compares UTF-16 code units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Whether `keys` are already in code point order (writers of canonical JSON leave them so). */
function inCodePointOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (compareCodePoints(keys[i - 1], keys[i]) > 0) return false;
  return true;
}

/**
 * Built by appending to one string, with keys sorted only when out of order: the audit log's
 * hash check serialises every event this way (~0.9 s over the bench's 102k events as arrays
 * of parts mapped and joined).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const element: unknown = value[i];
      // A hole stays empty, as Array.prototype.join writes it.
      if (element !== undefined || i in value) out += canonicalJson(element);
    }
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (!inCodePointOrder(keys)) keys.sort(compareCodePoints);
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}
