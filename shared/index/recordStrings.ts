// The strings a record read in a worker shares with its job. Cloned, a record holds its own copy
// of every string, and the path (~130 characters) stood in it up to five times (the record,
// its artifact, each problem and event); the root once more. The worker leaves them out (as
// '') and the calling thread puts its job's copies back, together with one copy of each kind
// and namespace: the clone shrinks by a fifth to a quarter, and 100k artifacts share the rest.
import type { FileRecord } from '../records';
import type { ReadJob } from './readRequests';

/** In the worker: `record` without the strings its job gives back (see shareStrings). */
export function leaveOutJobStrings(record: FileRecord, path: string, root: string): FileRecord {
  if (record.path === path) record.path = '';
  for (const p of record.problems) if (p.file === path) p.file = '';
  for (const a of record.artifacts ?? []) {
    if (a.path === path) a.path = '';
    if (a.root === root) a.root = '';
  }
  for (const e of record.events ?? []) if (e.file === path) e.file = '';
  return record;
}

/** One copy of each kind and namespace, however many batches bring them. */
function named(names: Map<string, string>, s: string): string {
  const known = names.get(s);
  if (known !== undefined) return known;
  names.set(s, s);
  return s;
}

/**
 * In the calling thread: `record` from a worker with its job's path and root put back where the
 * worker left them out, and its kinds and namespaces shared through `names`. No reader leaves a
 * path or root empty, so '' stands only for a string left out.
 */
export function shareStrings(record: FileRecord, job: ReadJob, names: Map<string, string>): FileRecord {
  const { path, root } = job;
  if (record.path === '') record.path = path;
  for (const p of record.problems) if (p.file === '') p.file = path;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === '') a.root = root;
    a.kind = named(names, a.kind);
    a.namespace = named(names, a.namespace);
  }
  for (const e of record.events ?? []) if (e.file === '') e.file = path;
  return record;
}
