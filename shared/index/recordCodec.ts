// The stored form of a file's record in a saved bucket (persist.ts), in the byte codec
// (byteCodec): what the cache holds for 100k files must be small and quick to write and read
// (its size is disk, save and load time), so everything derivable is left out and restored on
// load: each problem's file (the record's own), an artifact's path, root and key when they
// are the obvious ones. A file's occurrences and events are not here: they are rows of the
// bucket's column sections (occurrenceColumns.ts, eventColumns.ts), and the record says how
// many of each it has there.
import type { Problem } from '../records';
import { setOwn, type ByteReader, type ByteWriter, type ValueKind } from './byteCodec';
import type { StoredRecord } from './memoryIndex';

/** A saved file as read: its record and root, its cross-file problems, and how many rows it has in its bucket's sections. */
export interface SavedFile {
  record: StoredRecord;
  root: string;
  derived?: Problem[];
  occCount: number;
  evCount: number;
  /** The digests of the record's artifacts given as bytes (see SavedDigests), when it has an array of them. */
  digests?: SavedDigests;
  /** By ref of the record's run's groups, in order: where the 32 bytes of its `sha256:` key are, the ref then without its `ref`; -1 where it has it. */
  runRefs?: SavedDigests;
}

/**
 * Digests of a saved record by item, where in `bytes` (its bucket's) their 32 bytes are; -1
 * where the item has its field as a string. Of an artifact (SavedFile.digests): its digest, its
 * key being `sha256:<digest>`, neither field then on its entry. A full load interns the digest
 * from there (ArtifactColumns.add, RunColumns.set): making each one's 64-char hex, and its key,
 * only to parse them back was ~3 s of a 1M load's CPU.
 */
export interface SavedDigests {
  bytes: Uint8Array;
  /** A plain array of small integers: a typed array per record kept 100k small array buffers for the collector to track. */
  at: number[];
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

/** The saved file whose head `head` was just read by `r`, which reads `bytes`. */
export function readFileRest(r: ByteReader, { path, root, occCount, evCount }: SavedFileHead, bytes: Uint8Array): SavedFile {
  const { record, digests, runRefs } = readRecord(r, bytes);
  if (!record || typeof record !== 'object' || !Array.isArray(record.problems)) throw new Error(NOT_RECORD);
  record.path = path;
  for (const p of record.problems) if (p.file === '') p.file = path;
  const digestAt = digests?.at;
  let i = 0;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === undefined) a.root = root;
    const at = digestAt ? digestAt[i] : -1;
    if (at >= 0 && a.key !== undefined) {
      // A key of its own (a save from the columns leaves out only `sha256:<digest>`): both made as strings.
      a.digest = Buffer.from(bytes.buffer, bytes.byteOffset + at, 32).toString('hex');
      digestAt![i] = -1;
    } else if (at < 0 && a.key === undefined) a.key = 'sha256:' + a.digest;
    i++;
  }
  const derived = r.value() as Problem[];
  if (!Array.isArray(derived)) throw new Error(NOT_RECORD);
  for (const p of derived) p.file = path;
  const saved: SavedFile = { record, root, occCount, evCount };
  if (derived.length) saved.derived = derived;
  if (digests) saved.digests = digests;
  if (runRefs) saved.runRefs = runRefs;
  return saved;
}

/** The record, as value() reads it, but for its artifacts' digests written as bare digests, given as where they are (SavedDigests). */
function readRecord(r: ByteReader, bytes: Uint8Array): { record: StoredRecord; digests?: SavedDigests; runRefs?: SavedDigests } {
  if (r.nextKind() !== 'object') return { record: r.value() as StoredRecord };
  r.enterObject();
  const record: Record<string, unknown> = {};
  let digests: SavedDigests | undefined;
  let runRefs: SavedDigests | undefined;
  for (let k = r.nextKey(); k !== undefined; k = r.nextKey()) {
    if (k === 'run') {
      const run = new RunReader(r, bytes);
      record[k] = run.value;
      runRefs = run.refs;
    } else if (k === 'artifacts' && r.nextKind() === 'array') {
      const n = r.enterArray();
      const artifacts = new Array<unknown>(n);
      digests = { bytes, at: [] };
      for (let i = 0; i < n; i++) {
        digests.at.push(-1);
        artifacts[i] = r.nextKind() === 'object' ? readArtifact(r, digests.at, i) : r.value();
      }
      record[k] = artifacts;
    } else {
      // The last of a field read twice is the one kept: its digests with it.
      if (k === 'artifacts') digests = undefined;
      setOwn(record, k, r.value());
    }
  }
  return { record: record as unknown as StoredRecord, digests, runRefs };
}

/**
 * A record's run, as value() reads it, but for its groups' `sha256:` refs given as where their
 * bytes are (SavedDigests, in the order RunColumns packs them): RunColumns interns each from
 * there, where it made `sha256:<hex>` for each and parsed it back (~1.9 s of a 1M load's CPU).
 * A run of any other shape (a group or a ref not an object, a field twice) is read whole as value() reads it.
 */
class RunReader {
  readonly value: unknown;
  refs: SavedDigests | undefined;
  /** Each ref given as a place, and that place: made after all should the run not be of the shape packed in order. */
  private readonly placed: [Record<string, unknown>, number][] = [];
  private readonly at: number[] = [];
  private regular = true;

  constructor(
    private readonly r: ByteReader,
    bytes: Uint8Array,
  ) {
    this.value = this.object('groups', (k) => (k === 'groups' ? this.array(() => this.group()) : r.value()));
    if (!this.placed.length) return;
    if (this.regular) this.refs = { bytes, at: this.at };
    else for (const [ref, at] of this.placed) setOwn(ref, 'ref', 'sha256:' + Buffer.from(bytes.buffer, bytes.byteOffset + at, 32).toString('hex'));
  }

  private group(): unknown {
    return this.object('refs', (k) => (k === 'refs' ? this.array(() => this.ref()) : this.r.value()));
  }

  private ref(): unknown {
    const ref: Record<string, unknown> = {};
    let at = -1;
    const value = this.object('ref', (k) => {
      if (k !== 'ref') return this.r.value();
      at = this.r.sha256KeyAt();
      return at >= 0 ? undefined : this.r.value();
    }, ref);
    if (at >= 0) this.placed.push([ref, at]);
    this.at.push(at);
    return value;
  }

  /** The next value, read by value() unless it is an object: then each field's by `field` (into `out`), its field `packed` twice making the run irregular. */
  private object(packed: string, field: (k: string) => unknown, out: Record<string, unknown> = {}): unknown {
    if (this.r.nextKind() !== 'object') {
      this.regular = false;
      return this.r.value();
    }
    this.r.enterObject();
    let seen = false;
    for (let k = this.r.nextKey(); k !== undefined; k = this.r.nextKey()) {
      if (k === packed) {
        if (seen) this.regular = false;
        seen = true;
      }
      const v = field(k);
      if (v !== undefined) setOwn(out, k, v);
    }
    return out;
  }

  /** The next value, read by value() unless it is an array: then each item by `item`. */
  private array(item: () => unknown): unknown {
    if (this.r.nextKind() !== 'array') {
      this.regular = false;
      return this.r.value();
    }
    const n = this.r.enterArray();
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = item();
    return out;
  }
}

/** Artifact `i`, as value() reads it, but its digest when written as a bare digest left out and where it is noted in `at`. */
function readArtifact(r: ByteReader, at: number[], i: number): Record<string, unknown> {
  r.enterObject();
  const a: Record<string, unknown> = {};
  for (let k = r.nextKey(); k !== undefined; k = r.nextKey()) {
    // A field read twice: the last is the one kept, as value() keeps it.
    if (k === 'digest') at[i] = r.bareDigestAt();
    if (k !== 'digest' || at[i] < 0) setOwn(a, k, r.value());
  }
  return a;
}
