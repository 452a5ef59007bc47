// Content-addressed artifacts (CONTRACT 1.3): `<root>/artifacts/<namespace...>/<hex>.<ext>`.
// The name claims a sha256; the reader checks the claim from the same bytes it parses:
// `verified` (bytes hash to the name), `canonical` (only the canonical re-serialisation does),
// else `mismatch`. Content over the parse cap is streamed through sha256 and not parsed.
import * as nodePath from 'node:path';
import { canonicalJson } from '../canonicalJson';
import { canonicalLexemeJson, parseLexemeJson } from '../json/lexemeJson';
import type { ArtifactEntry, FileRecord } from '../records';
import type { ReadContext } from './types';
import { looksBinary, sha256OfFile } from './fileBytes';
import { addProblem, decodeText, newRecord, occurrencesIn, readInto } from './record';
import { asObject, capsuleRunInfo, scalarText } from './runInfo';
import { parseJsonOrReport } from './parseJson';
import { sha256Hex } from './sha256';

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** How an artifact is read: whole and hashed, or above the parse cap only hashed (a prefetch reads the same way). */
export const ARTIFACT_READ = { hashLarge: true, hashAll: true } as const;

/** Namespaces by root and folder: 100k artifacts sit in a few dozen folders. */
const namespaces = new Map<string, string>();
const MAX_NAMESPACES = 4096;

/**
 * The folder and name of `path` as nodePath.dirname and basename give them; their loops over
 * each character cost ~0.5 s of a cold index's 109k artifacts, where a discovered path (no
 * trailing or doubled separator) needs one search from its end.
 */
function splitPath(path: string): [dir: string, name: string] {
  const at = Math.max(path.lastIndexOf('/'), path.lastIndexOf(nodePath.sep));
  const before = path[at - 1];
  const plain = at > 0 && at < path.length - 1 && before !== '/' && before !== nodePath.sep && before !== ':';
  return plain ? [path.slice(0, at), path.slice(at + 1)] : [nodePath.dirname(path), nodePath.basename(path)];
}

/** A file name before its first dot: an artifact's claimed digest. */
function stemOf(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/** Namespace = the folders between `artifacts/` and the file. */
export function artifactNamespace(root: string, file: string): string {
  return namespaceIn(root, splitPath(file)[0]);
}

/** The namespace of the files in folder `dir`. */
function namespaceIn(root: string, dir: string): string {
  const cacheKey = root + '\0' + dir;
  let ns = namespaces.get(cacheKey);
  if (ns === undefined) {
    if (namespaces.size >= MAX_NAMESPACES) namespaces.clear();
    namespaces.set(cacheKey, (ns = namespaceOf(root, dir)));
  }
  return ns;
}

function namespaceOf(root: string, dir: string): string {
  const rel = nodePath.relative(nodePath.join(root, 'artifacts'), dir);
  if (rel && !rel.startsWith('..') && !nodePath.isAbsolute(rel)) return rel.split(nodePath.sep).join('/');
  // Not under the given root: take what follows the last `artifacts` folder.
  const parts = dir.split(nodePath.sep);
  const at = parts.lastIndexOf('artifacts');
  return at >= 0 && at < parts.length - 1 ? parts.slice(at + 1).join('/') : nodePath.basename(dir);
}

/** Whether some canonical re-serialisation of `doc`/`text` hashes to `digest`. */
function canonicalMatches(rec: FileRecord, doc: unknown, text: string, digest: string): boolean {
  try {
    if (sha256Hex(canonicalJson(doc)) === digest) return true;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    // Too deep for the recursive serializer: the iterative one below still decides.
  }
  try {
    // Number lexemes as written (`1.0`), for writers whose floats JS would reformat.
    return sha256Hex(canonicalLexemeJson(parseLexemeJson(text))) === digest;
  } catch (err) {
    addProblem(rec, 'malformed', 'warning', `could not re-serialise the JSON to check its canonical form: ${(err as Error).message}`);
    return false;
  }
}

function copyWellKnown(entry: ArtifactEntry, top: Record<string, unknown>): void {
  const s = (k: string) => scalarText(top[k]);
  const set = <K extends keyof ArtifactEntry>(k: K, v: ArtifactEntry[K] | undefined) => {
    if (v !== undefined) entry[k] = v;
  };
  set('schema', s('schema'));
  set('createdAt', s('created_at') ?? s('ts'));
  set('runId', s('run_id') ?? scalarText(asObject(top.run)?.run_id));
  set('turnId', s('turn_id'));
  set('toolId', s('tool_id'));
  set('provider', s('provider'));
  set('model', s('model'));
  if (top.labels !== undefined) entry.labels = top.labels;
  set('sensitivity', s('sensitivity'));
}

/**
 * Whether the bytes of the artifact file at `path` still hash to the digest its name claims
 * (false when it cannot be read): `verify` asks it of every artifact whose size and mtime are as
 * the index read them, since bytes changed in place (a disk's bit rot, a copy that kept the
 * times) leave both as they were.
 */
export function bytesMatchName(path: string): boolean {
  try {
    return sha256OfFile(path) === stemOf(splitPath(path)[1]).toLowerCase();
  } catch {
    return false;
  }
}

export function readArtifact(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'artifact');
  const data = readInto(rec, ctx.maxParseBytes, ARTIFACT_READ, ctx.readBytes);
  if (!data) return rec;
  const [dir, name] = splitPath(path);
  const stem = stemOf(name);
  const ext = stem.length === name.length ? '' : name.slice(stem.length + 1).toLowerCase();
  const namespace = namespaceIn(ctx.root, dir);
  const kind = namespace.split('/').pop()!;
  const bytes = data.bytes;
  const text = bytes && !looksBinary(bytes) ? decodeText(rec, bytes) : undefined;
  if (text !== undefined) rec.occurrences = occurrencesIn(text, ctx.keyRules);
  if (!HEX64.test(stem)) {
    // Not named by a digest: nothing to verify or key it by; its refs are still indexed.
    addProblem(rec, 'malformed', 'information', `${name} is not named <sha256 hex>.<ext>, so it is indexed as text, not as an artifact`);
    return rec;
  }
  const digest = stem.toLowerCase();
  const entry: ArtifactEntry = {
    key: `sha256:${digest}`,
    digest,
    kind,
    namespace,
    root: ctx.root,
    path,
    size: data.size,
    verification: data.sha256 === digest ? 'verified' : 'mismatch',
  };
  rec.artifacts = [entry];

  const isJson = ext === 'json' || (text !== undefined && /^\s*[{[]/.test(text.slice(0, 64)));
  let doc: unknown;
  if (!bytes) {
    addProblem(rec, 'too-large', 'information', `${(data.size / 1048576).toFixed(1)} MB is above the parse cap of ${(ctx.maxParseBytes / 1048576).toFixed(1)} MB: hashed but not parsed, so refs inside it are not indexed`);
  } else if (text === undefined) {
    if (ext === 'json') addProblem(rec, 'malformed', 'warning', 'binary content (NUL bytes) in a .json artifact: not parsed');
  } else if (isJson) {
    doc = parseJsonOrReport(rec, text, ext === 'json' ? 'warning' : 'information');
  }

  if (entry.verification === 'mismatch' && doc !== undefined && canonicalMatches(rec, doc, text!, digest)) {
    entry.verification = 'canonical';
  }
  if (entry.verification === 'mismatch') {
    entry.actualDigest = data.sha256;
    addProblem(rec, 'hash-mismatch', 'error', `the content hashes to sha256:${data.sha256}, not to sha256:${digest} as its name claims: the evidence is not what its name says`);
  }
  const top = asObject(doc);
  if (top) copyWellKnown(entry, top);
  if (doc !== undefined && (kind === 'run_capsules' || kind === 'snapshots')) {
    rec.run = capsuleRunInfo(kind === 'run_capsules' ? 'capsule' : 'snapshot', entry.key, doc);
  }
  return rec;
}
