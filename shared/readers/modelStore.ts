// The model store (CONTRACT 1.5): manifests `<state>/models/<id>.json`, blobs
// `<state>/models/by-hash/<sha256>[.<ext>]`, partial downloads `*.part` + `.part.meta`.
// A manifest's `path` is untrusted: it becomes `blobPath` only when it names a file directly
// inside by-hash/ (after normalising `..`, and with by-hash/ itself not a symlink leading
// elsewhere). A relative path is read against the manifest's folder (`by-hash/<file>`) or, as
// some writers mean it, against the state dir (`models/by-hash/<file>`). GC deletes by these
// facts, so an invalid manifest must never yield a path.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { createHash } from 'node:crypto';
import type { FileRecord, ManifestEntry } from '../records';
import type { ReadContext } from './types';
import { hashFile, UnreadableError } from './fileBytes';
import { addProblem, decodeText, newRecord, occurrencesIn, readInto } from './record';
import { asObject } from './runInfo';

const HEX64 = /^[0-9a-f]{64}$/;
const BLOB_FILE = /^([0-9a-f]{64})(\.[A-Za-z0-9._-]+)?$/;

/** `<state>` for a file at `<state>/models/<name>` or `<state>/models/by-hash/<name>`. */
function stateDirOf(file: string): string {
  const dir = nodePath.dirname(file);
  const models = nodePath.basename(dir) === 'by-hash' ? nodePath.dirname(dir) : dir;
  return nodePath.dirname(models);
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

function isRegularFile(p: string): boolean {
  try {
    return fs.lstatSync(p).isFile();
  } catch {
    return false;
  }
}

const ABSOLUTE = /^(?:\/|[A-Za-z]:[\\/]|\\\\)/;

/**
 * A moved manifest (CONTRACT 1.5): an absolute `declared` path, POSIX or Windows, ending in
 * `/models/by-hash/<file>`, written on another machine or mount. Only its text is looked at:
 * the original path is never opened.
 */
function writtenElsewhere(declared: string, file: string): boolean {
  if (!ABSOLUTE.test(declared)) return false;
  const normal = nodePath.posix.normalize(declared.replace(/\\/g, '/'));
  return normal.endsWith(`/models/by-hash/${file}`);
}

/** Why `declared` is not a safe blob path for this manifest, or the resolved path (`moved`: a moved manifest's). */
function resolveBlobPath(stateDir: string, declared: string, file: string): { path?: string; error?: string; moved?: boolean } {
  if (declared.includes('\0')) return { error: 'path contains a NUL character' };
  const models = nodePath.join(stateDir, 'models');
  const byHash = nodePath.join(models, 'by-hash');
  // At most one reading lands in by-hash/ (they differ by a leading `models/`).
  let resolved = [models, stateDir].map((base) => nodePath.resolve(base, declared)).find((p) => nodePath.dirname(p) === byHash);
  let moved = false;
  if (resolved === undefined && writtenElsewhere(declared, file)) {
    // Only a blob present in this store makes it a moved manifest rather than one pointing out of the store.
    const here = nodePath.join(byHash, file);
    if (isRegularFile(here)) {
      resolved = here;
      moved = true;
    }
  }
  if (resolved === undefined) return { error: `path ${declared} is outside ${byHash}` };
  if (nodePath.basename(resolved) !== file) return { error: `path ${declared} does not name the manifest's file ${file}` };
  const realByHash = realpathOrUndefined(byHash);
  const realModels = realpathOrUndefined(models);
  if (realByHash !== undefined && realModels !== undefined && realByHash !== nodePath.join(realModels, 'by-hash')) {
    return { error: `${byHash} is a symbolic link to ${realByHash}: not followed` };
  }
  try {
    if (fs.lstatSync(resolved).isSymbolicLink()) return { error: `${resolved} is a symbolic link: not followed` };
  } catch {
    // A missing blob is not an invalid manifest: the index shows the blob as missing.
  }
  return moved ? { path: resolved, moved } : { path: resolved };
}

function validate(m: Record<string, unknown>, entry: ManifestEntry): string[] {
  const errors: string[] = [];
  const need = (k: string, ok: boolean, what: string) => {
    if (!(k in m)) errors.push(`missing ${k}`);
    else if (!ok) errors.push(`${k} must be ${what}`);
  };
  need('id', typeof m.id === 'string' && m.id !== '', 'a non-empty string');
  need('sha256', typeof m.sha256 === 'string' && HEX64.test(m.sha256), '64 lower-case hex');
  need('file', typeof m.file === 'string' && BLOB_FILE.test(m.file), '<sha256>[.<ext>]');
  need('path', typeof m.path === 'string' && m.path !== '', 'a path');
  need('cas', m.cas === 'sha256', '"sha256"');
  need('bytes', typeof m.bytes === 'number' && Number.isSafeInteger(m.bytes) && m.bytes >= 0, 'a byte count');
  need('provider', typeof m.provider === 'string', 'a string');
  need('verified', typeof m.verified === 'boolean', 'true or false');
  if (m.name !== undefined && typeof m.name !== 'string') errors.push('name must be a string');
  if (m.url !== undefined && typeof m.url !== 'string') errors.push('url must be a string');
  if (typeof m.file === 'string' && typeof m.sha256 === 'string' && BLOB_FILE.test(m.file) && !m.file.startsWith(m.sha256)) {
    errors.push(`file ${m.file} is not named by its sha256`);
  }
  if (typeof m.id === 'string') entry.id = m.id;
  if (typeof m.name === 'string') entry.name = m.name;
  if (typeof m.sha256 === 'string') entry.sha256 = m.sha256;
  if (typeof m.bytes === 'number') entry.bytes = m.bytes;
  if (typeof m.provider === 'string') entry.provider = m.provider;
  if (typeof m.url === 'string') entry.url = m.url;
  if (typeof m.verified === 'boolean') entry.verified = m.verified;
  return errors;
}

export function readManifest(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'manifest');
  const entry: ManifestEntry = { stateDir: stateDirOf(path), file: path };
  rec.manifest = entry;
  const invalid = (why: string) => {
    entry.error = why;
    addProblem(rec, 'invalid-manifest', 'error', `invalid model manifest: ${why}; it is never opened, followed or deleted`);
    return rec;
  };
  const data = readInto(rec, ctx.maxParseBytes);
  if (!data) return invalid('the manifest cannot be read');
  if (!data.bytes) return invalid('the manifest is above the parse cap');
  const text = decodeText(rec, data.bytes);
  rec.occurrences = occurrencesIn(text, ctx.keyRules);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return invalid(text.trim() === '' ? 'the file is empty' : `not valid JSON (${(err as Error).message})`);
  }
  const m = asObject(doc);
  if (!m) return invalid('not a JSON object');
  const errors = validate(m, entry);
  if (errors.length) return invalid(errors.join('; '));
  const where = resolveBlobPath(entry.stateDir, m.path as string, m.file as string);
  if (where.error) return invalid(where.error);
  entry.blobPath = where.path;
  if (where.moved) {
    entry.writtenUnder = m.path as string;
    addProblem(rec, 'moved-manifest', 'information', `written under another path (${m.path as string}): resolved to this store's by-hash/${m.file as string}; the original path is never opened`);
  }
  return rec;
}

export function readBlob(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'blob');
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (err) {
    addProblem(rec, 'unreadable', 'error', `cannot read ${path}: ${(err as Error).message}`);
    return rec;
  }
  rec.size = st.size;
  rec.mtimeMs = st.mtimeMs;
  if (st.isSymbolicLink()) {
    addProblem(rec, 'unsafe-path', 'warning', 'a symbolic link in by-hash/: never followed, not a blob');
    return rec;
  }
  if (!st.isFile()) return rec;
  const m = BLOB_FILE.exec(nodePath.basename(path).toLowerCase());
  if (!m) {
    addProblem(rec, 'malformed', 'information', 'not named <sha256>[.<ext>]: not a model blob');
    return rec;
  }
  const digest = m[1];
  rec.blob = { stateDir: stateDirOf(path), digest, path, size: st.size, mtimeMs: st.mtimeMs };
  if (ctx.verifyBlobs) {
    try {
      const actual = hashFile(path, [createHash('sha256')]).digests[0];
      if (actual !== digest) {
        addProblem(rec, 'hash-mismatch', 'error', `model blob content hashes to sha256:${actual}, not to sha256:${digest} as its name claims`);
      }
    } catch (err) {
      if (!(err instanceof UnreadableError)) throw err;
      addProblem(rec, 'unreadable', 'error', err.message);
    }
  }
  return rec;
}

export function readPartial(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'partial');
  const partPath = path.endsWith('.part.meta') ? path.slice(0, -'.meta'.length) : path;
  let partSize: number | undefined;
  try {
    const st = fs.lstatSync(partPath);
    if (st.isFile()) partSize = st.size;
    if (partPath === path) {
      rec.size = st.size;
      rec.mtimeMs = st.mtimeMs;
    }
  } catch {
    // no .part (yet): the meta alone describes the download
  }
  // The .part describes the download; its .meta only when the .part is gone.
  if (partPath !== path && partSize !== undefined) {
    const meta = fs.statSync(path, { throwIfNoEntry: false });
    if (meta) {
      rec.size = meta.size;
      rec.mtimeMs = meta.mtimeMs;
    }
    return rec;
  }
  const entry = (rec.partial = {
    stateDir: stateDirOf(partPath),
    name: nodePath.basename(partPath).replace(/\.part$/, ''),
    path: partPath,
    bytes: partSize ?? 0,
  } as NonNullable<FileRecord['partial']>);
  const metaRec = newRecord(partPath + '.meta', 'partial');
  const data = readInto(metaRec, ctx.maxParseBytes);
  if (partPath !== path) {
    rec.size = metaRec.size;
    rec.mtimeMs = metaRec.mtimeMs;
  }
  if (!data?.bytes) return rec; // no meta: a partial without a validator
  const text = decodeText(rec, data.bytes);
  let meta: Record<string, unknown> | undefined;
  try {
    meta = asObject(JSON.parse(text));
  } catch {
    meta = undefined;
  }
  if (!meta) {
    addProblem(rec, 'malformed', 'warning', `${partPath}.meta is not a JSON object: the download will restart from zero`);
    return rec;
  }
  if (typeof meta.url === 'string') entry.url = meta.url;
  if (typeof meta.total === 'number') entry.total = meta.total;
  if (typeof meta.sha256 === 'string') entry.sha256 = meta.sha256;
  return rec;
}
