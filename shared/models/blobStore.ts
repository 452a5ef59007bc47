// The `by-hash/` folder: find the blob of a digest, and how many bytes the store holds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { digestOfBlobName } from './names';
import type { StorePaths } from './storePaths';

export interface BlobFile {
  name: string;
  path: string;
  digest: string;
  size: number;
  mtimeMs: number;
}

/**
 * Regular files directly in `by-hash/` named `<sha256>[.<ext>]`. lstat, never stat: a
 * symlink is not a blob, whatever it points to.
 */
export function listBlobs(paths: StorePaths): { blobs: BlobFile[]; others: string[] } {
  const blobs: BlobFile[] = [];
  const others: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(paths.byHashDir);
  } catch {
    return { blobs, others };
  }
  for (const name of names) {
    const p = path.join(paths.byHashDir, name);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue; // deleted meanwhile
    }
    const digest = digestOfBlobName(name);
    if (!st.isFile() || !digest) {
      others.push(name);
      continue;
    }
    blobs.push({ name, path: p, digest, size: st.size, mtimeMs: st.mtimeMs });
  }
  return { blobs, others };
}

/** The stored blob of `sha256`, if any (any extension). */
export function findBlob(paths: StorePaths, sha256: string): BlobFile | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(paths.byHashDir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!name.startsWith(sha256) || digestOfBlobName(name) !== sha256) continue;
    const p = path.join(paths.byHashDir, name);
    try {
      const st = fs.lstatSync(p);
      if (st.isFile()) return { name, path: p, digest: sha256, size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      // raced with a delete
    }
  }
  return undefined;
}

/** Total bytes of the blobs in the store (what `--quota-mb` limits). */
export function storeBytes(paths: StorePaths): number {
  return listBlobs(paths).blobs.reduce((sum, b) => sum + b.size, 0);
}
