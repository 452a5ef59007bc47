// A Python runtime's file artifact store with JSON metadata sidecars (CONTRACT 1.7), in
// either layout: flat (`<id>.bin` beside `<id>.meta`) or deduplicated (`refs/<id>.meta`
// naming `blobs/<sha256>.bin`). Ids are the first 32 hex of sha256(bytes), or of
// sha256(run_id + NUL + bytes) for artifacts scoped to a run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from './artifactWriter';
import { pythonDumps } from './pythonJson';

export type SidecarLayout = 'flat' | 'dedup';

export interface StoredEntry {
  id: string;
  blobId: string;
  metaFile: string;
  bytesFile: string;
}

export function artifactId(bytes: Buffer, runId?: string): string {
  const h = createHash('sha256');
  if (runId !== undefined) h.update(runId + '\0', 'utf8');
  return h.update(bytes).digest('hex').slice(0, 32);
}

/** `{"$artifact": id}`: how run states, ledgers and snapshots point into the store. */
export function artifactRef(id: string): { $artifact: string } {
  return { $artifact: id };
}

export class SidecarStore {
  readonly artifactsDir: string;
  entries = 0;

  constructor(
    base: string,
    readonly layout: SidecarLayout,
  ) {
    this.artifactsDir = path.join(base, 'artifacts');
    fs.mkdirSync(layout === 'flat' ? this.artifactsDir : path.join(this.artifactsDir, 'refs'), { recursive: true });
    if (layout === 'dedup') fs.mkdirSync(path.join(this.artifactsDir, 'blobs'), { recursive: true });
  }

  /** Python's `store_json`: `json.dumps(value)` bytes, JSON content type. */
  putJson(value: unknown, meta: { createdAt: string; runId?: string; tags?: Record<string, string> }): StoredEntry {
    return this.put(Buffer.from(pythonDumps(value), 'utf8'), 'application/json', meta);
  }

  put(bytes: Buffer, contentType: string, meta: { createdAt: string; runId?: string; tags?: Record<string, string> }): StoredEntry {
    const id = artifactId(bytes, meta.runId);
    const blobId = sha256Hex(bytes);
    const sidecar = {
      artifact_id: id,
      ...(this.layout === 'dedup' ? { blob_id: blobId } : {}),
      content_type: contentType,
      size_bytes: bytes.length,
      created_at: meta.createdAt,
      run_id: meta.runId ?? null,
      tags: meta.tags ?? {},
    };
    const entry = this.locate(id, blobId);
    fs.writeFileSync(entry.bytesFile, bytes);
    fs.writeFileSync(entry.metaFile, JSON.stringify(sidecar, null, 2));
    this.entries++;
    return entry;
  }

  private locate(id: string, blobId: string): StoredEntry {
    if (this.layout === 'flat') return { id, blobId, metaFile: path.join(this.artifactsDir, `${id}.meta`), bytesFile: path.join(this.artifactsDir, `${id}.bin`) };
    return { id, blobId, metaFile: path.join(this.artifactsDir, 'refs', `${id}.meta`), bytesFile: path.join(this.artifactsDir, 'blobs', `${blobId}.bin`) };
  }
}
