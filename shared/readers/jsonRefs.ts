// Refs inside parsed JSON with the path of the field holding each one (`artifact_ref`,
// `payload.output_ref`, `tool_io[0].input_ref`): events and capsules link to artifacts
// through these. Each string is scanned with its key as JSON text, so the scanner's own rules
// (bare digests under `*_hash` keys, `{"$artifact": id}` objects) decide, not a second copy of
// them here; an array element is scanned under its array's key, so `"refs": [...]` holds
// pointers and `"parent_hashes": [...]` whatever that key's role is (CONTRACT 1.8). Iterative: parsed
// JSON may be 100k levels deep.
import { DEFAULT_KEY_RULES, type KeyRules } from '../refs/refRole';
import { scanRefs, refKey } from '../refs/scanner';

export interface PathRef {
  key: string;
  path: string;
  /** Set for a namespaced ref (`prompt_templates/sha256:<hex>`): the namespace as written. */
  namespace?: string;
  /** Absent for a pointer. */
  role?: 'fingerprint' | 'run';
}

/** The shortest ref (`sha256:` + 8 hex); shorter strings are skipped unscanned. */
const MIN_REF = 15;

/**
 * A string the scanner can find a ref in holds one of these (the letters of its triggers; of
 * `blake3:` only `lake3:`, since JSON.stringify writes a backspace as `\b`, which with
 * `lake3:` after it reads `\blake3:`). Every other string, nearly all of a capsule's or an
 * event's, is skipped without quoting its key and value for the scanner.
 */
const MAY_HOLD_REF = /sha256|lake3:|_hash|_digest|\$artifact/;

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** Every valid ref in `value`, once per (key, path), classified by `rules`; `$artifact` refs take their object's path. */
export function refsInJson(value: unknown, basePath = '', rules: KeyRules = DEFAULT_KEY_RULES): PathRef[] {
  const out: PathRef[] = [];
  const seen = new Set<string>();
  const add = (text: string, path: string): void => {
    for (const m of scanRefs(text)) {
      if (m.invalid) continue;
      const key = refKey(m);
      const id = key + '\0' + path;
      if (!seen.has(id)) {
        seen.add(id);
        const r: PathRef = m.form === 'namespaced' && m.namespace !== undefined ? { key, path, namespace: m.namespace } : { key, path };
        const role = rules.roleOf(m.jsonKey);
        if (role !== 'pointer') r.role = role;
        out.push(r);
      }
    }
  };
  // [value, its path, the key holding it (for the scanner's key rules)], popped in document order.
  const stack: [unknown, string, string | undefined][] = [[value, basePath, undefined]];
  while (stack.length) {
    const [v, path, key] = stack.pop()!;
    if (typeof v === 'string') {
      if (key === undefined) {
        if (v.length >= MIN_REF && MAY_HOLD_REF.test(v)) add(v, path);
      } else if (key === '$artifact') add(JSON.stringify(key) + ':' + JSON.stringify(v), path === key ? '' : path.slice(0, -key.length - 1));
      else if (v.length >= MIN_REF && (MAY_HOLD_REF.test(v) || MAY_HOLD_REF.test(key))) add(JSON.stringify(key) + ':' + JSON.stringify(v), path);
    } else if (Array.isArray(v)) {
      // Elements stand under the array's key; `$artifact` is an object's key, never an array's.
      const inherited = key === '$artifact' ? undefined : key;
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`, inherited]);
    } else if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        stack.push([obj[k], join(path, k), k]);
        if (k.length >= MIN_REF) stack.push([k, path, undefined]);
      }
    }
  }
  return out;
}
