// GC roots from the workspace index (CONTRACT 5: "plus any sha256 ref found by the index").
// The store's own files do not count: `events.jsonl` names every digest ever pulled (so it
// would keep every blob forever) and the manifests and `.part.meta` files under `models/`
// are GC's own business (a deleted manifest must stop being a root).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RefIndex } from '../index/api';
import { listBlobs } from './blobStore';
import { storePaths } from './storePaths';

function fsPath(p: string): string {
  return path.resolve(p.startsWith('file:') ? fileURLToPath(p) : p);
}

/** Digests of this store's blobs that something outside the store refers to. */
export function indexRootsFor(index: Pick<RefIndex, 'referencedDigests' | 'references'>, stateDir: string): Set<string> {
  const paths = storePaths(stateDir);
  const referenced = index.referencedDigests();
  const roots = new Set<string>();
  const ownFile = (p: string) => {
    const abs = fsPath(p);
    return abs === paths.eventsFile || abs === paths.metricsFile || abs.startsWith(paths.modelsDir + path.sep);
  };
  for (const blob of listBlobs(paths).blobs) {
    if (!referenced.has(blob.digest) && !referenced.has(`sha256:${blob.digest}`)) continue;
    const places = index.references(`sha256:${blob.digest}`);
    // No locations although the digest is referenced: keep it, the safe side.
    if (places.length === 0 || places.some((loc) => !ownFile(loc.path))) roots.add(blob.digest);
  }
  return roots;
}
