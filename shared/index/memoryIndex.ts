// The in-memory index: every FileRecord by path, plus the lookups queries need, kept up to
// date as records are added, replaced or removed (a file is the unit of change). Everything
// the language server asks on a keystroke is a Map lookup or an id-indexed array here; nothing
// touches sql.js. A record's occurrences and events leave it for columns (occurrenceColumns.ts,
// eventColumns.ts) when it is stored, and are made again as objects only when asked for.
import type { ArtifactEntry, BlobEntry, EventEntry, FileRecord, FileRole, ManifestEntry, Occurrence, PartialEntry } from '../records';
import { ANY_NAMESPACE, ArtifactColumns, type ArtifactRange } from './artifactColumns';
import { DigestTable } from './digestTable';
import { FileColumns, HeldFiles, type RecordRest } from './fileColumns';
import { EventColumns, hashKey, noRowKeys, type EventPlaceRow, type EventRange } from './eventColumns';
import { IdsByKey } from './idsByKey';
import { KeyHashes } from './keyHashes';
import { ABBREVIATED_KEY, DELETION, EVENT_REF, MENTION, RUN_EVENTS, TARGET, type KeySink } from './keyIndex';
import { NOT_PLAIN, OccurrenceColumns, UNSCOPED, type OccurrenceRange } from './occurrenceColumns';
import type { SavedCounts, SavedTables } from './persist';
import type { PlacedFile, RowColumns, RowPick, SavedRows } from './savedBucket';
import type { SavedFile } from './recordCodec';
import { StringTable } from './stringTable';
import { ROWS_PER_PAUSE, runSteps, type Steps } from './timeSlices';
import { mergeInSteps, mergeSorted, sortInSteps } from './sortedSteps';

/** A file as a reader made it: what goes into the store. */
export interface ReadFile {
  record: FileRecord;
  /** The root the file was discovered under (part of the cache key: a role change re-reads). */
  root: string;
}

/** A record as the store keeps it: its occurrences and events are rows of the store's columns. */
export type StoredRecord = Omit<FileRecord, 'occurrences' | 'events' | 'rows'>;

export interface StoredFile extends OccurrenceRange, EventRange, ArtifactRange {
  record: StoredRecord;
  root: string;
  /** The file's id: what the key -> files lookup holds. */
  id: number;
  /** The record's role, size and mtime, read without making the record (and its path string). */
  readonly role: FileRole;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What a batch of records brings, at most: see makeRoom. */
export interface RoomNeed {
  files: number;
  artifacts: number;
  occurrences: number;
  events: number;
  /**
   * New keys (ref keys, digests, run ids) they may bring. Counted as a key for each artifact, ref
   * and event, a cold build's audit log at 1M artifacts made room for 4.4M keys in the digest
   * tables' slots (filled, so resident) where its strings table held 0.9M: its rows name no more.
   */
  keys: number;
  /** The rows grown logs keep: they move to the end of the columns when other files' rows follow them (OccurrenceColumns.extend). */
  keptOccurrences?: number;
  keptEvents?: number;
}

/** Whole-index counters, kept as files come and go: stats never walk the index. */
export interface IndexCounts {
  /** Artifacts held by artifact files and sidecars (pruned ones only named by events are not counted). */
  artifacts: number;
  refs: number;
  events: number;
  blobs: number;
  /** The readers' own problems (cross-file ones are counted by CrossFileProblems). */
  problems: number;
}

export interface OccurrenceAt {
  path: string;
  occ: Occurrence;
}

/**
 * What a query asks the store for, told while a scoped load watches (scopedLoad.ts): the keys
 * and paths it looked up, or that it needed something only the whole index answers.
 */
export interface StoreWatch {
  key(key: string): void;
  path(path: string): void;
  everything(): void;
}

/**
 * A read-only lookup over the store's columns, with the part of Map's interface the queries
 * use; its lookups are told to the store's watch as a WatchedMap's are.
 */
class WatchedLookup<V> {
  constructor(
    private readonly owner: { watch?: StoreWatch },
    private readonly prefix: string,
    /** What `key` finds, made on demand (undefined: nothing, as a Map would say). */
    private readonly find: (key: string) => V[] | undefined,
    private readonly count: (key: string) => number,
    private readonly all: () => IterableIterator<V[]>,
  ) {}

  get(key: string): V[] | undefined {
    this.owner.watch?.key(this.prefix + key);
    return this.find(key);
  }

  has(key: string): boolean {
    this.owner.watch?.key(this.prefix + key);
    return this.count(key) > 0;
  }

  values(): IterableIterator<V[]> {
    return this.all();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i !== -1) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

const NO_REST: RecordRest = {};

/** Run id -> the run capsules and run states that carry it: a Map's get/has/keys, lookups told to the store's watch. */
class RunRecords {
  constructor(
    private readonly owner: { watch?: StoreWatch },
    private readonly find: (runId: string) => StoredRecord[] | undefined,
    private readonly all: () => IterableIterator<string>,
  ) {}

  get(runId: string): StoredRecord[] | undefined {
    this.owner.watch?.key(TARGET + runId);
    return this.find(runId);
  }

  has(runId: string): boolean {
    return this.get(runId) !== undefined;
  }

  keys(): IterableIterator<string> {
    return this.all();
  }
}

/** Compares two timestamps as instants when both parse (writers differ in precision), else as text. */
export function compareTimes(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb)) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What orders events: their file, sequence or line, and time. */
export type EventOrderFields = Pick<EventEntry, 'file' | 'line' | 'sequence' | 'time'>;

/** Orders events as they happened: by time when both have one, else by log position. */
export function eventOrder(a: EventOrderFields, b: EventOrderFields): number {
  if (a.file === b.file) return (a.sequence ?? a.line ?? 0) - (b.sequence ?? b.line ?? 0) || (a.line ?? 0) - (b.line ?? 0);
  if (a.time && b.time && a.time !== b.time) {
    const byTime = compareTimes(a.time, b.time);
    if (byTime !== 0) return byTime;
  }
  return a.file < b.file ? -1 : a.file > b.file ? 1 : (a.sequence ?? a.line ?? 0) - (b.sequence ?? b.line ?? 0);
}

/** New digests kept apart (sorted on their own) until there are this many: see sortedLists(). */
const MERGE_ADDED_AT = 8192;

export class MemoryIndex {
  /** Set while a scoped load watches what a query looks up (see StoreWatch). */
  watch: StoreWatch | undefined;
  /** `sha256:<hex>` (artifact digests and file-store blob ids) and `artifact:<id>` -> artifacts, made from their rows. */
  readonly artifactsByKey = new WatchedLookup<ArtifactEntry>(
    this,
    TARGET,
    (key) => this.artifactsWithKey(key),
    (key) => this.artifacts.rowsWithKey(key).length,
    () => this.eachArtifact(),
  );
  /** The artifact whose bytes or sidecar is at a path. */
  readonly artifactByPath = { get: (p: string): ArtifactEntry | undefined => this.artifactAtPath(p) };
  /** Full key ids -> ids of the files that mention them (abbreviated refs are kept apart, matched by prefix). */
  private readonly filesByKey = new IdsByKey();
  private readonly abbreviatedFiles = new Set<string>();
  /** Every sha256 digest (artifacts' and ref keys'), once. */
  private readonly digests = new DigestTable();
  /** Each ref key, run id and digest once, with its id; `sha256:` keys by their digest's id. */
  private readonly strings = new StringTable(this.digests);
  /** One shared copy of each kind, root, event type, field path, namespace... (see name()). */
  private readonly names = new StringTable();
  private readonly occurrences = new OccurrenceColumns(this.strings, this.names);
  private readonly eventRows = new EventColumns(this.strings, this.names);
  private readonly artifacts = new ArtifactColumns(this.strings, this.names, this.digests);
  /** Where a save lists each file's keys (keysAnsweredBy), reused from file to file. */
  private keyHashes: KeyHashes | undefined;
  /** Artifact rows at a path that is not their file's own (a file-store artifact's bytes), newest last. */
  private readonly artifactsAtOtherPaths = new Map<string, number[]>();
  /** Digest id -> files holding a model blob, and files holding a manifest, of that digest (a few among every digest). */
  private readonly blobFiles = new IdsByKey(true);
  private readonly manifestFiles = new IdsByKey(true);
  /** Every file's path, root, role, size, mtime and row ranges, by file id. */
  private readonly fileColumns = new FileColumns(this.names, this.strings);
  /** The held files by path (views over fileColumns). */
  readonly files = new HeldFiles(this.fileColumns);
  private readonly counted: IndexCounts = { artifacts: 0, refs: 0, events: 0, blobs: 0, problems: 0 };
  readonly blobsByDigest = new WatchedLookup<BlobEntry>(
    this,
    TARGET + 'sha256:',
    (hex) => this.digestFiles(this.blobFiles, hex, (r) => r.blob),
    (hex) => this.digestFiles(this.blobFiles, hex, (r) => r.blob)?.length ?? 0,
    () => this.allDigestFiles(this.blobFiles, (r) => r.blob),
  );
  readonly manifestsByDigest = new WatchedLookup<ManifestEntry>(
    this,
    TARGET + 'sha256:',
    (hex) => this.digestFiles(this.manifestFiles, hex, (r) => r.manifest),
    (hex) => this.digestFiles(this.manifestFiles, hex, (r) => r.manifest)?.length ?? 0,
    () => this.allDigestFiles(this.manifestFiles, (r) => r.manifest),
  );
  /** Run id -> ids of the run capsules and run states that carry it. */
  private readonly runFiles = new Map<string, number[]>();
  /** Run id -> the run capsules and run states that carry it, made from their columns. */
  readonly runRecords = new RunRecords(this, (runId) => this.runFiles.get(runId)?.map((id) => this.fileColumns.record(id)), () => this.runFiles.keys());
  /**
   * Ids of the files the views and traces list (run capsules and states, snapshots, logs,
   * manifests, partial downloads): a few thousand among 100k artifact files, so no view walks the index.
   */
  private readonly viewFileIds = new Set<number>();
  /** Keys of request artifacts (the Requests view), from the rows kept as artifacts come and go. */
  get requestKeys(): Set<string> {
    const out = new Set<string>();
    for (const row of this.artifacts.requests()) out.add(this.artifactEntry(row).key);
    return out;
  }
  /** Bumped on every change, so derived caches (sorted digests, dangling counts) know when to recompute. */
  generation = 0;
  /** Since the last drainChanges(): files added, replaced or removed, and keys whose targets did. */
  private changedFiles = new Set<string>();
  private changedKeys = new Set<string>();
  /** Where keysOf sorts a file's key ids: reused from file to file, for files of up to as many rows. */
  private readonly keyIds = new Int32Array(1 << 16);
  /** Changes are tracked from the first drain on: before it, the consumer starts from scratch anyway. */
  private tracking = false;
  /** Digest ids in the order of their bytes (see sortedLists). */
  private sortedDigests: Int32Array | undefined;
  /**
   * Digest ids that arrived since sortedDigests was made (see sortedLists): an agent writing
   * artifacts must not cost a sort of every digest after each batch.
   */
  private addedDigests: number[] = [];
  private addedSorted = true;

  get(path: string): StoredFile | undefined {
    this.watch?.path(path);
    return this.files.get(path);
  }

  /** The root a held file was discovered under: what a query needs of a log it takes events from, not its whole record. */
  rootOf(path: string): string | undefined {
    const id = this.fileColumns.find(path);
    return id === undefined ? undefined : this.fileColumns.rootOf(id);
  }

  /** Files the views and traces list (see viewFileIds), as views. */
  get viewFiles(): Iterable<StoredFile> {
    return Array.from(this.viewFileIds, (id) => this.fileColumns.view(id));
  }

  /**
   * The held files whose reader gave problems, and those of `more` held, in the order `files`
   * lists them: a pass over the workspace's problems made a view and a record of each of 141k
   * files, 50-120 ms at a stretch and garbage enough to double the first hovers' collections.
   */
  filesWithProblems(more: Iterable<string>): [string, StoredFile][] {
    const ids = Array.from(this.fileColumns.idsWithProblems());
    for (const p of more) {
      const id = this.fileColumns.find(p);
      if (id !== undefined) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    const out: [string, StoredFile][] = [];
    for (let i = 0; i < ids.length; i++) if (ids[i] !== ids[i - 1]) out.push([this.fileColumns.pathOf(ids[i]), this.fileColumns.view(ids[i])]);
    return out;
  }

  /** The id of the file held at `path` (see fileById). */
  fileIdOf(path: string): number | undefined {
    return this.fileColumns.find(path);
  }

  /** The id `path` has, or had while a file was held there (a path keeps its id when its file comes back): what a caller keeping something by file id forgets a gone file by. */
  pathId(path: string): number | undefined {
    return this.fileColumns.pathId(path);
  }

  /** The held file of id `id`, as a view. */
  fileById(id: number): StoredFile | undefined {
    return this.files.byId(id);
  }

  /**
   * Makes the strings `records`' rows name the store's now, letting go of those the rows came
   * with where they can (RowsToAppend.internStrings): a build calls it before it collects and
   * lands a big log. The audit log's at 1M artifacts (68 MB of digests, and its other strings)
   * were alive through its landing: the CLI's landing top 957 MB against 1,048 MB without it, the
   * language server's cold ready 983 MB against 1,043 MB (one run each).
   */
  internStrings(records: readonly FileRecord[]): void {
    for (const r of records) r.rows?.internStrings?.(this.rowColumns);
  }

  /** Holds `record` as the file at `path` (in place of any held there); returns the file's id. */
  set(path: string, { record, root }: ReadFile): number {
    const { occurrences, events = [], rows } = record;
    // The objects (or packed rows) go; the rows stay (the properties stay too, undefined: no change of shape).
    (record as Partial<FileRecord>).occurrences = undefined;
    (record as Partial<FileRecord>).events = undefined;
    if (rows) {
      record.rows = undefined;
      return this.hold(path, record, root, (stored) => rows.appendTo(stored, this.rowColumns));
    }
    return this.hold(
      path,
      record,
      root,
      (stored) => {
        this.occurrences.add(occurrences, stored);
        this.eventRows.add(events, stored);
      },
    );
  }

  /**
   * Adds a grown log's tail (a record read with `tailOnly`: see FileRecord.tailOf) to what the
   * store holds of it: only the new rows are written and linked, where set() would take the
   * whole log out and link it in again on every batch an agent appends. False, changing
   * nothing, when the store does not hold what the tail continues (then read the log whole).
   */
  extend(path: string, tail: FileRecord): boolean {
    const f = this.files.get(path);
    const base = tail.tailOf;
    if (!f || !base || f.record.role !== tail.role || tail.artifacts?.length || tail.run || tail.blob || tail.manifest || tail.partial) return false;
    if (base.occurrences > f.occCount || base.events > f.evCount || base.problems > f.record.problems.length) return false;
    const events = tail.events ?? [];
    if (this.tracking) {
      this.changedFiles.add(path);
      // Rows past the kept ones were a line being written: their targets go (the tail's come below).
      this.noteEventTargets(f.evStart + base.events, f.evStart + f.evCount);
    }
    const droppedKeys = new Set<number>();
    for (let i = base.occurrences; i < f.occCount; i++) droppedKeys.add(this.occurrences.isAbbreviated(f, i) ? -1 : this.occurrences.keyId(f, i));
    this.count(f, -1);
    this.occurrences.extend(f, base.occurrences, tail.occurrences);
    this.eventRows.extend(f, base.events, events);
    const r = f.record;
    // In place: a log's list of its own problems (the stored list itself: see FileColumns.record) is not copied per batch.
    const problems = r.problems;
    if (problems.length > base.problems) problems.length = base.problems;
    for (const p of tail.problems) problems.push(p);
    this.fileColumns.update(f.id, { size: tail.size, mtimeMs: tail.mtimeMs, resume: tail.resume, problems });
    if (this.tracking) this.noteEventTargets(f.evStart + base.events, f.evStart + f.evCount);
    this.count(f, 1);
    this.linkRowsFrom(f, base.occurrences, droppedKeys);
    if (r.run || f.evCount || r.manifest || r.partial) this.viewFileIds.add(f.id);
    else this.viewFileIds.delete(f.id);
    if (this.occurrences.wasteful) this.occurrences.compact(this.files.values());
    if (this.eventRows.wasteful) this.eventRows.compact(this.files.values());
    this.generation++;
    return true;
  }

  /**
   * Links a file's occurrence rows from `from` on under their keys (the rows before are linked
   * already), and unlinks the keys of rows it no longer has (`dropped`, -1 for abbreviated
   * ones) that none of its rows still names.
   */
  private linkRowsFrom(f: StoredFile, from: number, dropped: Set<number>): void {
    const added = new Set<number>();
    const abbreviated = this.addKeysOf(f, from, f.occCount, added);
    // A key the file named before is linked already; the lists are in the order files came, a re-linked log last.
    for (const k of added) if (!dropped.has(k) && this.filesByKey.get(k).lastIndexOf(f.id) === -1) this.filesByKey.add(k, f.id);
    if (abbreviated) this.abbreviatedFiles.add(f.record.path);
    if (dropped.size === 0) return;
    // Rare (a line half written when last read): whether the kept rows still name a dropped key.
    const still = new Set<number>();
    for (let i = 0; i < f.occCount; i++) {
      const k = this.occurrences.isAbbreviated(f, i) ? -1 : this.occurrences.keyId(f, i);
      if (dropped.has(k)) still.add(k);
    }
    for (const k of dropped) {
      if (still.has(k)) continue;
      if (k === -1) this.abbreviatedFiles.delete(f.record.path);
      else this.filesByKey.delete(k, f.id);
    }
  }

  /** Room for `n` more files, made once, ahead of a full load of the saved index (see FileColumns.expect). */
  expectFiles(n: number): void {
    this.fileColumns.expect(n);
  }

  /** Room in the row columns and tables for what a full load of the saved index brings, made once (see EventRows.expect, SavedTables). */
  expectSaved(counts: Pick<SavedCounts, 'artifacts' | 'refs' | 'events' | 'tables'>): void {
    const t = counts.tables;
    this.fileColumns.expect(t.files, t.nameBytes, t.runWords);
    this.digests.expect(t.digests);
    this.strings.expect(t.keys, t.digests, t.textBytes);
    this.filesByKey.expect(t.keys, t.keyFileWords);
    this.artifacts.expect(counts.artifacts, t.digests);
    this.occurrences.expect(counts.refs);
    this.eventRows.expect(counts.events, t.eventRefs, t.summaryBytes, t.keys, t);
  }

  /** Holds a file of a saved bucket, its rows (or those `pick` keeps) appended from the bucket's sections: no object per row. */
  setSaved(file: PlacedFile, rows: SavedRows, pick?: RowPick): void {
    this.hold(file.record.path, file.record, file.root, (stored) => rows.appendTo(file, stored, this.rowColumns, pick), file);
  }

  /** The columns and the tables their ids name, for a save that writes the rows as they are (savedBucket.ts). */
  get rowColumns(): RowColumns {
    return {
      occurrences: this.occurrences,
      events: this.eventRows,
      strings: this.strings,
      names: this.names,
      savedArtifacts: (f) => ({ count: f.artCount, write: (w, i, path, root) => this.artifacts.writeSaved(w, f.artStart + i, path, root) }),
      savedRecord: (f) => this.fileColumns.savedRecord(f.id),
    };
  }

  /** Holds `record` at `path`, its rows put in the columns by `addRows`; `saved`: its artifacts' digests and run's refs given as bytes (a saved record's). */
  private hold(path: string, record: StoredRecord, root: string, addRows: (stored: StoredFile) => void, saved?: Pick<SavedFile, 'digests' | 'runRefs'>): number {
    // The path is looked up once: a path keeps its id while no file is held there, so the id
    // tells whether a file is held to be taken out first (a cold build's 109k paths were hashed
    // twice, once to find nothing to remove).
    const id = this.fileColumns.idOf(path);
    const old = this.files.byId(id);
    if (old) this.release(old);
    // The record object goes: its fields are columns, its rows and artifacts rows of theirs.
    this.fileColumns.hold(id, record, root, saved?.runRefs);
    const stored = this.fileColumns.view(id);
    addRows(stored);
    this.artifacts.add(record.artifacts, id, path, stored, saved?.digests);
    if (this.tracking) this.noteTargets(stored);
    this.link(stored);
    this.generation++;
    return id;
  }

  remove(path: string): boolean {
    const old = this.files.get(path);
    if (!old) return false;
    this.release(old);
    return true;
  }

  /** Takes held file `old` out of the lookups and columns (its path keeps its id). */
  private release(old: StoredFile): void {
    this.unlink(old);
    this.fileColumns.release(old.id);
    this.occurrences.release(old);
    if (this.occurrences.wasteful) this.occurrences.compact(this.files.values());
    this.eventRows.release(old);
    if (this.eventRows.wasteful) this.eventRows.compact(this.files.values());
    this.generation++;
  }

  /** Called after a build: gives back most of the columns' spare room (they keep some for the rows added next). */
  settle(): void {
    this.occurrences.settle(this.files.values());
    this.eventRows.settle(this.files.values());
  }

  /**
   * Room for what a batch of records brings, made ahead of storing them: the columns, tables
   * and lookups that must grow copied a slice at a time with `pause` between (columnRoom.ts). An
   * update that grew the row columns in one copy made hovers wait up to a second; the file,
   * artifact, path and digest tables' growth, past the spare room a full load leaves, 30-90 ms.
   */
  async makeRoom(need: RoomNeed, pause: () => Promise<void>): Promise<void> {
    await this.fileColumns.makeRoom(need.files, pause);
    const keys = need.keys;
    await this.strings.makeRoom(keys, pause);
    await this.filesByKey.makeRoom(this.strings.size + keys, pause);
    await this.artifacts.makeRoom(need.artifacts, this.digests.size + keys, pause);
    await this.occurrences.makeRoom(need.occurrences + (need.keptOccurrences ?? 0), pause);
    await this.eventRows.makeRoom(need.events + (need.keptEvents ?? 0), pause);
  }

  /** Every large file's rows in key order now (OccurrenceColumns.orderByKey). */
  orderByKey(): void {
    for (const f of this.files.values()) this.occurrences.orderByKey(f);
  }

  /** The sizes a save tells the next full load (see SavedTables). */
  tableSizes(): SavedTables {
    const events = this.eventRows.held;
    return {
      files: this.fileColumns.count,
      nameBytes: this.fileColumns.heldNameBytes(),
      digests: this.digests.size,
      keys: this.strings.size,
      eventRefs: events.refs,
      summaryBytes: events.summaryBytes,
      textBytes: this.strings.textBytes,
      keyFileWords: this.filesByKey.poolWords,
      ...this.eventRows.listWords,
      runWords: this.fileColumns.runWords,
    };
  }

  /** Whole-index counters (current: kept up to date by every change). */
  counts(): Readonly<IndexCounts> {
    return this.counted;
  }

  /** What the files `keep` takes (by path) add to the counters: a start that loaded a few buckets moves the saved counters by their difference. */
  countsOf(keep: (path: string) => boolean): IndexCounts {
    const out: IndexCounts = { artifacts: 0, refs: 0, events: 0, blobs: 0, problems: 0 };
    for (const id of this.files.ids()) if (keep(this.fileColumns.pathOf(id))) this.count(this.fileColumns.view(id), 1, out);
    return out;
  }

  private count(f: StoredFile, sign: 1 | -1, c: IndexCounts = this.counted): void {
    const role = this.fileColumns.roleOf(f.id);
    if (role === 'artifact' || role === 'sidecar') c.artifacts += sign * f.artCount;
    c.refs += sign * f.occCount;
    c.events += sign * f.evCount;
    if (this.fileColumns.heldRest(f.id)?.blob) c.blobs += sign;
    c.problems += sign * this.fileColumns.problemCount(f.id);
  }

  /** The keys a record provides targets for (what a ref to it would resolve through). */
  private noteTargets(f: StoredFile): void {
    if (!this.tracking) return;
    const r = f.record;
    this.changedFiles.add(r.path);
    for (let row = f.artStart; row < f.artStart + f.artCount; row++) for (const k of this.artifacts.keysOf(row)) this.changedKeys.add(k);
    this.noteEventTargets(f.evStart, f.evStart + f.evCount);
    if (r.blob) this.changedKeys.add('sha256:' + r.blob.digest);
    if (r.manifest?.sha256) this.changedKeys.add('sha256:' + r.manifest.sha256);
    if (r.run?.runId !== undefined) this.changedKeys.add(r.run.runId.toLowerCase());
  }

  /**
   * The keys event rows `from` to `to` provide targets for, read from their ids: a log of 20k
   * events read again is not made into 20k event objects to list them (~190 ms).
   */
  private noteEventTargets(from: number, to: number): void {
    const seen = noRowKeys();
    this.eventRows.addKeysOfRows(from, to, seen);
    // A run id is a target too: a pointer naming it resolves to the run (CONTRACT 1.8).
    for (const id of seen.run) this.changedKeys.add(this.strings.value(id).toLowerCase());
    // Payload digests and chain hashes, and the refs of `artifact.deleted` events (pruned evidence).
    for (const id of seen.target) this.changedKeys.add(this.strings.value(id));
    for (const id of seen.deleted) this.changedKeys.add(this.strings.value(id));
  }

  /** Holds saved files with `load` without noting them as changed: they are as the saved derived problems knew them. */
  untracked<T>(load: () => T): T {
    const tracking = this.tracking;
    this.tracking = false;
    try {
      return load();
    } finally {
      this.tracking = tracking;
    }
  }

  /** What the next drainChanges() returns, left in place. */
  pendingChanges(): { files: ReadonlySet<string>; keys: ReadonlySet<string> } {
    return { files: this.changedFiles, keys: this.changedKeys };
  }

  /** Files and target keys changed since the last call, for caches that update incrementally. */
  drainChanges(): { files: Set<string>; keys: Set<string> } {
    this.tracking = true;
    const out = { files: this.changedFiles, keys: this.changedKeys };
    this.changedFiles = new Set();
    this.changedKeys = new Set();
    return out;
  }

  /** Paths of files holding an abbreviated ref (their resolution depends on every digest). */
  filesWithAbbreviations(): ReadonlySet<string> {
    return this.abbreviatedFiles;
  }

  /** Paths of files that mention `key`. */
  filesMentioning(key: string): string[] {
    this.watch?.key(MENTION + key);
    const id = this.strings.find(key);
    return id === undefined ? [] : this.filesByKey.get(id).map((f) => this.fileColumns.pathOf(f));
  }

  /**
   * The hashes (keyHash) of every key a lookup of this store can find the file under (see
   * StoreWatch), into `into`: the saved key index holds them, so a scoped load finds the records a
   * query needs without loading the rest. Hashed from the ids the columns hold (KeyHashes): no key
   * string is made per row. A 435k-row log lists its keys for over a second: this yields every
   * ROWS_PER_PAUSE rows or keys, where the save takes its pause (hovers are answered meanwhile, and
   * a waiting update can make the save give way); a small file's keys are listed without a yield,
   * and into buffers reused from file to file, so a cold save of 100k files makes no promise, set
   * or list per file. One listing at a time (a save's).
   */
  *keysAnsweredBy(f: StoredFile, into: KeySink): Generator<void, void, undefined> {
    // The few fields the keys need, from the columns: no record made per file.
    const r = this.fileColumns.heldRest(f.id) ?? NO_REST;
    const out = (this.keyHashes ??= new KeyHashes(this.strings, this.digests));
    out.begin(into);
    let abbreviated = false;
    for (let i = 0; i < f.occCount; i++) {
      if (this.occurrences.isAbbreviated(f, i)) abbreviated = true;
      else out.addId(MENTION, this.occurrences.keyId(f, i));
      if ((i + 1) % ROWS_PER_PAUSE === 0) yield;
    }
    if (abbreviated) out.addKey(ABBREVIATED_KEY, '');
    for (let row = f.artStart, listed = 1; row < f.artStart + f.artCount; row++, listed++) {
      this.artifacts.addKeysTo(row, TARGET, out);
      if (listed % ROWS_PER_PAUSE === 0) yield;
    }
    // From the columns: a log's 100k events are not made into objects to list their keys.
    const events = { ref: out.sinkFor(EVENT_REF), deleted: out.sinkFor(DELETION), run: out.sinkFor(RUN_EVENTS), target: out.sinkFor(TARGET) };
    for (let from = f.evStart, end = f.evStart + f.evCount; from < end; from += ROWS_PER_PAUSE) {
      const to = Math.min(from + ROWS_PER_PAUSE, end);
      this.eventRows.addKeysOfRows(from, to, events);
      if (to < end) yield;
    }
    if (r.blob) out.addKey(TARGET, 'sha256:' + r.blob.digest);
    if (r.manifest?.sha256) out.addKey(TARGET, 'sha256:' + r.manifest.sha256);
    const runId = this.fileColumns.runIdOf(f.id);
    if (runId !== undefined) out.addKey(TARGET, runId);
    yield* out.finish();
  }

  /**
   * The distinct full keys (by id, ascending) among a file's rows, and whether it has abbreviated
   * ones: a view of `keyIds` (valid until the next call), or of an array of the file's own when
   * it has more rows. Sorted in place, not gathered in a Set: a cold build's 1M-artifact audit
   * log named 2M keys in its 3.4M refs, and their Set took ~45 MB of heap at once, twice that
   * while it grew, as the log landed (the build's peak).
   */
  private keysOf(f: StoredFile): { keys: Int32Array; abbreviated: boolean } {
    const ids = f.occCount <= this.keyIds.length ? this.keyIds : new Int32Array(f.occCount);
    let n = 0;
    let abbreviated = false;
    for (let i = 0; i < f.occCount; i++) {
      if (this.occurrences.isAbbreviated(f, i)) abbreviated = true;
      else ids[n++] = this.occurrences.keyId(f, i);
    }
    const sorted = ids.subarray(0, n).sort();
    let distinct = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[distinct++] = sorted[i];
    return { keys: sorted.subarray(0, distinct), abbreviated };
  }

  /** Adds the full keys (by id) of a file's occurrence rows `from` to `to` to `keys`; true when one of them is abbreviated. */
  private addKeysOf(f: StoredFile, from: number, to: number, keys: Set<number>): boolean {
    let abbreviated = false;
    for (let i = from; i < to; i++) {
      if (this.occurrences.isAbbreviated(f, i)) abbreviated = true;
      else keys.add(this.occurrences.keyId(f, i));
    }
    return abbreviated;
  }

  private link(f: StoredFile): void {
    // The fields as the columns keep them: no record object made per file of a 100k-file load.
    const r = this.fileColumns.heldRest(f.id) ?? NO_REST;
    this.count(f, 1);
    for (let row = f.artStart; row < f.artStart + f.artCount; row++) {
      if (this.sortedDigests) {
        for (const k of this.artifacts.keysOf(row)) {
          if (k.startsWith('sha256:') && this.artifacts.rowsWithKey(k).length === 1) {
            const id = this.digests.idIfDigest(k, 7);
            if (id >= 0) this.addedDigests.push(id);
            this.addedSorted = false;
          }
        }
      }
      for (const p of this.artifacts.otherPaths(row)) push(this.artifactsAtOtherPaths, p, row);
    }
    if (this.fileColumns.hasRun(f.id) || f.evCount || r.manifest || r.partial) this.viewFileIds.add(f.id);
    const { keys, abbreviated } = this.keysOf(f);
    // The path string is made only here: the store keeps paths in its path table.
    if (abbreviated) this.abbreviatedFiles.add(this.fileColumns.pathOf(f.id));
    for (const k of keys) this.filesByKey.add(k, f.id);
    const blob = r.blob && this.digestId(r.blob.digest);
    if (blob !== undefined) this.blobFiles.add(blob, f.id);
    const manifest = r.manifest?.sha256 && this.digestId(r.manifest.sha256);
    if (manifest !== undefined && manifest !== '') this.manifestFiles.add(manifest, f.id);
    const runId = this.fileColumns.runIdOf(f.id);
    if (runId !== undefined && this.fileColumns.runTypeOf(f.id) !== 'snapshot') push(this.runFiles, runId, f.id);
  }

  private unlink(f: StoredFile): void {
    const r = this.fileColumns.heldRest(f.id) ?? NO_REST;
    const path = this.fileColumns.pathOf(f.id);
    if (this.tracking) this.noteTargets(f);
    this.count(f, -1);
    const keys: string[] = [];
    for (let row = f.artStart; row < f.artStart + f.artCount; row++) {
      for (const k of this.artifacts.keysOf(row)) keys.push(k);
      for (const p of this.artifacts.otherPaths(row)) pull(this.artifactsAtOtherPaths, p, row);
    }
    this.artifacts.release(f);
    // A digest gone: the sorted list is made again when next needed (artifacts are rarely deleted).
    for (const k of keys) if (k.startsWith('sha256:') && this.artifacts.rowsWithKey(k).length === 0) this.sortedDigests = undefined;
    this.viewFileIds.delete(f.id);
    this.abbreviatedFiles.delete(path);
    for (const k of this.keysOf(f).keys) this.filesByKey.delete(k, f.id);
    const blob = r.blob && this.digestId(r.blob.digest);
    if (blob !== undefined) this.blobFiles.delete(blob, f.id);
    const manifest = r.manifest?.sha256 && this.digestId(r.manifest.sha256);
    if (manifest !== undefined && manifest !== '') this.manifestFiles.delete(manifest, f.id);
    const runId = this.fileColumns.runIdOf(f.id);
    if (runId !== undefined && this.fileColumns.runTypeOf(f.id) !== 'snapshot') pull(this.runFiles, runId, f.id);
  }

  /** A file's occurrences, made from its rows (empty for a file the index does not hold). */
  occurrencesIn(path: string): Occurrence[] {
    this.watch?.path(path);
    const f = this.files.get(path);
    return f ? this.occurrences.all(f) : [];
  }

  /** Row `i` of a held file's occurrences, made alone (a caller re-checking a few rows of a large file). */
  occurrenceRow(f: StoredFile, i: number): Occurrence {
    return this.occurrences.at(f, i);
  }

  /** Rows of a held file whose key is one of `keys`, from `from` up to `to`, without making the others. */
  occurrenceRowsWithKeys(f: StoredFile, keys: Iterable<string>, from: number, to: number): number[] {
    const ids = new Set<number>();
    for (const k of keys) {
      const id = this.keyIdOf(k);
      if (id !== undefined) ids.add(id);
    }
    return this.occurrenceRowsWithKeyIds(f, ids, from, to);
  }

  /** The id a row holding `key` has for it (see occurrenceRowsWithKeyIds); undefined: no row holds it. */
  keyIdOf(key: string): number | undefined {
    return this.strings.find(key);
  }

  /** occurrenceRowsWithKeys, the keys given by their ids (keyIdOf): a caller with many files to scan looks them up once. */
  occurrenceRowsWithKeyIds(f: StoredFile, ids: ReadonlySet<number>, from: number, to: number): number[] {
    const out: number[] = [];
    if (ids.size) for (let i = from; i < to; i++) if (ids.has(this.occurrences.keyId(f, i))) out.push(i);
    return out;
  }

  /** A hash of a held file's first `count` occurrence rows: the same rows hash the same (an appended log keeps its old rows). */
  occurrencesHash(f: StoredFile, count: number): number {
    return this.occurrences.rowsHash(f, count);
  }

  /** Places that mention `key` (a full key), file by file. A 100k-line log is one column scan, no object per other ref. */
  occurrencesOf(key: string): OccurrenceAt[] {
    return Array.from(this.eachOccurrenceOf(key));
  }

  /** occurrencesOf one file at a time, for a caller that may want only the first few of 100k. */
  *eachOccurrenceOf(key: string): Generator<OccurrenceAt> {
    for (const [f, id] of this.heldFilesMentioning(key)) {
      for (const occ of this.occurrences.withKey(f, id)) yield { path: f.record.path, occ };
    }
  }

  /**
   * Each occurrence of `key` (a full key) as its file's id, its line and what decides whether it
   * can refer to an artifact, without making the occurrence or the file's record (a capsule's
   * record unpacks its run's refs: ~3.5 KB a hover): a hover counting a ref's referrers made
   * ~500 bytes of objects per occurrence. Stops when `visit` returns false; returns whether it
   * visited them all.
   */
  everyOccurrenceRow(key: string, visit: (fileId: number, line: number, invalid: boolean, namespaced: boolean, namespace: string | undefined) => boolean): boolean {
    this.watch?.key(MENTION + key);
    const id = this.strings.find(key);
    if (id === undefined) return true;
    const rows = this.occurrences;
    // Not heldFilesMentioning: nothing can change the files while this runs (no copy of their ids, no generator).
    for (const fileId of this.filesByKey.get(id)) {
      const f = this.fileById(fileId);
      if (!f) continue;
      for (const i of rows.rowsWithKey(f, id)) {
        if (!visit(fileId, rows.line(f, i), rows.isInvalid(f, i), rows.isNamespaced(f, i), rows.namespaceAt(f, i))) return false;
      }
    }
    return true;
  }

  /** The held files that mention `key` (a full key), with its key id. */
  private *heldFilesMentioning(key: string): Generator<[StoredFile, number]> {
    this.watch?.key(MENTION + key);
    const id = this.strings.find(key);
    if (id === undefined) return;
    // The ids as they are now: a caller paging through may let an update in between two files.
    for (const fileId of Array.from(this.filesByKey.get(id))) {
      const f = this.fileById(fileId);
      if (f) yield [f, id];
    }
  }

  /**
   * The abbreviated occurrences, or those whose key (`sha256:<prefix>`) `wanted` accepts: only
   * they are made (a hover looks for the few abbreviating its target, and made every one).
   */
  abbreviatedOccurrences(wanted?: (key: string) => boolean): OccurrenceAt[] {
    const out: OccurrenceAt[] = [];
    for (const { path, f, row } of this.abbreviatedRows(wanted)) out.push({ path, occ: this.occurrences.at(f, row) });
    return out;
  }

  /** The keys (`sha256:<prefix>`) of the abbreviated refs held, with no occurrence made (an update asks which a change touches). */
  abbreviatedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const { f, row } of this.abbreviatedRows()) keys.add(this.strings.value(this.occurrences.keyId(f, row)));
    return keys;
  }

  /** The rows of abbreviatedOccurrences, where they are. */
  private *abbreviatedRows(wanted?: (key: string) => boolean): Generator<{ path: string; f: StoredFile; row: number }> {
    this.watch?.key(ABBREVIATED_KEY);
    const rows = this.occurrences;
    for (const path of this.abbreviatedFiles) {
      const f = this.files.get(path);
      if (!f) continue;
      for (let i = 0; i < f.occCount; i++) {
        if (rows.isAbbreviated(f, i) && (!wanted || wanted(this.strings.value(rows.keyId(f, i))))) yield { path, f, row: i };
      }
    }
  }

  /** Every full key some file mentions. */
  *mentionedKeys(): IterableIterator<string> {
    this.watch?.everything();
    for (const id of this.filesByKey.keys()) yield this.strings.value(id);
  }

  /**
   * The ids of the `sha256` digests of artifacts (and file-store blob ids) in the order of their
   * hex, for prefix lookups, in two sorted lists: all of them as of some time, and those added
   * since (merged into the first once they are many, so a steady stream of new artifacts costs
   * neither a sort nor a merge of every digest per lookup).
   */
  private sortedLists(): [Int32Array, number[]] {
    this.watch?.everything();
    runSteps(this.digestListSteps(MERGE_ADDED_AT));
    if (!this.addedSorted) {
      this.addedDigests.sort(this.digestOrder);
      this.addedSorted = true;
    }
    return [this.sortedDigests!, this.addedDigests];
  }

  private readonly digestOrder = (a: number, b: number): number => this.digests.compare(a, b);

  /**
   * Makes the sorted digest list when there is none and merges the added digests into it when
   * there are more than `mergeAt`, as steps (timeSlices.ts): the sort of 141k digests took 0.5 s
   * in one piece, on whichever request or update first looked up an abbreviated ref.
   */
  private *digestListSteps(mergeAt: number): Steps {
    if (!this.sortedDigests) {
      const ids: number[] = [];
      for (const id of this.artifacts.digestIds()) {
        ids.push(id);
        if (ids.length % ROWS_PER_PAUSE === 0) yield;
      }
      this.sortedDigests = yield* sortInSteps(Int32Array.from(ids), this.digestOrder);
      this.addedDigests = [];
      this.addedSorted = true;
    }
    if (this.addedDigests.length > mergeAt) {
      if (!this.addedSorted) this.addedDigests.sort(this.digestOrder);
      this.sortedDigests = yield* mergeInSteps(this.sortedDigests, this.addedDigests, this.digestOrder);
      this.addedDigests = [];
      this.addedSorted = true;
    }
  }

  /**
   * The sorted digest lists brought up to date ahead of the lookups by prefix an update's
   * cross-file check makes, in steps, before requests would have to do it in one piece.
   */
  prepareDigestLists(): Steps {
    return this.digestListSteps(MERGE_ADDED_AT / 2);
  }

  /** Digests starting with `prefix` (lower-case hex), in order, up to `limit`. */
  digestsWithPrefix(prefix: string, limit: number): string[] {
    // A whole digest is a Map lookup: no need to build (after every change) and search the sorted list.
    if (prefix.length === 64) return limit > 0 && this.artifactsByKey.has('sha256:' + prefix) ? [prefix] : [];
    if (!DigestTable.isPrefix(prefix)) return [];
    const [all, added] = this.sortedLists();
    const found = this.withPrefix(all, prefix, limit);
    const ids = added.length ? mergeSorted(found, this.withPrefix(added, prefix, limit), this.digestOrder).subarray(0, limit) : found;
    return Array.from(ids, (id) => this.digests.hex(id));
  }

  /** The ids in `sorted` (in digest order) whose hex starts with `prefix`, in order, up to `limit`. */
  private withPrefix(sorted: ArrayLike<number>, prefix: string, limit: number): number[] {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.digests.comparePrefix(sorted[mid], prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < sorted.length && out.length < limit && this.digests.comparePrefix(sorted[i], prefix) === 0; i++) out.push(sorted[i]);
    return out;
  }

  /** A file's events, made from its rows (empty for a file the index does not hold). */
  eventsIn(path: string): EventEntry[] {
    this.watch?.path(path);
    const f = this.files.get(path);
    return f ? this.eventRows.all(f) : [];
  }

  /** Events naming any of `keys`, each once, in the order their files were added. */
  eventsReferring(keys: Iterable<string>): EventEntry[] {
    return Array.from(this.rowsReferring(keys), (row) => this.eventRows.entry(row));
  }

  /** eventsReferring's events as places, leaving out `except` (no refs or summary made: eventAt makes one whole). */
  eventPlacesReferring(keys: Iterable<string>, except?: EventEntry): EventPlaceRow[] {
    const rows = this.rowsReferring(keys);
    const own = except && this.eventRows.rowOf(except);
    if (own !== undefined) rows.delete(own);
    return Array.from(rows, (row) => this.eventRows.place(row));
  }

  /** The event of a row a place names. */
  eventAt(place: EventPlaceRow): EventEntry {
    return this.eventRows.entry(place.row);
  }

  private rowsReferring(keys: Iterable<string>): Set<number> {
    const rows = new Set<number>();
    for (const key of keys) {
      this.watch?.key(EVENT_REF + key);
      const id = this.strings.find(key);
      if (id !== undefined) for (const row of this.eventRows.rowsWithRef(id)) rows.add(row);
    }
    return rows;
  }

  /** Events naming `key`, in the order their files were added. */
  eventsWithRef(key: string): EventEntry[] {
    this.watch?.key(EVENT_REF + key);
    const id = this.strings.find(key);
    return id === undefined ? [] : this.eventRows.withRef(id);
  }

  /** Ref keys some event names (a pass over every key: for whole-index work such as GC). */
  *eventRefKeys(): IterableIterator<string> {
    this.watch?.everything();
    for (const id of this.eventRows.refKeys()) yield this.strings.value(id);
  }

  /** The events of a run (its id as written), in the order their files were added (CONTRACT 1.8: a run is a ref). */
  eventsOfRun(runId: string): EventEntry[] {
    this.watch?.key(RUN_EVENTS + runId);
    const id = this.strings.find(runId);
    return id === undefined ? [] : this.eventRows.ofRun(id);
  }

  hasEventsOfRun(runId: string): boolean {
    this.watch?.key(RUN_EVENTS + runId);
    const id = this.strings.find(runId);
    return id !== undefined && this.eventRows.hasRun(id);
  }

  /** Run ids some event carries (a pass over every key: for workspace symbols). */
  *eventRunIds(): IterableIterator<string> {
    this.watch?.everything();
    for (const id of this.eventRows.runIds()) yield this.strings.value(id);
  }

  /** The event answering to `key`: `blake3:<payload digest>` or `sha256:<record hash>`. */
  eventByKey(key: string): EventEntry | undefined {
    this.watch?.key(TARGET + key);
    const id = this.strings.find(key);
    return id === undefined ? undefined : this.eventRows.byTargetKey(id);
  }

  /** Whether an event answers to `key` (see eventByKey), without making it: a log's every line has a chain hash that does. */
  hasEvent(key: string): boolean {
    this.watch?.key(TARGET + key);
    const id = this.strings.find(key);
    return id !== undefined && this.eventRows.hasTarget(id);
  }

  /** `artifact.deleted` events naming `key` (`sha256:<hex>`): pruned evidence. */
  deletionsOf(key: string): EventEntry[] {
    this.watch?.key(DELETION + key);
    const id = this.strings.find(key);
    return id === undefined ? [] : this.eventRows.deletionsOf(id);
  }

  /** Whether two events this store made are the same row (a store makes a new object per ask). */
  sameEvent(a: EventEntry, b: EventEntry): boolean {
    if (a === b) return true;
    const row = this.eventRows.rowOf(a);
    return row !== undefined && row === this.eventRows.rowOf(b);
  }

  manifests(): ManifestEntry[] {
    this.watch?.everything();
    const out: ManifestEntry[] = [];
    for (const id of this.viewFileIds) {
      const manifest = this.fileColumns.heldRest(id)?.manifest;
      if (manifest) out.push(manifest);
    }
    return out;
  }

  partials(): PartialEntry[] {
    this.watch?.everything();
    const out: PartialEntry[] = [];
    for (const id of this.viewFileIds) {
      const partial = this.fileColumns.heldRest(id)?.partial;
      if (partial) out.push(partial);
    }
    return out;
  }

  blobs(): BlobEntry[] {
    this.watch?.everything();
    const out: BlobEntry[] = [];
    for (const list of this.blobsByDigest.values()) for (const b of list) out.push(b);
    return out;
  }

  /** The artifact of row `row`, made from its columns. */
  private artifactEntry(row: number): ArtifactEntry {
    return this.artifacts.entry(row, this.fileColumns.pathOf(this.artifacts.fileOf(row)));
  }

  /** A held file's artifacts, made from their rows. */
  artifactsOf(f: StoredFile): ArtifactEntry[] {
    const out: ArtifactEntry[] = [];
    const path = this.fileColumns.pathOf(f.id);
    for (let row = f.artStart; row < f.artStart + f.artCount; row++) out.push(this.artifacts.entry(row, path));
    return out;
  }

  private artifactsWithKey(key: string): ArtifactEntry[] | undefined {
    const rows = this.artifacts.rowsWithKey(key);
    return rows.length ? rows.map((row) => this.artifactEntry(row)) : undefined;
  }

  /**
   * Whether an artifact answers to `key` (in `namespace`, when given), without making one: the
   * cross-file pass asks this of every ref.
   */
  hasArtifact(key: string, namespace?: string): boolean {
    this.watch?.key(TARGET + key);
    return this.artifacts.hasKey(key, namespace);
  }

  /**
   * Whether row `i` of a held file surely has no ref problem, answered from ids with no
   * occurrence, key string or entry made: a well-formed lower-case ref that names an artifact
   * by its full key (in its namespace, for a namespaced one) or, in no namespace, an event (a
   * log's chain hash). The cross-file check asks this of every ref (600k at 109k artifacts),
   * and checks the rest as objects. A watched store (a scoped load) is always answered false,
   * so the full check tells the watch what it looked up.
   */
  plainlyResolves(f: StoredFile, i: number): boolean {
    if (this.watch) return false;
    const scope = this.occurrences.plainScope(f, i);
    if (scope === NOT_PLAIN) return false;
    const key = this.occurrences.keyId(f, i);
    if (this.artifacts.hasKeyId(key, scope === UNSCOPED ? ANY_NAMESPACE : scope)) return true;
    return scope === UNSCOPED && this.eventRows.hasTarget(key);
  }

  /** Each artifact once, as a list of one (what iterating a Map of key -> artifacts gave, without the repeats). */
  private *eachArtifact(): IterableIterator<ArtifactEntry[]> {
    for (const row of this.artifacts.liveRows()) yield [this.artifactEntry(row)];
  }

  /** The artifact whose bytes or sidecar is at `p`: the file's own first, else the one placed there last. */
  private artifactAtPath(p: string): ArtifactEntry | undefined {
    const f = this.files.get(p);
    if (f) for (let row = f.artStart; row < f.artStart + f.artCount; row++) if (this.artifacts.isAt(row, p, p)) return this.artifacts.entry(row, p);
    const rows = this.artifactsAtOtherPaths.get(p);
    return rows ? this.artifactEntry(rows[rows.length - 1]) : undefined;
  }

  /** The id of a digest written as hex (undefined when it is not 64 lower-case hex: nothing can be found by it). */
  private digestId(hex: string): number | undefined {
    return DigestTable.holds(hex) ? this.digests.id(hex) : undefined;
  }

  /** What files held under digest `hex` in `files` have, by `pick`. */
  private digestFiles<V>(files: IdsByKey, hex: string, pick: (r: RecordRest) => V | undefined): V[] | undefined {
    const id = this.digests.find(hex);
    if (id === undefined) return undefined;
    const out: V[] = [];
    for (const fileId of files.get(id)) {
      const rest = this.fileColumns.isHeldId(fileId) ? this.fileColumns.heldRest(fileId) : undefined;
      const v = rest && pick(rest);
      if (v) out.push(v);
    }
    return out.length ? out : undefined;
  }

  private *allDigestFiles<V>(files: IdsByKey, pick: (r: RecordRest) => V | undefined): IterableIterator<V[]> {
    for (const id of files.keys()) {
      const list = this.digestFiles(files, this.digests.hex(id), pick);
      if (list) yield list;
    }
  }
}

/** Keys an artifact answers to: its own, plus `sha256:<blobId>` for deduplicated file-store entries. */
export function artifactKeys(a: ArtifactEntry): string[] {
  return a.blobId && a.key !== 'sha256:' + a.blobId ? [a.key, 'sha256:' + a.blobId] : [a.key];
}

export { hashKey };
