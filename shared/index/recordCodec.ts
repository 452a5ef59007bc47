// The stored form of a file's record in a saved bucket (persist.ts), in the byte codec
// (byteCodec): what the cache holds for 100k files must be small and quick to write and read
// (its size is disk, save and load time), so everything derivable is left out and restored on
// load: each problem's file (the record's own), an artifact's path, root and key when they
// are the obvious ones. A file's occurrences and events are not here: they are rows of the
// bucket's column sections (occurrenceColumns.ts, eventColumns.ts), and the record says how
// many of each it has there.
import type { Problem } from '../records';
import type { ByteReader, ByteWriter, ValueKind } from './byteCodec';
import type { StoredRecord } from './memoryIndex';

/** A saved file as read: its record and root, its cross-file problems, and how many rows it has in its bucket's sections. */
export interface SavedFile {
  record: StoredRecord;
  root: string;
  derived?: Problem[];
  occCount: number;
  evCount: number;
}

/**
 * A file's artifacts as a save writes them, from wherever the store holds them (its columns:
 * ArtifactColumns.writeSaved), so no ArtifactEntry is made to be saved.
 */
export interface SavedArtifacts {
  count: number;
  /** Writes artifact `i` as an object: its entry's fields, its path '' when it is `path`, no root when it is `root`, no key when it is `sha256:<digest>`. */
  write(w: ByteWriter, i: number, path: string, root: string): void;
}

/**
 * A file's record as a save writes it: with `writeRun`, its run is left undefined on the record
 * (the field in its place) and written by `writeRun` as value() would write it, from wherever the
 * store holds it (its columns: RunColumns.writeSaved), so no capsule's groups are made to be saved.
 */
export interface SavedRecord {
  record: StoredRecord;
  writeRun?: (w: ByteWriter) => void;
}

/** `derived`: the file's cross-file ref problems, saved so a warm start need not recompute them. */
export function writeFileMeta(w: ByteWriter, { record, writeRun }: SavedRecord, artifacts: SavedArtifacts, root: string, rows: { occCount: number; evCount: number }, derived: Problem[] = []): void {
  const path = record.path;
  w.string(path);
  w.string(root);
  w.uint(rows.occCount);
  w.uint(rows.evCount);
  // The record's fields but its path, in order, as value() writes an object; its problems without
  // their file when it is this one, its artifacts (where the record has the field, else last).
  // The store leaves `occurrences`, `events` and `artifacts` undefined on the record (they are rows of columns): undefined fields are dropped.
  const writeArtifacts = () => {
    w.string('artifacts');
    w.beginArray(artifacts.count);
    for (let i = 0; i < artifacts.count; i++) artifacts.write(w, i, path, root);
  };
  let artifactsWritten = false;
  w.beginObject();
  for (const k of Object.keys(record) as (keyof StoredRecord)[]) {
    if (k === 'path') continue;
    if (k === 'problems') w.field(k, record.problems.map((p) => (p.file === path ? { ...p, file: '' } : p)));
    else if (k === 'artifacts' && artifacts.count) {
      writeArtifacts();
      artifactsWritten = true;
    } else if (k === 'run' && writeRun) {
      w.string(k);
      writeRun(w);
    } else w.field(k, record[k]);
  }
  if (artifacts.count && !artifactsWritten) writeArtifacts();
  w.endObject();
  w.value(derived.map((p) => ({ ...p, file: '' })));
}

/** Where a saved file's record starts: its path, root and row counts (the rest: readFileRest). */
export interface SavedFileHead {
  path: string;
  root: string;
  occCount: number;
  evCount: number;
}

/** Reads the head of a saved file (throws on bytes that are not one: a damaged cache); its rest is read by readFileRest or passed over by skipFileRest. */
export function readFileHead(r: ByteReader): SavedFileHead {
  const path = r.string();
  const root = r.string();
  return { path, root, occCount: r.uint(), evCount: r.uint() };
}

/**
 * Passes over the rest of the saved file whose head was just read, making none of its values
 * (but its keys), and throws where readFileRest would on those bytes: a bucket checked so is
 * known to read whole before any of its files is read and handed over (savedFiles), each once.
 */
export function skipFileRest(r: ByteReader): void {
  // The record: an object whose (last) `problems` is an array of no null, whose `artifacts`, if
  // any, an array of objects (or null, or ''); then the derived problems, an array of objects.
  if (r.nextKind() !== 'object') throw new Error(NOT_RECORD);
  r.enterObject();
  let problems = false;
  let artifacts = true;
  for (let k = r.nextKey(); k !== undefined; k = r.nextKey()) {
    if (k === 'problems') problems = skipArrayOf(r, (kind) => kind !== 'null');
    else if (k === 'artifacts') artifacts = skipArtifacts(r);
    else r.skipValue();
  }
  if (!problems || !artifacts || !skipArrayOf(r, isObject)) throw new Error(NOT_RECORD);
}

const NOT_RECORD = 'not a stored record';

const isObject = (kind: ValueKind) => kind === 'object' || kind === 'array';

/** Passes over the next value: whether it is an array whose every value's kind is `ok`. */
function skipArrayOf(r: ByteReader, ok: (kind: ValueKind) => boolean): boolean {
  if (r.nextKind() !== 'array') {
    r.skipValue();
    return false;
  }
  let all = true;
  for (let n = r.enterArray(); n > 0; n--) {
    if (!ok(r.nextKind())) all = false;
    r.skipValue();
  }
  return all;
}

/** Passes over a record's `artifacts`: whether readFileRest can fill in each one's own fields (what `?? []` takes, or an array of objects). */
function skipArtifacts(r: ByteReader): boolean {
  switch (r.nextKind()) {
    case 'null':
      r.skipValue();
      return true;
    case 'string':
      // Iterable, but its characters take no fields: only the empty string passes (made: rare).
      return r.value() === '';
    default:
      return skipArrayOf(r, isObject);
  }
}

/** The saved file whose head `head` was just read. */
export function readFileRest(r: ByteReader, { path, root, occCount, evCount }: SavedFileHead): SavedFile {
  const record = r.value() as StoredRecord;
  if (!record || typeof record !== 'object' || !Array.isArray(record.problems)) throw new Error(NOT_RECORD);
  record.path = path;
  for (const p of record.problems) if (p.file === '') p.file = path;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === undefined) a.root = root;
    if (a.key === undefined) a.key = 'sha256:' + a.digest;
  }
  const derived = r.value() as Problem[];
  if (!Array.isArray(derived)) throw new Error(NOT_RECORD);
  for (const p of derived) p.file = path;
  const saved: SavedFile = { record, root, occCount, evCount };
  if (derived.length) saved.derived = derived;
  return saved;
}
