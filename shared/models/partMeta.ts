// `<name>.part.meta` (CONTRACT 1.5): what a partial download was fetched from, so a resume
// can ask `If-Range` with the same validator and detect that the remote file changed.
import * as fs from 'node:fs';
import { readJsonFile, writeFileAtomic } from './atomicFile';

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
