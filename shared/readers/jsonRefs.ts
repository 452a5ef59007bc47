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

/**
 * A string field the scanner reads as one digest and nothing else: a key written as is (nothing
 * to escape, no `:` or `$`, so no trigger in it finds a ref, and short enough to be looked back
 * over) and a value that is `sha256:` and 64 lower-case hex, or 64 lower-case hex under a key
 * that makes it a bare digest (`*_hash`, `*_digest`, `sha256`, `*_sha256`). Most of an event's
 * refs: their key is known without quoting the field and scanning it (~4 us a ref).
 */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{0,200}$/;
const PREFIXED_DIGEST = /^sha256:[0-9a-f]{64}$/;
const BARE_DIGEST = /^[0-9a-f]{64}$/;
const BARE_KEY = /(?:^|_)sha256$|_hash$|_digest$/;

/** The ref key of the digest `v` holds when the field is one the scanner reads as that digest alone (see PLAIN_KEY); else undefined. */
function soleDigestKey(key: string, v: string): string | undefined {
  if (!PLAIN_KEY.test(key)) return undefined;
  if (v.length === 71 && PREFIXED_DIGEST.test(v)) return v;
  if (v.length !== 64 || !BARE_KEY.test(key) || !BARE_DIGEST.test(v)) return undefined;
  // Flat, as refKey makes its keys: a concatenation is flattened when first read anyway.
  const digestKey = 'sha256:' + v;
  digestKey.charCodeAt(0);
  return digestKey;
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** An object or array being walked: the next key or element to visit, and the key an array's elements stand under. */
interface Frame {
  value: object;
  /** An object's keys (undefined for an array). */
  keys: string[] | undefined;
  next: number;
  path: string;
  key: string | undefined;
}

/** Walks `v` (at `path`, under `key`) after the value being visited, when it is an object or array. */
function enter(stack: Frame[], v: object, path: string, key: string | undefined): void {
  // Elements stand under the array's key; `$artifact` is an object's key, never an array's.
  if (Array.isArray(v)) stack.push({ value: v, keys: undefined, next: 0, path, key: key === '$artifact' ? undefined : key });
  else stack.push({ value: v, keys: Object.keys(v), next: 0, path, key: undefined });
}

/** The path of the key or element of `f` visited last. */
function pathOfLast(f: Frame): string {
  return f.keys ? join(f.path, f.keys[f.next - 1]) : `${f.path}[${f.next - 1}]`;
}

/**
 * Up to this many refs found, a repeat is looked for among them one by one; past it, in a set of
 * `key \0 path` strings. A capsule or an event holds a few refs: the set made and hashed a joined
 * string per ref, most of refsInJson's time and garbage for a run capsule.
 */
const FEW_REFS = 32;

/** Whether `out` holds a ref of `key` at `path` (a few refs: see FEW_REFS). */
function listed(out: readonly PathRef[], key: string, path: string): boolean {
  for (let i = 0; i < out.length; i++) if (out[i].path === path && out[i].key === key) return true;
  return false;
}

/** Every valid ref in `value`, once per (key, path), classified by `rules`; `$artifact` refs take their object's path. */
export function refsInJson(value: unknown, basePath = '', rules: KeyRules = DEFAULT_KEY_RULES): PathRef[] {
  const out: PathRef[] = [];
  // Made once more than FEW_REFS are found, from them.
  let seen: Set<string> | undefined;
  const addKey = (key: string, path: string, jsonKey: string | undefined, namespace?: string): void => {
    if (seen) {
      const id = key + '\0' + path;
      if (seen.has(id)) return;
      seen.add(id);
    } else if (listed(out, key, path)) return;
    else if (out.length === FEW_REFS) {
      seen = new Set(out.map((r) => r.key + '\0' + r.path));
      seen.add(key + '\0' + path);
    }
    const r: PathRef = namespace !== undefined ? { key, path, namespace } : { key, path };
    const role = rules.roleOf(jsonKey);
    if (role !== 'pointer') r.role = role;
    out.push(r);
  };
  const add = (text: string, path: string): void => {
    for (const m of scanRefs(text)) if (!m.invalid) addKey(refKey(m), path, m.jsonKey, m.form === 'namespaced' ? m.namespace : undefined);
  };
  // Containers being walked, innermost last: a string is scanned as it is reached and a path
  // is made only for a string scanned or a container entered, so the walk allocates nothing
  // for the many scalars that hold no ref.
  const stack: Frame[] = [];
  if (typeof value === 'string') {
    if (value.length >= MIN_REF && MAY_HOLD_REF.test(value)) add(value, basePath);
  } else if (value !== null && typeof value === 'object') enter(stack, value, basePath, undefined);
  while (stack.length) {
    const f = stack[stack.length - 1];
    let v: unknown;
    let key: string | undefined;
    if (f.keys) {
      if (f.next === f.keys.length) {
        stack.pop();
        continue;
      }
      key = f.keys[f.next++];
      // A long key is free text that may hold a ref, at its object's path.
      if (key.length >= MIN_REF && MAY_HOLD_REF.test(key)) add(key, f.path);
      v = (f.value as Record<string, unknown>)[key];
    } else {
      const list = f.value as unknown[];
      if (f.next === list.length) {
        stack.pop();
        continue;
      }
      v = list[f.next++];
      key = f.key;
    }
    if (typeof v === 'string') {
      if (key === undefined) {
        if (v.length >= MIN_REF && MAY_HOLD_REF.test(v)) add(v, pathOfLast(f));
      } else if (key === '$artifact') add(JSON.stringify(key) + ':' + JSON.stringify(v), f.path); // the ref is its object's
      else if (v.length >= MIN_REF && (MAY_HOLD_REF.test(v) || MAY_HOLD_REF.test(key))) {
        const digest = soleDigestKey(key, v);
        if (digest !== undefined) addKey(digest, pathOfLast(f), key);
        else add(JSON.stringify(key) + ':' + JSON.stringify(v), pathOfLast(f));
      }
    } else if (v !== null && typeof v === 'object') enter(stack, v, pathOfLast(f), key);
  }
  return out;
}
