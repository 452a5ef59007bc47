// `<name>.part.meta` (CONTRACT 1.5): what a partial download was fetched from, so a resume
// can ask `If-Range` with the same validator and detect that the remote file changed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';
import { readJsonFile } from '../fs/readJsonFile';

export interface PartMeta {
  url: string;
  etag?: string;
  last_modified?: string;
  /** Bytes in the `.part` when the meta was last written (the file's own size is what counts). */
  bytes?: number;
  /** Size of the whole remote file, when the server said. */
  total?: number;
  sha256: string;
  /** Set when the server compressed the body: byte offsets then do not match the file, so no resume. */
  content_encoding?: string;
}

/** The meta, or undefined when it is missing, unparseable, or not a meta at all. */
export function readPartMeta(file: string): PartMeta | undefined {
  const raw = readJsonFile(file);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const m = raw as Record<string, unknown>;
  if (typeof m.url !== 'string' || typeof m.sha256 !== 'string') return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  return {
    url: m.url,
    sha256: m.sha256,
    etag: str(m.etag),
    last_modified: str(m.last_modified),
    bytes: count(m.bytes),
    total: count(m.total),
    content_encoding: str(m.content_encoding),
  };
}

export function writePartMeta(file: string, meta: PartMeta): void {
  writeFileAtomic(file, JSON.stringify(meta) + '\n');
}

/** The validator a resume sends as `If-Range`: a strong ETag, else Last-Modified (RFC 9110 forbids weak ETags there). */
export function ifRangeValidator(meta: PartMeta): string | undefined {
  if (meta.etag && !meta.etag.startsWith('W/')) return meta.etag;
  return meta.last_modified;
}

export function removePartial(partFile: string, metaFile: string): void {
  fs.rmSync(partFile, { force: true });
  fs.rmSync(metaFile, { force: true });
}

/**
 * A partial download of `sha256` left under another name (`<name>.part` by an older pull or
 * another tool, its meta naming the digest) is moved to the names this pull uses, so its bytes
 * are resumed rather than downloaded again. Only regular files directly in `modelsDir` qualify.
 */
export function adoptPartial(modelsDir: string, sha256: string, partFile: string, metaFile: string): void {
  if (fs.existsSync(partFile)) return;
  let names: string[];
  try {
    names = fs.readdirSync(modelsDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.part.meta')) continue;
    const meta = path.join(modelsDir, name);
    const part = meta.slice(0, -'.meta'.length);
    if (part === partFile || readPartMeta(meta)?.sha256.toLowerCase() !== sha256) continue;
    if (!fs.lstatSync(part, { throwIfNoEntry: false })?.isFile()) continue;
    fs.renameSync(meta, metaFile);
    fs.renameSync(part, partFile);
    return;
  }
}
