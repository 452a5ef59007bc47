// A ref typed by a user or sent in a request (`refscope show REF`, `refscope/resolve {ref}`):
// the whole string must be one ref. The scanner decides every text form, so a ref means the
// same thing on the command line as in a file.
import type { RefMatch } from '../records';
import { namespaceProblem } from './namespace';
import { scanRefs } from './scanner';

const BARE_HEX = /^[0-9a-fA-F]{64}$/;
const ARTIFACT_ID = /^[A-Za-z0-9_-]+$/;
const QUOTES = /^(["'`])(.*)\1$/s;

function objectRef(id: string, text: string, start: number, end: number): RefMatch {
  const m: RefMatch = { form: 'object', start, end, text, algo: 'artifact', value: id };
  if (!ARTIFACT_ID.test(id)) m.invalid = id === '' ? 'artifact id is empty' : 'artifact id must match [A-Za-z0-9_-]+';
  return m;
}

/** `{"$artifact": "<id>"}` as a whole JSON document (JSON escapes in the id are decoded). */
function parseObjectRef(s: string): RefMatch | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const id = (parsed as Record<string, unknown>).$artifact;
  if (typeof id !== 'string') return undefined;
  const found = scanRefs(s).find((m) => m.form === 'object');
  return found && found.value === id ? found : objectRef(id, s, 0, s.length);
}

/**
 * The ref `input` denotes, with `invalid` set for an invalid one (traversal, absolute, bad id),
 * or undefined when it is not a ref. Offsets are into the trimmed input, without surrounding
 * quotes. Accepted: `sha256:<hex>` (64, or 8..63 for a prefix), `ns/sha256:<hex>`,
 * `blake3:<hex>`, a bare 64-hex digest (a sha256), `artifact:<id>` and `{"$artifact": "<id>"}`.
 */
export function parseRef(input: string): RefMatch | undefined {
  let s = input.trim();
  const quoted = QUOTES.exec(s);
  if (quoted) s = quoted[2].trim();
  if (s === '') return undefined;
  if (s.startsWith('{')) return parseObjectRef(s);
  if (s.startsWith('artifact:')) return objectRef(s.slice(9), s, 0, s.length);
  if (BARE_HEX.test(s)) {
    const lower = s.toLowerCase();
    const m: RefMatch = { form: 'canonical', start: 0, end: s.length, text: s, algo: 'sha256', value: lower };
    if (lower !== s) m.upperCase = true;
    return m;
  }
  const all = scanRefs(s);
  if (all.length !== 1) return undefined;
  const m = all[0];
  if (m.end !== s.length) return undefined;
  if (m.start === 0) return m;
  return widenedNamespace(s, m);
}

/**
 * `my ns/sha256:<hex>`: the scanner (rightly, in running text) starts the ref after the space,
 * but a user meant the whole string as the namespace, which is then invalid, not "no ref".
 */
function widenedNamespace(s: string, m: RefMatch): RefMatch | undefined {
  if (m.namespace === undefined) return undefined;
  const at = m.start + m.text.lastIndexOf('sha256:');
  const backslash = s[at - 1] === '\\';
  const namespace = s.slice(0, at - 1);
  const invalid = namespaceProblem(namespace, backslash) ?? 'namespace has an empty or malformed segment';
  return { ...m, start: 0, text: s, namespace, invalid };
}
