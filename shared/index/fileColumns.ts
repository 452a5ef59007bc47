// The store's files as columns by file id: path, root, role, size and mtime, and where each
// file's rows start in the occurrence, event and artifact columns. A held file cost about
// 875 bytes as a StoredFile, its StoredRecord and their Map entries; here it is its path in
// the path table (its name's bytes: see pathTable.ts) and about 70 bytes of typed arrays. The few fields most
// files lack (problems, run, manifest, blob, partial, resume) are kept as they came, in a
// slot that is empty for most files. A StoredFile is a view over a file id, made on demand.
import { grown, grownInSlices, LOADED_SPARE, settledRoom } from './columnRoom';
import type { FileRecord, FileRole, RunInfo } from '../records';
import { RunColumns } from './runColumns';
import type { StoredFile, StoredRecord } from './memoryIndex';
import type { OccurrenceRange } from './occurrenceColumns';
import type { SavedDigests, SavedRecord } from './recordCodec';
import { PathTable } from './pathTable';
import { numberAt, withId, withNumber, type IdColumn, type NumberColumn } from './narrowColumns';
import { RecurringIds, type StringTable } from './stringTable';

/** A record's fields other than those kept as columns (its rows are in the row columns). */
export type RecordRest = Omit<FileRecord, 'path' | 'size' | 'mtimeMs' | 'role' | 'artifacts' | 'occurrences' | 'events' | 'problems' | 'run'> &
  Partial<Pick<FileRecord, 'problems'>>;

/** The row ranges, in order, RANGES Int32s per file. */
const OCC_START = 0;
const OCC_COUNT = 1;
const EV_START = 2;
const EV_COUNT = 3;
const ART_START = 4;
const ART_COUNT = 5;
const RANGES = 6;
const MIN_FILES = 1024;
const NO_PROBLEMS: FileRecord['problems'] = [];

/**
 * What the occurrence columns keep on a file besides its range (a few files have any of it):
 * the room after a grown log's rows too, in the ranges a column of 4 bytes a file (4.3 MB at 1M).
 */
type OccurrenceSide = Omit<OccurrenceRange, 'occStart' | 'occCount'>;

export class FileColumns {
  /** File ids by path, kept for paths that come back (a rewritten file keeps its id). */
  private readonly paths = new PathTable();
  private capacity = MIN_FILES;
  private isHeld = new Uint8Array(MIN_FILES);
  /** Names-table ids of the root and the role (16 bits while they fit: narrowColumns.ts). */
  private root: IdColumn = new Int16Array(MIN_FILES);
  private role: IdColumn = new Int16Array(MIN_FILES);
  /**
   * Roots and roles by names id, made once: a handful of strings that every link, save and view
   * of a file asks for, each made again from the names table's bytes on every call before.
   */
  private readonly madeNames = new Map<number, string>();
  /** Bytes: 32 bits until a file of 2 GB or more (narrowColumns.ts). */
  private size: NumberColumn = new Int32Array(MIN_FILES);
  private mtime = new Float64Array(MIN_FILES);
  private ranges = new Int32Array(MIN_FILES * RANGES);
  private readonly rest: (RecordRest | undefined)[] = [];
  /**
   * Ids of the held files whose reader gave problems (a few of them): a walk of every file's slot
   * for them, the workspace diagnostics' first step after ready, held the thread 3-5 ms at 141k
   * files, in code run once and so never optimized (a first hover after ready waited for it).
   */
  private readonly withProblems = new Set<number>();
  private readonly occSides = new Map<number, OccurrenceSide>();
  private readonly runs: RunColumns;
  private held = 0;
  /** The name bytes of the held files' paths, kept as files come and go: summing them walked every file id (12-20 ms at 1M, on each save while an agent wrote). */
  private heldNames = 0;

  /** `keys`: where a run's refs and texts are kept (digest keys by digest id); `names`: roles, roots, a run's labels and field paths. */
  constructor(
    private readonly names: StringTable,
    keys: StringTable,
  ) {
    this.runs = new RunColumns(names, keys);
    this.nameIds = new RecurringIds(names);
  }

  /** Roots' and roles' ids (a handful of strings, every file naming two). */
  private readonly nameIds: RecurringIds;

  /** How many files are held. */
  get count(): number {
    return this.held;
  }

  /** The name bytes of the held files' paths (what a load of them is told: see expect). */
  heldNameBytes(): number {
    return this.heldNames;
  }

  /** The pool ints the held runs' groups take (what a load of them is told: see expect). */
  get runWords(): number {
    return this.runs.poolWords;
  }

  /** The id of `path`, given on first sight and kept. */
  idOf(path: string): number {
    const id = this.paths.id(path);
    if (id === this.rest.length) {
      this.rest.push(undefined);
      if (id >= this.capacity) this.grow();
    }
    return id;
  }

  /** The id `path` was given, held or not. */
  pathId(path: string): number | undefined {
    return this.paths.find(path);
  }

  /** The id of `path` if a file is held there. */
  find(path: string): number | undefined {
    const id = this.paths.find(path);
    return id !== undefined && this.isHeld[id] ? id : undefined;
  }

  /**
   * Room for `n` more files and a fifth (LOADED_SPARE), made once (and the path table's: PathTable.expect): a
   * full load knows how many files it brings (the listing), where doubling copied every column
   * each time and left up to half of them spare (at 1M files, ~50 MB). `nameBytes`: their
   * paths' name bytes, when known (see PathTable.expect); `runWords`: their runs' groups (RunColumns.expectWords).
   */
  expect(n: number, nameBytes = 0, runWords = 0): void {
    this.paths.expect(n, nameBytes);
    this.runs.expectWords(runWords);
    const capacity = settledRoom(this.rest.length + n, MIN_FILES, LOADED_SPARE);
    if (capacity > this.capacity) this.resize(capacity);
  }

  /**
   * Room for `n` more files (and paths: PathTable.makeRoom), the columns copied a slice at a time
   * with `pause` between (an update, ahead of the files it stores; only the update writes them):
   * a full load leaves room spare (LOADED_SPARE), and the first file past it grew the columns of 142k files
   * in one piece, with the path table's, holding the server's thread 60-90 ms.
   */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    await this.paths.makeRoom(n, pause);
    const used = this.rest.length;
    if (used + n <= this.capacity) return;
    const capacity = Math.max(this.capacity * 2, used + n);
    this.isHeld = await grownInSlices(this.isHeld, used, capacity, pause);
    this.root = await grownInSlices(this.root, used, capacity, pause);
    this.role = await grownInSlices(this.role, used, capacity, pause);
    this.size = await grownInSlices(this.size, used, capacity, pause);
    this.mtime = await grownInSlices(this.mtime, used, capacity, pause);
    this.ranges = await grownInSlices(this.ranges, used * RANGES, capacity * RANGES, pause);
    this.capacity = capacity;
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(n: number): void {
    this.isHeld = grown(this.isHeld, n);
    this.root = grown(this.root, n);
    this.role = grown(this.role, n);
    this.size = grown(this.size, n);
    this.mtime = grown(this.mtime, n);
    this.ranges = grown(this.ranges, n * RANGES);
    this.capacity = n;
  }

  /** Holds `record` (its rows not yet placed: every range empty) as file `id`; `runRefs`: its run's refs given as bytes (a saved record's: SavedFile). */
  hold(id: number, record: StoredRecord, root: string, runRefs?: SavedDigests): void {
    this.isHeld[id] = 1;
    this.root = withId(this.root, id, this.nameIds.id(root));
    this.role = withId(this.role, id, this.nameIds.id(record.role));
    this.size = withNumber(this.size, id, record.size);
    this.mtime[id] = record.mtimeMs;
    this.ranges.fill(0, id * RANGES, (id + 1) * RANGES);
    this.keepRest(id, record, runRefs);
    this.occSides.delete(id);
    this.held++;
    this.heldNames += this.paths.nameBytesOf(id);
  }

  /** A grown log's new size, mtime, resume point and problems (its new rows are in the row columns). */
  update(id: number, changes: Pick<StoredRecord, 'size' | 'mtimeMs' | 'resume' | 'problems'>): void {
    const record = Object.assign(this.record(id), changes);
    this.size = withNumber(this.size, id, record.size);
    this.mtime[id] = record.mtimeMs;
    this.keepRest(id, record);
  }

  release(id: number): void {
    this.isHeld[id] = 0;
    this.rest[id] = undefined;
    this.withProblems.delete(id);
    this.runs.delete(id);
    this.occSides.delete(id);
    this.held--;
    this.heldNames -= this.paths.nameBytesOf(id);
  }

  isHeldId(id: number): boolean {
    return id < this.capacity && this.isHeld[id] === 1;
  }

  /** The file's path (a new string per call: see PathTable). */
  pathOf(id: number): string {
    return this.paths.pathOf(id);
  }

  /** keyHash of the file's path, without making it (PathTable.pathHash). */
  pathHash(id: number): number {
    return this.paths.pathHash(id);
  }

  rootOf(id: number): string {
    return this.nameOf(this.root[id]);
  }

  sizeOf(id: number): number {
    return numberAt(this.size, id) ?? NaN;
  }

  mtimeOf(id: number): number {
    return this.mtime[id];
  }

  roleOf(id: number): FileRole {
    return this.nameOf(this.role[id]) as FileRole;
  }

  /** String `id` of the names table (a root or role: see madeNames). */
  private nameOf(id: number): string {
    let s = this.madeNames.get(id);
    if (s === undefined) this.madeNames.set(id, (s = this.names.value(id)));
    return s;
  }

  /** The fields of file `id` not kept as columns, as kept (its run is: see runIdOf, runTypeOf). */
  heldRest(id: number): RecordRest | undefined {
    return this.rest[id];
  }

  hasRun(id: number): boolean {
    return this.runs.has(id);
  }

  runIdOf(id: number): string | undefined {
    return this.runs.runIdOf(id);
  }

  runTypeOf(id: number): RunInfo['type'] | undefined {
    return this.runs.typeOf(id);
  }

  /** How many problems the file's reader gave. */
  problemCount(id: number): number {
    return this.rest[id]?.problems?.length ?? 0;
  }

  /** File `id`'s record, made (a new object per call); without `withRun`, its run (if it has one) is left undefined, the field in its place (see savedRecord). */
  record(id: number, withRun = true): StoredRecord {
    const rest = this.rest[id];
    const r: StoredRecord = { path: this.paths.pathOf(id), size: this.sizeOf(id), mtimeMs: this.mtime[id], role: this.roleOf(id), problems: NO_PROBLEMS };
    if (rest) Object.assign(r, rest);
    if (this.runs.has(id)) {
      const run = withRun ? this.runs.runOf(id) : undefined;
      if (r.resume !== undefined) {
        // Before the resume point, as the record came (no reader gives a file both).
        const resume = r.resume;
        delete r.resume;
        r.run = run;
        r.resume = resume;
      } else r.run = run;
    }
    // A copy of the shared empty list: a caller may push to what it was given.
    if (r.problems === NO_PROBLEMS) r.problems = [];
    return r;
  }

  /** File `id`'s record as a save writes it: its run written from the run columns (RunColumns.writeSaved), not made. */
  savedRecord(id: number): SavedRecord {
    if (!this.runs.has(id)) return { record: this.record(id) };
    return { record: this.record(id, false), writeRun: (w) => this.runs.writeSaved(w, id) };
  }

  range(id: number, field: number): number {
    return this.ranges[id * RANGES + field];
  }

  setRange(id: number, field: number, value: number): void {
    this.ranges[id * RANGES + field] = value;
  }

  occurrenceSide<K extends keyof OccurrenceSide>(id: number, field: K): OccurrenceSide[K] {
    return this.occSides.get(id)?.[field];
  }

  setOccurrenceSide<K extends keyof OccurrenceSide>(id: number, field: K, value: OccurrenceSide[K]): void {
    let side = this.occSides.get(id);
    if (value === undefined) {
      if (!side) return;
      delete side[field];
      if (side.occExtras === undefined && side.occByKey === undefined && side.occScans === undefined && side.occSpare === undefined) this.occSides.delete(id);
      return;
    }
    if (!side) this.occSides.set(id, (side = {}));
    side[field] = value;
  }

  /** A view of file `id` (its fields read from and written to the columns). */
  view(id: number): StoredFile {
    return new FileView(this, id);
  }

  /** Ids of the held files, in id order. */
  *heldIds(): IterableIterator<number> {
    for (let id = 0; id < this.paths.size; id++) if (this.isHeld[id]) yield id;
  }

  /** Ids of the held files in folder `folder` (with its trailing separator). */
  heldIdsIn(folder: string): number[] {
    return this.paths.idsIn(folder).filter((id) => this.isHeld[id]);
  }

  /** The folders (with their trailing separators) holding a file of role `role`, and those holding another: a pass over two columns. */
  foldersByRole(role: FileRole): { withRole: Set<string>; withOthers: Set<string> } {
    const withRole = new Set<string>();
    const withOthers = new Set<string>();
    const code = this.nameIds.id(role);
    for (let id = 0; id < this.paths.size; id++) if (this.isHeld[id]) (this.role[id] === code ? withRole : withOthers).add(this.paths.folderPathOf(id));
    return { withRole, withOthers };
  }

  /** Ids of the held files whose reader gave problems, in no order. */
  idsWithProblems(): IterableIterator<number> {
    return this.withProblems.values();
  }

  /** Keeps the fields of `record` not kept as columns: its run as run columns, the others in its slot. */
  private keepRest(id: number, record: StoredRecord, runRefs?: SavedDigests): void {
    this.rest[id] = restOf(record);
    if (record.problems.length) this.withProblems.add(id);
    else this.withProblems.delete(id);
    if (record.run !== undefined) this.runs.set(id, record.run, runRefs);
    else this.runs.delete(id);
  }
}

/** The fields of `record` kept as they came; undefined when it has none (most artifact files and capsules). */
function restOf(record: StoredRecord): RecordRest | undefined {
  let rest: RecordRest | undefined;
  // Named fields, not a loop over keys: this runs once per file of a 100k-file load.
  if (record.problems.length) (rest ??= {}).problems = record.problems;
  if (record.manifest !== undefined) (rest ??= {}).manifest = record.manifest;
  if (record.blob !== undefined) (rest ??= {}).blob = record.blob;
  if (record.partial !== undefined) (rest ??= {}).partial = record.partial;
  if (record.resume !== undefined) (rest ??= {}).resume = record.resume;
  return rest;
}

/** A StoredFile over the columns: nothing kept but the id (and the record, once made). */
class FileView implements StoredFile {
  private made: StoredRecord | undefined;

  constructor(
    private readonly columns: FileColumns,
    readonly id: number,
  ) {}

  get record(): StoredRecord {
    return (this.made ??= this.columns.record(this.id));
  }

  get root(): string {
    return this.columns.rootOf(this.id);
  }

  get role(): FileRole {
    return this.columns.roleOf(this.id);
  }

  get size(): number {
    return this.columns.sizeOf(this.id);
  }

  get mtimeMs(): number {
    return this.columns.mtimeOf(this.id);
  }

  get occStart(): number {
    return this.columns.range(this.id, OCC_START);
  }

  set occStart(v: number) {
    this.columns.setRange(this.id, OCC_START, v);
  }

  get occCount(): number {
    return this.columns.range(this.id, OCC_COUNT);
  }

  set occCount(v: number) {
    this.columns.setRange(this.id, OCC_COUNT, v);
  }

  get occSpare(): number {
    return this.columns.occurrenceSide(this.id, 'occSpare') ?? 0;
  }

  set occSpare(v: number) {
    this.columns.setOccurrenceSide(this.id, 'occSpare', v || undefined);
  }

  get occExtras(): OccurrenceSide['occExtras'] {
    return this.columns.occurrenceSide(this.id, 'occExtras');
  }

  set occExtras(v: OccurrenceSide['occExtras']) {
    this.columns.setOccurrenceSide(this.id, 'occExtras', v);
  }

  get occByKey(): OccurrenceSide['occByKey'] {
    return this.columns.occurrenceSide(this.id, 'occByKey');
  }

  set occByKey(v: OccurrenceSide['occByKey']) {
    this.columns.setOccurrenceSide(this.id, 'occByKey', v);
  }

  get occScans(): OccurrenceSide['occScans'] {
    return this.columns.occurrenceSide(this.id, 'occScans');
  }

  set occScans(v: OccurrenceSide['occScans']) {
    this.columns.setOccurrenceSide(this.id, 'occScans', v);
  }

  get evStart(): number {
    return this.columns.range(this.id, EV_START);
  }

  set evStart(v: number) {
    this.columns.setRange(this.id, EV_START, v);
  }

  get evCount(): number {
    return this.columns.range(this.id, EV_COUNT);
  }

  set evCount(v: number) {
    this.columns.setRange(this.id, EV_COUNT, v);
  }

  get artStart(): number {
    return this.columns.range(this.id, ART_START);
  }

  set artStart(v: number) {
    this.columns.setRange(this.id, ART_START, v);
  }

  get artCount(): number {
    return this.columns.range(this.id, ART_COUNT);
  }

  set artCount(v: number) {
    this.columns.setRange(this.id, ART_COUNT, v);
  }
}

/** The held files by path, as views made on demand: the part of a Map's interface the index's callers use. */
export class HeldFiles implements Iterable<[string, StoredFile]> {
  constructor(private readonly columns: FileColumns) {}

  get size(): number {
    return this.columns.count;
  }

  get(path: string): StoredFile | undefined {
    const id = this.columns.find(path);
    return id === undefined ? undefined : this.columns.view(id);
  }

  has(path: string): boolean {
    return this.columns.find(path) !== undefined;
  }

  /** The held files' ids: no path or view made per file. */
  ids(): IterableIterator<number> {
    return this.columns.heldIds();
  }

  /** The folders (with their trailing separators) holding a file of role `role`, and those holding another. */
  foldersByRole(role: FileRole): { withRole: Set<string>; withOthers: Set<string> } {
    return this.columns.foldersByRole(role);
  }

  /** The held files' ids in folder `folder` (with its trailing separator). */
  idsIn(folder: string): number[] {
    return this.columns.heldIdsIn(folder);
  }

  /** The held file of id `id`, as a view; undefined when none is held there. */
  byId(id: number): StoredFile | undefined {
    return this.columns.isHeldId(id) ? this.columns.view(id) : undefined;
  }

  /** The path of file `id` (a new string per call). */
  pathOf(id: number): string {
    return this.columns.pathOf(id);
  }

  /** keyHash(pathOf(id)), with no string made. */
  pathHash(id: number): number {
    return this.columns.pathHash(id);
  }

  *keys(): IterableIterator<string> {
    for (const id of this.columns.heldIds()) yield this.columns.pathOf(id);
  }

  *values(): IterableIterator<StoredFile> {
    for (const id of this.columns.heldIds()) yield this.columns.view(id);
  }

  *[Symbol.iterator](): IterableIterator<[string, StoredFile]> {
    for (const id of this.columns.heldIds()) yield [this.columns.pathOf(id), this.columns.view(id)];
  }
}
