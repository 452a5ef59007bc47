// File artifact stores with metadata sidecars (CONTRACT 1.7), in two layouts under
// `<base>/artifacts/`: flat `<id>.meta` + `<id>.bin`, or deduplicated `refs/<id>.meta` whose
// blob_id names `blobs/<blob_id>.bin`. The sidecar is the entry; its bytes, when present,
// are hashed to check the id (sha256 prefix, optionally scoped by run) and the blob id.
// Ids and blob ids from file content only become paths after validation.
import { createHash } from 'node:crypto';
import * as nodePath from 'node:path';
import type { ArtifactEntry, FileRecord } from '../records';
import type { ReadContext } from './types';
import { hashFile, UnreadableError } from './fileBytes';
import { addProblem, decodeText, newRecord, occurrencesIn, readInto } from './record';
import { parseJsonOrReport } from './parseJson';
import { asObject, scalarText } from './runInfo';

const SAFE_ID = /^[A-Za-z0-9_-]+$/;
const BLOB_ID = /^[0-9a-f]{64}$/;
const ID_HEX = /^[0-9a-f]{32}$/;

export function readSidecar(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'sidecar');
  const data = readInto(rec, ctx.maxParseBytes);
  if (!data) return rec;
  if (!data.bytes) {
    addProblem(rec, 'too-large', 'warning', 'metadata sidecar above the parse cap: not read');
    return rec;
  }
  const text = decodeText(rec, data.bytes);
  rec.occurrences = occurrencesIn(text, ctx.keyRules);
  const meta = asObject(parseJsonOrReport(rec, text, 'error'));
  if (!meta) return rec;

  const dir = nodePath.dirname(path);
  const stem = nodePath.basename(path).replace(/\.meta$/, '');
  const deduped = nodePath.basename(dir) === 'refs';
  const artifactsDir = deduped ? nodePath.dirname(dir) : dir;
  const id = scalarText(meta.artifact_id) ?? stem;
  if (!SAFE_ID.test(id)) {
    addProblem(rec, 'unsafe-path', 'error', `artifact id ${JSON.stringify(id).slice(0, 120)} is invalid (must match [A-Za-z0-9_-]+): not indexed, never used as a path`);
    return rec;
  }
  if (id !== stem) addProblem(rec, 'malformed', 'warning', `the sidecar is named ${stem}.meta but its artifact_id is ${id}`);

  const entry: ArtifactEntry = {
    key: `artifact:${id}`,
    digest: id,
    kind: 'file-store',
    namespace: deduped ? 'refs' : '',
    root: nodePath.dirname(artifactsDir),
    metaPath: path,
    verification: 'unverified',
  };
  const set = <K extends keyof ArtifactEntry>(k: K, v: ArtifactEntry[K] | undefined) => {
    if (v !== undefined) entry[k] = v;
  };
  set('contentType', scalarText(meta.content_type));
  set('createdAt', scalarText(meta.created_at));
  set('runId', scalarText(meta.run_id));
  if (meta.tags !== undefined) entry.tags = meta.tags;
  if (meta.metadata !== undefined) entry.metadata = meta.metadata;
  // Labels and sensitivity (seeds/002) sit in the sidecar itself or in its `metadata`.
  const inner = asObject(meta.metadata);
  set('sensitivity', scalarText(meta.sensitivity) ?? scalarText(inner?.sensitivity));
  set('labels', meta.labels ?? inner?.labels);
  const declaredSize = typeof meta.size_bytes === 'number' ? meta.size_bytes : undefined;
  set('size', declaredSize);
  rec.artifacts = [entry];

  let bytesPath: string;
  const blobId = meta.blob_id;
  if (blobId !== undefined && blobId !== null) {
    const b = typeof blobId === 'string' ? blobId.toLowerCase() : '';
    if (!BLOB_ID.test(b)) {
      addProblem(rec, 'unsafe-path', 'error', `blob_id ${JSON.stringify(blobId).slice(0, 120)} is not 64 hex: never used as a path`);
      entry.verification = 'mismatch';
      return rec;
    }
    entry.blobId = b;
    bytesPath = nodePath.join(artifactsDir, 'blobs', `${b}.bin`);
  } else {
    bytesPath = nodePath.join(dir, `${id}.bin`);
  }
  verifyBytes(rec, entry, bytesPath, declaredSize);
  return rec;
}

function verifyBytes(rec: FileRecord, entry: ArtifactEntry, bytesPath: string, declaredSize: number | undefined): void {
  const plain = createHash('sha256');
  const scoped = createHash('sha256');
  if (entry.runId !== undefined) scoped.update(entry.runId + '\0', 'utf8');
  let digests: string[];
  let size: number;
  try {
    ({ digests, size } = hashFile(bytesPath, [plain, scoped]));
  } catch (err) {
    if (!(err instanceof UnreadableError)) throw err;
    if (err.gone) {
      entry.verification = 'pruned';
    } else {
      addProblem(rec, 'unreadable', 'error', err.message);
    }
    return;
  }
  entry.path = bytesPath;
  entry.size = size;
  const [sha, scopedSha] = digests;
  const problems: string[] = [];
  if (entry.blobId !== undefined && entry.blobId !== sha) problems.push(`its bytes hash to sha256:${sha}, not to its blob_id ${entry.blobId}`);
  const id = entry.digest;
  if (ID_HEX.test(id) && id !== sha.slice(0, 32) && !(entry.runId !== undefined && id === scopedSha.slice(0, 32))) {
    problems.push(`its id ${id} is neither sha256(bytes)[:32] (${sha.slice(0, 32)})${entry.runId !== undefined ? ` nor sha256(run_id + NUL + bytes)[:32] (${scopedSha.slice(0, 32)})` : ''}`);
  }
  if (declaredSize !== undefined && declaredSize !== size) problems.push(`size_bytes says ${declaredSize} but the bytes are ${size}`);
  if (problems.length) {
    entry.verification = 'mismatch';
    entry.actualDigest = sha;
    addProblem(rec, 'hash-mismatch', 'error', `artifact ${id}: ${problems.join('; ')}`);
  } else if (entry.blobId !== undefined || ID_HEX.test(id)) {
    entry.verification = 'verified';
  }
}
