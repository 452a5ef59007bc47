// The stored form of a file's record in a saved bucket (persist.ts), in the byte codec
// (byteCodec): what the cache holds for 100k files must be small and quick to write and read
// (its size is disk, save and load time), so everything derivable is left out and restored on
// load: each problem's file (the record's own), an artifact's path, root and key when they
// are the obvious ones. A file's occurrences and events are not here: they are rows of the
// bucket's column sections (occurrenceColumns.ts, eventColumns.ts), and the record says how
// many of each it has there.
import type { ArtifactEntry, Problem } from '../records';
import type { ByteReader, ByteWriter } from './byteCodec';
import type { StoredRecord } from './memoryIndex';

/** A saved file as read: its record and root, its cross-file problems, and how many rows it has in its bucket's sections. */
export interface SavedFile {
  record: StoredRecord;
  root: string;
  derived?: Problem[];
  occCount: number;
  evCount: number;
}

/** `derived`: the file's cross-file ref problems, saved so a warm start need not recompute them. */
export function writeFileMeta(w: ByteWriter, record: StoredRecord, artifacts: readonly ArtifactEntry[], root: string, rows: { occCount: number; evCount: number }, derived: Problem[] = []): void {
  // The store leaves `occurrences`, `events` and `artifacts` undefined on the record (they are rows of columns): the codec drops undefined fields.
  const { path, ...rest } = record;
  w.string(path);
  w.string(root);
  w.uint(rows.occCount);
  w.uint(rows.evCount);
  const out: Omit<StoredRecord, 'path'> = { ...rest };
  out.problems = record.problems.map((p) => (p.file === path ? { ...p, file: '' } : p));
  if (artifacts.length) {
    out.artifacts = artifacts.map((a) => {
      const c: Partial<ArtifactEntry> = { ...a };
      if (c.path === path) c.path = '';
      if (c.root === root) delete c.root;
      if (c.key === 'sha256:' + c.digest) delete c.key;
      return c as ArtifactEntry;
    });
  }
  w.value(out);
  w.value(derived.map((p) => ({ ...p, file: '' })));
}

/** Throws on bytes that are not a saved file (a damaged cache). */
export function readFileMeta(r: ByteReader): SavedFile {
  const path = r.string();
  const root = r.string();
  const occCount = r.uint();
  const evCount = r.uint();
  const record = r.value() as StoredRecord;
  if (!record || typeof record !== 'object' || !Array.isArray(record.problems)) throw new Error('not a stored record');
  record.path = path;
  for (const p of record.problems) if (p.file === '') p.file = path;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === undefined) a.root = root;
    if (a.key === undefined) a.key = 'sha256:' + a.digest;
  }
  const derived = r.value() as Problem[];
  if (!Array.isArray(derived)) throw new Error('not a stored record');
  for (const p of derived) p.file = path;
  const saved: SavedFile = { record, root, occCount, evCount };
  if (derived.length) saved.derived = derived;
  return saved;
}
