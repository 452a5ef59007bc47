// The workspace index behind RefIndex: discovery decides which files to read and how, the
// readers turn each into a FileRecord, the store keeps them with their lookups, and the
// persistent cache lets the next start re-read only what changed. In the language server a
// large read goes to worker threads (readPool.ts) and this thread links their records in
// batches with a turn of the event loop between them, so it keeps answering while a large
// workspace is indexed.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArtifactEntry, BlobEntry, EventEntry, FileRecord, FileRole, ManifestEntry, Occurrence, Problem } from '../records';
import type { GraphParams, StatsResult } from '../protocol';
import type { Comparison, Graph, Models, RequestRow, RunRow, Trace } from './answers';
import { initReaders, readFileRecord } from '../readers';
import { keyRulesFor } from '../refs/refRole';
import type { IndexChange, IndexOptions, ListedFolder, RefIndex, RefLocation } from './api';
import { abbreviatesOneOf, CrossFileProblems, mergeProblems } from './crossFileProblems';
import { artifactsNotMatchingNames, discover, markChanged, newFileFinder, type DiscoveredFile, type Discovery } from './discovery';
import { graph } from './graph';
import { PATCHES_MOST, type FileTable, type TableEntry, type TableToSave } from './fileTable';
import { MENTION, type KeySink } from './keyIndex';
import { BUCKETS, bucketOf, deleteCache, filesOfBuckets, hasSavedIndex, loadBucket, loadFileTable, loadRecords, loadSummary, loadSummaryHead, recordsHeaderProblem, recordsProblem, saveCache, type SavedCounts, type SavePause, type SaveSource, type SummaryHead, type TableRead } from './persist';
import { RecordsReader } from './recordsFile';
import type { PlacedFile } from './savedBucket';
import { ANSWERING_SLICE_MS, FILES_PER_PAUSE, runSteps, SLICE_MS, timeSlices } from './timeSlices';
import { ListingKept, type Listed } from './listingKept';
import { changesInPlace, forgetFolderStamps, saveFolderStamps, stampedDiscovery } from './warmCheck';
import { RACY_MS } from './walkRules';
import { heldInTable, movedFolderChanges, type FolderChanges, type HeldFiles } from './movedFolders';
import * as q from './queries';
import { eachReference, lookupText, referringEvents, references, resolve, unresolved } from './resolve';
import type { DescribeOptions, Resolution, ResolvedRun, Unresolved } from './resolution';
import type { RefQuery } from './lookup';
import { KeptWorkers } from './keptWorkers';
import { defaultWorkers, readBatches, readWorkerFile } from './readPool';
import type { ReadJob } from './readRequests';
import { SavedKeys, ScopedLoader, withReferrers, type Companions } from './scopedLoad';
import { searchRuns } from './runs';
import { companionOf, storeStampOnDisk } from '../readers/sqliteWal';
import { MemoryIndex, type IndexCounts, type StoredFile, type StoredRecord } from './memoryIndex';
import { collectGarbage, collectGrownBuffers, relaxHeapGrowth } from '../heapGrowth';
import { traceOf } from '../trace/traceOf';
import { diffTraces } from '../trace/diff';

const DEFAULT_MAX_PARSE = 16 * 1024 * 1024;
/**
 * A lazy start loads only the saved buckets a change touches (see startFromChanges) when at most
 * this many files changed, came or went, and they with the saved files mentioning what changed
 * fall in at most TOUCHED_BUCKETS_MOST buckets: past that, a full load costs little more.
 */
const CHANGED_FILES_MOST = 256;
const TOUCHED_BUCKETS_MOST = BUCKETS / 8;
/** A full start lists up to this many folders whose stamps moved alone (movedFolders.ts); past that, the workspace. */
const MOVED_FOLDERS_MOST = 64;
/**
 * A listing of more files than this is held through its build with V8's own heap growth
 * (relaxHeapGrowth): at 100k files the limited growth cost no CPU, at 1M 8-15% more.
 */
const LARGE_LISTING = 250_000;

/** What saved files add to the counters: their own, and their derived problems' (see startFromChanges). */
type SavedPart = IndexCounts & { dangling: number; added: number };

/** A workspace that differs from the saved index in a few files (see startFromChanges). */
interface ChangedSince {
  summary: SummaryHead;
  changed: DiscoveredFile[];
  gone: TableEntry[];
  /**
   * The saved file table, when the save writes the table of the start's listing (files came or
   * went). Without it (warmStart, or files only changed), the saved table is kept and the
   * changed files' stamps saved beside it.
   */
  files?: FileTable;
}

/** Files a worker reads as one batch (the calling thread links them one at a time, with its pauses). */
const BATCH = 32;
/**
 * Files an update reads on the server's thread between two of its pauses: an artifact takes
 * 0.2-0.4 ms to read and scan, so a batch of 32 held the thread 10-140 ms while an agent wrote.
 */
const UPDATE_BATCH = 4;
/** Fewer files than this are read on the calling thread (readBatches' own default). */
const POOL_FILES = 1024;
/**
 * A build collects the garbage around a batch that brings at least this many rows (a log's, as a
 * log worker packed them: readPool.ts): the columns grown for them leave their old copies, and
 * the packed rows are garbage once appended, ~60 MB at 100k artifacts for the bench's 62 MB audit
 * log, resident until V8's next full collection (heapGrowth.ts collectGarbage). The CLI's cold
 * index at 100k collected twice (44 and 117 ms of wall time at load 9); not in an update, whose
 * logs come in slices (TAIL_SLICE_BYTES) and whose pauses are a hover's wait. At 1M too, though
 * each collection traces what is left of the listing: the audit log lands near the read's end,
 * and the columns' old copies stayed resident under it through the landing.
 */
const LANDING_ROWS = 50_000;
/**
 * The bytes of a grown log read between two turns of the event loop: a slice's worth of
 * events (~40 of the bench agent's 200-byte lines). In one piece, the megabytes an agent
 * appends while an update runs held the thread 300-500 ms; in slices of 64 KB, 15-33 ms of CPU
 * each; 16 KB slices, read with the batch they came in and linked, still overran the time slice
 * (turns of 10-20 ms of CPU while an agent wrote).
 */
const TAIL_SLICE_BYTES = 8 * 1024;
/** Logs and event stores whose previous record lets the reader resume from where it stopped. */
const RESUMABLE: ReadonlySet<FileRole> = new Set(['auditLog', 'ledger', 'eventsJsonl', 'otlpLog', 'sqlite']);
const SAVE_DELAY_MS = 2000;
/** How long saves give way to updates (see saveNow) before one runs to its end while updates wait. */
const SAVE_MAX_DELAY_MS = 60_000;

/** Thrown by a save's pause when an update is waiting: the save is given up and tried again later. */
class SaveGivenWay extends Error {}


/** What a saved index is keyed by: the options that change what is indexed (a saved index made with others is not used). */
export function optionsKeyOf(options: IndexOptions): string {
  return createHash('sha256')
    .update(JSON.stringify([options.folders, options.runtimeRoots, options.stateDirs, options.exclude, options.maxParseBytes, options.maxTextBytes, options.keyLists ?? {}]))
    .digest('hex');
}

class WorkspaceIndex implements RefIndex {
  /** Made anew (with `derived`) when a start that loaded a part of the saved index is done with it (see startFromChanges). */
  private store = new MemoryIndex();
  private derived = new CrossFileProblems(this.store);
  private readonly listeners = new Set<(change: IndexChange) => void>();
  private readonly optionsKey: string;
  /** The last listing (its files let go once the store holds them: see keepListing). */
  private discovery: Discovery = { files: [], roots: [], stateDirs: [], problems: [] };
  /** What the index keeps of the last listing's files (see keepListing). */
  private listed: Listed = { ids: new Int32Array(0), sidecars: [] };
  private cacheLoaded = false;
  /** Set while a start holds only the saved buckets a change touched (see startFromChanges). */
  private partialStart = false;
  /** For `verify` (statArtifacts): the listed artifacts whose bytes no longer hash to their name. */
  private hashMismatches: Set<string> | undefined;
  /** Set when build() found the workspace unchanged and left the saved records on disk (lazy mode). */
  private savedCounts: SavedCounts | undefined;
  /** Meanwhile, the records file they are in (a bare name inside the cache folder). */
  private savedRecords: string | undefined;
  /** The records file the saved records were loaded from, if they were. */
  private loadedRecords: string | undefined;
  /** The saved file table a lazy start read to compare moved folders with, kept for the listing that follows when files came or went there (150 MB at 1M: read once). */
  private tableRead: TableRead | undefined;
  /** Meanwhile, how resolve and trace load just the saved records they need. */
  private scope: ScopedLoader | undefined;
  private readonly dirtyBuckets = new Set<number>();
  /** Limits the heap's growth again, once the large listing a build or update holds is let go (see discover). */
  private heapGrowthBack: (() => void) | undefined;
  /** Files read, dropped or given discovery problems since ready and the last change reported (see emit). */
  private readonly filesChanged = new Set<string>();
  private saveTimer: NodeJS.Timeout | undefined;
  /** When the oldest change not yet saved was made (see scheduleSave). */
  private firstUnsaved: number | undefined;
  /** Updates asked for and not finished: a save gives way to them (see saveNow). */
  private updatesWaiting = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private indexMs = 0;
  private filesRead = 0;
  /**
   * The read workers of a ready index's updates, kept from one to the next (keptWorkers.ts). A
   * build starts its own and closes them as it ends, before its save, where the cold peak is.
   */
  private readonly updateWorkers: KeptWorkers | undefined;
  ready = false;

  constructor(private readonly options: IndexOptions) {
    this.optionsKey = optionsKeyOf(options);
    if (options.readInWorkers) this.updateWorkers = new KeptWorkers(defaultWorkers(), readWorkerFile({ workerFile: options.readWorkerFile }));
  }

  private discover(): Discovery {
    // Sizes and mtimes only decide whether a file the index holds (or a saved index may hold)
    // changed: a file new to the index is read anyway, and its read's fstat gives both.
    const mayBeSaved = !!this.options.cacheDir && !this.cacheLoaded && fs.existsSync(this.options.cacheDir);
    const d = discover({
      ...this.discoveryOptions(),
      needsStat: mayBeSaved ? undefined : (p) => this.store.get(p) !== undefined,
      // Artifacts are write-once: one the index (or the saved index) holds is not stat'ed again.
      trustArtifacts: !this.options.statArtifacts,
    });
    // Held as objects until the build or update that listed it ends (see serial); a small one is
    // held with the growth limited again (a cold build lists with V8's own growth: see build).
    if (d.files.length > LARGE_LISTING) this.heapGrowthBack ??= relaxHeapGrowth();
    else this.limitHeapGrowthAgain();
    return d;
  }

  private discoveryOptions(): IndexOptions & { skipDirs: string[] } {
    return { ...this.options, skipDirs: this.options.cacheDir ? [this.options.cacheDir] : [] };
  }

  /**
   * A build's load or read: undefined when the saved index was taken as it is, else whether the
   * read changed anything. Its own frame holds the listing, so the build's save does not: a
   * cold build's ~110k listed files (path strings, objects, sizes: ~28 MB of heap) were kept
   * alive through the save, where the cold peak is.
   */
  private async loadOrRead(): Promise<boolean | undefined> {
    if (await this.warmStart()) return undefined;
    this.readTableFirst();
    const d = this.discover();
    // `verify` trusts no stamp: bytes changed in place can leave an artifact's size and mtime as
    // they were. A full start reads such files again; a lazy one that finds nothing else changed
    // leaves them saved, and reads again for their problems those the save holds as verified
    // (savedProblemsAndBlobs): a planted mismatch would otherwise cost every verify a changed start.
    if (this.options.statArtifacts && this.options.cacheDir && hasSavedIndex(this.options.cacheDir)) {
      this.hashMismatches = artifactsNotMatchingNames(d.files);
      if (!this.options.lazy) markChanged(d.files, this.hashMismatches);
    }
    const saved = this.loadSavedIndex(d);
    if (saved === true) return undefined;
    if (saved) {
      if (await this.startFromChanges(d, saved)) return undefined;
      this.loadAll(d);
    }
    const changed = await this.sync(d);
    // A full index (the language server) that found exactly the saved index leaves the stamps
    // of this listing for its next start (see warmStart): with nothing to save, no save would.
    if (!changed && this.loadedRecords && this.dirtyBuckets.size === 0) this.saveStamps(this.loadedRecords, d.files.filter((f) => changesInPlace(f.role)));
    return changed;
  }

  /**
   * A lazy start that lists the workspace compares the listing with the saved file table (see
   * loadSavedIndex): read before the listing, the table file's bytes, garbage once decoded (172 MB
   * at 1M files), are collected while the listing is made instead of being held beside it.
   */
  private readTableFirst(): void {
    const { cacheDir, lazy } = this.options;
    if (!cacheDir || !lazy || this.cacheLoaded || this.tableRead) return;
    const { summary } = loadSummaryHead(cacheDir, this.optionsKey);
    const files = summary && loadFileTable(cacheDir, summary);
    if (files) this.tableRead = { head: summary!, files };
  }

  /** Pauses for a long step: shorter slices once ready, when hovers wait for them (see ANSWERING_SLICE_MS). */
  private slices(): () => Promise<void> {
    return timeSlices(this.ready ? ANSWERING_SLICE_MS : SLICE_MS);
  }

  /** Ends a relaxHeapGrowth() of this index's, if one is in effect. */
  private limitHeapGrowthAgain(): void {
    this.heapGrowthBack?.();
    this.heapGrowthBack = undefined;
  }

  /** One build or update at a time: each sees the index the previous one left. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work).finally(() => this.limitHeapGrowthAgain());
    this.queue = run.catch(() => undefined);
    return run;
  }

  build(): Promise<StatsResult> {
    return this.serial(async () => {
      const started = performance.now();
      // A cold build's listing may be large, and its objects grow the heap while it is made (see
      // discover): at 1M files the language server's cold build took 116 s against 72 s with V8's own growth.
      if (!this.options.cacheDir || !hasSavedIndex(this.options.cacheDir)) this.heapGrowthBack ??= relaxHeapGrowth();
      await initReaders();
      this.filesRead = 0;
      const changed = await this.loadOrRead();
      // The listing went with loadOrRead's frame: what follows (the lookups' order, the save)
      // makes garbage, not live objects. At 1M files the cold save's garbage grew ~200 MB
      // between full collections with V8's own growth (peaks of 1,244 MB against ~1,050).
      this.limitHeapGrowthAgain();
      if (changed === undefined) {
        // A full index loaded by the warm check (see warmStart) orders its lookups as a read one does.
        if (this.options.orderLookups && !this.savedCounts) this.store.orderByKey();
        // Buckets whose key index was stale or whose records were read again are saved later, as after a read.
        if (this.dirtyBuckets.size) this.scheduleSave();
        this.indexMs = Math.round(performance.now() - started);
        this.ready = true;
        this.options.onReady?.();
        this.emit(true);
        return this.stats();
      }
      if (this.options.orderLookups) this.store.orderByKey();
      this.indexMs = Math.round(performance.now() - started);
      this.ready = true;
      this.options.onReady?.();
      // A language server's first save gives way to the updates queued behind the build.
      if (!(await this.saveNow(true))) this.scheduleSave();
      if (changed) this.log(`indexed ${this.filesRead} changed files`);
      this.emit(true);
      return this.stats();
    });
  }

  update(paths: string[]): Promise<void> {
    this.updatesWaiting++;
    return this.serial(async () => {
      // Requests answer from the cross-file problems as they were until the update checks its changes at its end, in slices.
      this.derived.holdBack();
      try {
        await this.updateNow(paths);
      } finally {
        this.derived.release();
        this.updatesWaiting--;
      }
    });
  }

  private async updateNow(paths: string[]): Promise<void> {
    await initReaders();
    this.ensureLoaded();
    // Files the index already holds keep their role, and a new artifact or log in a known
    // root has one (see newFileFinder); anything else new (or a folder) may change what is a root, so the
    // workspace is listed again and only the differences are read. A path at a time with the
    // update's pauses: an update that waited while an agent wrote has thousands.
    const pause = this.slices();
    const newFileOf = newFileFinder(this.discovery, this.discoveryOptions());
    const seen = new Set<string>();
    const files: DiscoveredFile[] = [];
    const gone: string[] = [];
    const folders: string[] = [];
    // The held ids of each folder listed alone, found once: each is a pass over every path held (1-2 ms at 1M).
    const heldIn = new Map<string, number[]>();
    let simple = true;
    for (const reported of paths) {
      await pause();
      // A store's WAL changing is its store changing (and its -shm, only SQLite's lock state, nothing).
      const p = this.storeOfCompanion(path.resolve(reported));
      if (seen.has(p)) continue;
      seen.add(p);
      const st = fs.statSync(p, { throwIfNoEntry: false });
      const old = this.store.get(p);
      // A folder the index holds files in (a watcher's events there were lost) is listed alone (see movedFolders.ts).
      if (st?.isDirectory()) {
        const ids = this.store.files.idsIn(p + path.sep);
        if (ids.length) {
          folders.push(p);
          heldIn.set(p + path.sep, ids);
        } else simple = false;
      } else if (!old) {
        const file = st?.isFile() ? newFileOf(p) : undefined;
        // Its size as stat'ed: how far a new log is read in slices (readChanged).
        if (file) files.push({ ...file, size: st!.size });
        else simple = false;
      } else if (!st?.isFile()) gone.push(p);
      else {
        const { size, mtimeMs } = old.role === 'sqlite' ? storeStampOnDisk(p, st) : st;
        files.push({ path: p, role: old.role, root: old.root, size, mtimeMs });
      }
      if (!simple) break;
    }
    const inFolders = simple && folders.length ? await this.folderChanges(folders, { ...this.heldInStore(), idsIn: (dir) => heldIn.get(dir) ?? this.store.files.idsIn(dir) }, newFileOf, undefined, pause) : undefined;
    if (inFolders) {
      for (const f of inFolders.added) if (!seen.has(f.path)) files.push(f.role === 'artifact' ? f : { ...f, size: fs.statSync(f.path, { throwIfNoEntry: false })?.size ?? 0 });
      for (const p of inFolders.gone) if (!seen.has(p)) gone.push(p);
    } else if (folders.length) simple = false;
    let changed: boolean;
    if (simple) {
      const storesTouched = new Set(gone.map((p) => this.store.get(p)!).filter((s) => s.role === 'fileStoreBlob').map((s) => s.root));
      for (const p of gone) this.forget(p);
      changed = (await this.readChanged(files, storesTouched, this.listed.sidecars, pause)) || gone.length > 0;
    } else {
      changed = await this.sync(this.discover());
    }
    if (changed) {
      await this.derived.refreshInSlices(pause);
      this.scheduleSave();
      this.emit();
    }
  }

  async rebuild(): Promise<StatsResult> {
    await this.serial(async () => {
      for (const p of [...this.store.files.keys()]) this.forget(p);
      this.cacheLoaded = true; // nothing to load: rebuilding from scratch
      this.savedCounts = undefined;
      if (this.options.cacheDir) {
        forgetFolderStamps(this.options.cacheDir);
        deleteCache(this.options.cacheDir);
      }
    });
    return this.build();
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      await this.saveNow();
    });
    await this.updateWorkers?.close();
    this.listeners.clear();
  }

  onDidChange(listener: (change: IndexChange) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Tells the listeners: after a build, that anything may have changed; after an update, whose
   * problems may have (the files read, but for new ones without problems of their own, or
   * dropped, those whose cross-file problems changed, and
   * those with discovery problems before or after), so that diagnostics are sent for those only.
   */
  private emit(built = false): void {
    if (this.listeners.size === 0) return;
    const problemFiles = this.derived.drainChanged();
    for (const p of this.filesChanged) problemFiles.add(p);
    this.filesChanged.clear();
    const change: IndexChange = built ? {} : { problemFiles };
    for (const l of this.listeners) l(change);
  }

  private log(message: string): void {
    this.options.onProgress?.(0, 0, message);
  }

  /**
   * Brings in the persistent index on the first build. Returns true when the workspace is
   * exactly as saved and, in lazy mode, the records were left on disk until a query needs them.
   */
  private loadSavedIndex(d: Discovery): boolean | ChangedSince {
    if (this.cacheLoaded || !this.options.cacheDir) return false;
    this.cacheLoaded = true;
    if (this.options.lazy) {
      const { summary, discarded } = loadSummary(this.options.cacheDir, this.optionsKey, this.tableRead);
      this.tableRead = undefined;
      if (discarded) {
        this.log(discarded);
        return false;
      }
      // Read with the changed files, when there are any.
      const changed = !!summary && !summary.files.matches(d.files);
      if (changed && this.hashMismatches) markChanged(d.files, this.hashMismatches);
      if (summary && !changed) {
        // Records left on disk must be whole: a damaged bucket's files are read again now, not
        // found missing by the first query.
        const problem = recordsProblem(this.options.cacheDir, summary);
        if (!problem) {
          this.leaveSaved(d, summary);
          // The saved index is this listing: the next start can trust its folder stamps.
          this.saveStamps(summary.records, d.files.filter((f) => changesInPlace(f.role)));
          return true;
        }
        this.log(problem);
      } else if (summary && !recordsHeaderProblem(this.options.cacheDir, summary)) {
        const diff = summary.files.differences(d.files, CHANGED_FILES_MOST);
        // When files only changed (none came or went), the saved table is kept, their stamps saved beside it.
        const sameFiles = diff && diff.added === 0 && diff.gone.length === 0 && summary.patches.length + diff.changed.length <= PATCHES_MOST;
        if (diff) return { summary, changed: diff.changed, gone: diff.gone, files: sameFiles ? undefined : summary.files };
      }
    }
    this.loadAll(d);
    return false;
  }

  /** Loads every saved record for the listing `d`. */
  private loadAll(d: Discovery): void {
    // The saved files are about those listed: the file columns and path table are sized once.
    this.store.expectFiles(d.files.length);
    this.loadRecords();
  }

  /**
   * The first build over a workspace whose folders are as stamped (the warm check, warmCheck.ts),
   * without listing it; `verify` (statArtifacts) never starts this way. The discovery kept names
   * only the files that change in place (the artifacts are in the saved records). False, with
   * nothing done, when the start is not of that kind.
   *
   * Unchanged since the save: a lazy index leaves the saved records on disk; a full one (the
   * language server) loads them all now: its listing made an object and a path string per file
   * only to find what the stamps had said (the lsp bench's warm ready at 141k files: 6.1-7.7 s
   * and 433-439 MB listing, 3.7 s and 303 MB from the stamps).
   *
   * A few files that change in place did (a log appended to, a note edited where it lies): they
   * are read without a listing too (at 300k files one appended log cost a listing, 1.5 s, and
   * the file table compared and written, 3 s, as if any folder had changed). A lazy start reads
   * them as startFromChanges reads a change, and keeps the saved file table, the changed stamps
   * saved beside it; a full one loads every saved record and reads them as an update would.
   */
  private async warmStart(): Promise<boolean> {
    const { cacheDir, lazy, statArtifacts } = this.options;
    if (!cacheDir || statArtifacts || this.cacheLoaded) return false;
    const { summary } = loadSummaryHead(cacheDir, this.optionsKey);
    const found = summary && stampedDiscovery(cacheDir, this.optionsKey, summary.records, CHANGED_FILES_MOST, MOVED_FOLDERS_MOST);
    if (!found) return false;
    const { changed, moved } = found;
    let d = found.discovery;
    if (lazy && moved.length) {
      const asSaved = await this.movedAsSaved(d, summary!, moved);
      if (!asSaved) return false;
      d = asSaved;
    }
    // Only a lazy start with nothing changed leaves the key index unread, so only it checks the index here.
    if ((lazy && changed.length === 0 ? recordsProblem : recordsHeaderProblem)(cacheDir, summary!)) return false;
    if (!lazy || changed.length === 0) {
      this.cacheLoaded = true;
      this.leaveSaved(d, summary!);
      if (!lazy) this.ensureLoaded();
      // Folders that moved are listed alone (a lazy start's were, by movedAsSaved); when what came or went there may change the roots, the workspace is listed (into the loaded store).
      const inMoved = moved.length && !lazy ? await this.movedChanges(moved, this.heldInStore()) : { added: [], gone: [] };
      if (!inMoved) return false;
      for (const p of inMoved.gone) this.forget(p);
      const toRead = changed.concat(inMoved.added);
      if (toRead.length) await this.readChanged(toRead, new Set(), d.files);
      // Moved folders that hold what the saved index holds: their new stamps spare the next start listing them (a change is saved with them).
      else if (moved.length && inMoved.gone.length === 0) this.saveStamps(summary!.records, d.files);
      return true;
    }
    if (summary!.patches.length + changed.length > PATCHES_MOST) return false;
    this.cacheLoaded = true;
    if (await this.startFromChanges(d, { summary: summary!, changed, gone: [] })) return true;
    // Then as any start: listed, and the saved index loaded whole.
    this.cacheLoaded = false;
    return false;
  }

  /**
   * For a lazy start: `d` with the new stamps of folders `moved` when they hold the files the
   * saved table has there (a note renamed over, as an editor saves it, moves its folder; the
   * note itself is among the changed files, found by its stamps), listed alone and compared
   * with the table as movedChanges compares them with a store. Undefined when files came or
   * went there, or when that cannot be told without a listing: the workspace is listed (the
   * save then writes the listing's file table). At 1M files one note renamed over was a
   * listing of the workspace, 6.5 s and 1 GB.
   */
  private async movedAsSaved(d: Discovery, summary: SummaryHead, moved: string[]): Promise<Discovery | undefined> {
    const table = loadFileTable(this.options.cacheDir!, summary);
    if (!table) return undefined;
    this.discovery = d;
    const inMoved = await this.movedChanges(moved, heldInTable(table, moved));
    if (inMoved && inMoved.added.length === 0 && inMoved.gone.length === 0) return this.discovery;
    // The listing that follows compares itself with the same table.
    this.tableRead = { head: summary, files: table };
    return undefined;
  }

  /**
   * What came and went in the folders `moved` of a loaded store (see movedFolders.ts); the
   * discovery then holds their new stamps, listed now. Undefined when the workspace must be listed.
   */
  private async movedChanges(moved: string[], held: HeldFiles): Promise<FolderChanges | undefined> {
    const listedAt = Date.now();
    let known: Set<string> | undefined;
    // Each stamped folder is checked on its own: a subfolder of one that moved is listed only if it moved too.
    const changes = await this.folderChanges(moved, held, newFileFinder(this.discovery, this.discoveryOptions()), (dir) => (known ??= new Set(this.discovery.folders?.map((f) => f.path))).has(dir));
    if (!changes) return undefined;
    const stamps = new Map(changes.stamps.map((s) => [s.path, s]));
    // Every other folder was as stamped at this moment: the stamps are this listing's, taken from here.
    this.discovery = { ...this.discovery, folders: this.discovery.folders!.map((f) => stamps.get(f.path) ?? f), listedAt };
    return changes;
  }

  /**
   * What came and went in folders `dirs` against the store (movedFolders.ts). `knownFolder`: the
   * subfolders passed over (checked on their own); without it, a subfolder sends the caller to a
   * listing of the workspace (an update cannot tell a subfolder swapped for another).
   */
  private folderChanges(dirs: string[], held: HeldFiles, newFileOf: (p: string) => DiscoveredFile | undefined, knownFolder: (dir: string) => boolean = () => false, pause?: () => Promise<void>): Promise<FolderChanges | undefined> {
    const skipDirs = this.options.cacheDir ? [path.resolve(this.options.cacheDir)] : [];
    return movedFolderChanges(dirs, {
      ...held,
      newFileOf,
      knownFolder,
      skipped: (p) => skipDirs.some((s) => p === s || p.startsWith(s + path.sep)),
      roots: new Set(this.discovery.roots),
    }, pause);
  }

  /** The files the store holds, by folder. */
  private heldInStore(): HeldFiles {
    return {
      idsIn: (dir) => this.store.files.idsIn(dir),
      idOf: (p) => this.store.fileIdOf(p),
      fileOf: (id) => {
        const f = this.store.fileById(id)!;
        return { path: this.store.files.pathOf(id), role: f.role, root: f.root };
      },
    };
  }

  /** Answers from the saved records, left on disk until a query needs them (lazy mode). */
  private leaveSaved(d: Discovery, summary: Pick<SummaryHead, 'records' | 'counts'>): void {
    this.discovery = d;
    this.savedCounts = summary.counts;
    this.savedRecords = summary.records;
    const preload = d.files.filter((f) => f.role === 'runState' || f.role === 'snapshotFile').map((f) => f.path);
    this.scope = new ScopedLoader(new SavedKeys(this.options.cacheDir!, summary.records), this.store, preload);
  }

  /**
   * A lazy start over a workspace a few files of which changed since the save (a note edited,
   * a log appended, an artifact added or removed): only the saved buckets the change touches
   * are loaded, with the files read again, not the whole index (at 100k files, one edited note
   * cost a full load: 10 s and 421 MB). Those are the buckets of the changed files, and of the
   * saved files mentioning a key whose target appeared or vanished (their dangling refs
   * change), found in the saved key index; the targets the check of the changes looks up are
   * loaded as a scoped query loads them. The dirty buckets are saved re-encoded, the others
   * copied, the saved counters moved by what the loaded buckets' counts moved; then the index
   * answers from the new save as from an unchanged one. False, with the store emptied, when
   * the change is not of that kind (see the cases below): the caller loads everything.
   */
  private async startFromChanges(d: Discovery, since: ChangedSince): Promise<boolean> {
    const { summary, changed, gone } = since;
    // A file-store blob changed has its store's sidecars, anywhere, read again (withSidecarsOf).
    if (changed.some((f) => f.role === 'fileStoreBlob') || gone.some((f) => f.role === 'fileStoreBlob')) return false;
    const cacheDir = this.options.cacheDir!;
    const held = new Set<number>();
    for (const f of changed) held.add(bucketOf(f.path));
    for (const f of gone) held.add(bucketOf(f.path));
    if (held.size > TOUCHED_BUCKETS_MOST) return false;
    const keys = new SavedKeys(cacheDir, summary.records);
    const scope = new ScopedLoader(keys, this.store, [], held);
    this.partialStart = true;
    // The check starts from the saved problems of the files loaded (seedMore), and checks the changes made after this.
    this.derived.seed(new Map());
    try {
      // The key index first, whole: a damaged one loads everything (a save would refer to its buckets).
      keys.all();
      const before = this.loadBuckets(summary.records, held);
      if (!before) return this.startAgain();
      for (const f of gone) this.forget(f.path);
      await this.readChanged(changed, new Set(), []);
      const { keys: changedKeys } = this.store.pendingChanges();
      // Abbreviated refs resolve against every digest: those abbreviating a digest that came or went are checked against all of them.
      if (this.abbreviationsChange(changedKeys, keys, held)) return this.startAgain();
      // Saved files mentioning a key whose target appeared or vanished: their problems change, so their buckets are saved again.
      const mentioning = scope.bucketsAnswering(Array.from(changedKeys, (k) => MENTION + k));
      const more = new Set([...mentioning].filter((b) => !held.has(b)));
      if (held.size + more.size > TOUCHED_BUCKETS_MOST) return this.startAgain();
      for (const b of more) held.add(b);
      const moreCounts = this.loadBuckets(summary.records, more);
      if (!moreCounts) return this.startAgain();
      addCounts(before, moreCounts);
      // The targets the check of the changes will look up, loaded from the other buckets as a scoped query loads them.
      if (!this.store.untracked(() => scope.run(() => this.derived.lookAhead()))) return this.startAgain();
      for (const p of this.derived.drainTouched()) this.dirtyBuckets.add(bucketOf(p));
      if ([...this.dirtyBuckets].some((b) => !held.has(b))) return this.startAgain();
      const after = { ...this.store.countsOf((p) => held.has(bucketOf(p))), ...this.derived.heldCounts() };
      const s = summary.counts;
      // The table sizes stay the saved ones: they only size a full load's room.
      const counts: SavedCounts = {
        artifacts: s.artifacts + after.artifacts - before.artifacts,
        refs: s.refs + after.refs - before.refs,
        events: s.events + after.events - before.events,
        blobs: s.blobs + after.blobs - before.blobs,
        dangling: s.dangling + after.dangling - before.dangling,
        problems: s.problems + after.problems - before.problems + after.added - before.added,
        tables: s.tables,
      };
      this.discovery = d;
      forgetFolderStamps(cacheDir);
      const changeable: TableEntry[] = [];
      const records = await saveCache(cacheDir, this.optionsKey, this.store.files, this.dirtyBuckets, counts, this.saveSource(), this.tableToSave(d, since, changeable), this.savePause(false), true);
      this.saveStamps(records, changeable);
      this.newStore();
      this.leaveSaved(d, { records, counts });
      this.log(`indexed ${this.filesRead} changed files`);
      return true;
    } catch (err) {
      this.log(`could not save the changes alone (${(err as Error).message}); loading the whole saved index`);
      return this.startAgain();
    } finally {
      this.partialStart = false;
    }
  }

  /**
   * Whether an abbreviated ref, held or saved in the other buckets, abbreviates one of the `sha256:`
   * keys among `keys`. The saved ones are loaded for it into a store of their own, as a scoped query loads them.
   */
  private abbreviationsChange(keys: ReadonlySet<string>, savedKeys: SavedKeys, held: ReadonlySet<number>): boolean {
    if (![...keys].some((k) => k.startsWith('sha256:'))) return false;
    if (runSteps(abbreviatesOneOf(this.store.abbreviatedKeys(), keys))) return true;
    const store = new MemoryIndex();
    const found = new ScopedLoader(savedKeys, store, [], held).run(() => runSteps(abbreviatesOneOf(store.abbreviatedKeys(), keys)));
    return found?.result !== false;
  }

  /**
   * Loads saved buckets `buckets` whole, with their derived problems. Returns what they add to
   * the counters; undefined when one is damaged. Untracked: as saved, they are no change for the check.
   */
  private loadBuckets(records: string, buckets: ReadonlySet<number>): SavedPart | undefined {
    return this.store.untracked(() => this.loadBucketsNow(records, buckets));
  }

  private loadBucketsNow(records: string, buckets: ReadonlySet<number>): SavedPart | undefined {
    const reader = RecordsReader.open(path.join(this.options.cacheDir!, records), BUCKETS);
    if (!reader) return undefined;
    const saved = new Map<string, Problem[]>();
    try {
      for (const b of buckets) if (loadBucket(reader, b, this.store, saved).damaged) return undefined;
    } finally {
      reader.close();
    }
    const derived = this.derived.heldCounts();
    this.derived.seedMore(saved, this.pathsIn(buckets));
    const now = this.derived.heldCounts();
    return { ...this.store.countsOf((p) => buckets.has(bucketOf(p))), dangling: now.dangling - derived.dangling, added: now.added - derived.added };
  }

  /** The held files of `buckets`. */
  private pathsIn(buckets: ReadonlySet<number>): string[] {
    const out: string[] = [];
    for (const id of this.store.files.ids()) {
      const p = this.store.files.pathOf(id);
      if (buckets.has(bucketOf(p))) out.push(p);
    }
    return out;
  }

  /**
   * The file table a start after a change saves: the listing's (listedEntries), or without one
   * (warmStart) the saved table kept, the stamps of the files read saved beside it. Those
   * that change in place are also put in `changeable`, as the store now holds them.
   */
  private tableToSave(d: Discovery, { summary, changed, files }: ChangedSince, changeable: TableEntry[]): TableToSave {
    // One entry per listed file (asListed throws on a file neither read nor saved).
    if (files) return { entries: this.listedEntries(d, files, changed, changeable), count: d.files.length };
    const read = new Map(changed.map((f) => [f.path, this.storedEntry(f) ?? f]));
    for (const f of d.files) if (changesInPlace(f.role)) changeable.push(read.get(f.path) ?? f);
    const patches = new Map(summary.patches.map((e) => [e.path, e]));
    for (const [p, e] of read) patches.set(p, { path: p, size: e.size, mtimeMs: e.mtimeMs, role: e.role, root: e.root });
    return { kept: summary.table, patches: [...patches.values()] };
  }

  /** The stamps of `f` as the store holds it (its size as read: a log grows meanwhile). */
  private storedEntry(f: DiscoveredFile): TableEntry | undefined {
    const s = this.store.get(f.path);
    return s && { path: f.path, size: s.size, mtimeMs: s.mtimeMs, role: s.role, root: s.root };
  }

  /**
   * Every listed file as the save's table lists it: those read as the store holds them, the
   * others as saved. Those that change in place are also put in `changeable`.
   */
  private *listedEntries(d: Discovery, saved: FileTable, read: readonly DiscoveredFile[], changeable: TableEntry[]): Iterable<TableEntry> {
    const wasRead = new Set(read.map((f) => f.path));
    for (const e of saved.asListed(d.files, (f) => (wasRead.has(f.path) ? this.storedEntry(f) : undefined))) {
      if (changesInPlace(e.role)) changeable.push(e);
      yield e;
    }
  }

  /** Empties the store after a start that held a part of the saved index; returns false for the caller. */
  private startAgain(): false {
    this.newStore();
    this.filesRead = 0;
    return false;
  }

  private newStore(): void {
    this.store = new MemoryIndex();
    this.derived = new CrossFileProblems(this.store);
    this.dirtyBuckets.clear();
    this.filesChanged.clear();
  }

  /** Loads every saved record; returns the damaged buckets (their files are not in the store). */
  private loadRecords(): number[] {
    const loaded = loadRecords(this.options.cacheDir!, this.optionsKey, this.store);
    this.loadedRecords = loaded.records;
    if (loaded.discarded) this.log(loaded.discarded);
    for (const m of loaded.messages) this.log(m);
    // Rewritten on the next save (with the files read again), never copied forward.
    for (const b of loaded.damaged) this.dirtyBuckets.add(b);
    for (const b of loaded.stale) this.dirtyBuckets.add(b);
    this.store.settle();
    // Only a store holding exactly the saved records may take the saved derived problems.
    if (loaded.files && this.store.files.size === loaded.files) this.derived.seed(loaded.derived);
    return loaded.damaged;
  }

  /** Every query first makes sure the records a lazy build left on disk are in memory. */
  private ensureLoaded(): void {
    if (!this.savedCounts) return;
    this.savedCounts = undefined;
    this.savedRecords = undefined;
    this.scope?.discard();
    this.scope = undefined;
    // A lazy start checks a bucket's checksum only when it loads it (recordsProblem): one found
    // damaged now has its files read here, while the query waits (a damaged cache is rare).
    const damaged = this.loadRecords();
    if (damaged.length) this.readNow(filesOfBuckets(this.options.cacheDir!, this.optionsKey, damaged));
    this.keepListing();
  }

  /** Reads saved files again in this thread, now (see ensureLoaded). */
  private readNow(files: TableEntry[]): void {
    const maxParseBytes = this.options.maxParseBytes ?? DEFAULT_MAX_PARSE;
    const keyRules = keyRulesFor(this.options.keyLists);
    for (const f of files) {
      // One gone since the save is left out, as a listing would leave it out.
      if (!fs.existsSync(f.path)) continue;
      const role = f.role as FileRole;
      this.store.set(f.path, { record: readFileRecord(f.path, role, { root: f.root, maxParseBytes, keyRules }), root: f.root });
      this.dirtyBuckets.add(bucketOf(f.path));
      if (this.ready) this.filesChanged.add(f.path);
      this.filesRead++;
    }
    if (files.length) this.scheduleSave();
  }

  /**
   * A query over records still on disk loads just the ones it asks for (scopedLoad.ts); one
   * that needs the whole index, or saved files that fail, load everything first.
   */
  private scoped<T>(query: () => T, companions?: Companions): T {
    if (this.savedCounts && this.scope) {
      try {
        const answered = this.scope.run(query, companions);
        if (answered) return answered.result;
      } catch (err) {
        this.log(`could not load part of the saved index (${(err as Error).message}); loading all of it`);
      }
    }
    this.ensureLoaded();
    return query();
  }

  /** The SQLite store `p` belongs to when it is a held store's `-wal` or `-shm`, else `p`. */
  private storeOfCompanion(p: string): string {
    const db = companionOf(p);
    return db !== undefined && this.store.get(db)?.record.role === 'sqlite' ? db : p;
  }

  private forget(p: string): void {
    if (this.store.remove(p)) this.dirtyBuckets.add(bucketOf(p));
    if (this.ready) this.filesChanged.add(p);
  }

  /** Brings the store in line with a fresh discovery: drops vanished files, reads changed ones. */
  private async sync(d: Discovery): Promise<boolean> {
    if (this.ready) for (const p of this.discovery.problems.concat(d.problems)) this.filesChanged.add(p.file);
    this.discovery = d;
    const storesTouched = new Set<string>();
    let changed = false;
    // A cold build has nothing to drop: no Set of 100k paths for it.
    if (this.store.files.size) {
      // By store id: the held paths are not made into strings to be compared with the listing's.
      const present = new Set<number>();
      for (const f of d.files) {
        const id = this.store.fileIdOf(f.path);
        if (id !== undefined) present.add(id);
      }
      // Ids only (a view per held file cost a warm start of 1M files seconds of garbage), collected before any is forgotten.
      const gone: StoredFile[] = [];
      for (const id of this.store.files.ids()) if (!present.has(id)) gone.push(this.store.fileById(id)!);
      for (const old of gone) {
        if (old.role === 'fileStoreBlob') storesTouched.add(old.root);
        this.forget(old.record.path);
        changed = true;
      }
    }
    // A build into an empty store reads every listed file, each its own job: the read takes the
    // listing and lets go of each file once read (readBatches' takeJobs), keeping what later work
    // needs of it as it goes. Held to the end of the read, a listed file was ~270 bytes of heap:
    // 28 MB at 100k, ~280 MB at 1M, where the cold peak is.
    const handedOver = this.store.files.size === 0 && !this.partialStart && !this.ready ? new ListingKept(d.files) : undefined;
    const read = await this.readChanged(d.files, storesTouched, d.files, undefined, handedOver);
    // After a listing of everything (a build), the columns give back their spare room; not after
    // each watcher batch, where the room let go would be taken again, copying every row, by the next.
    if (read) this.store.settle();
    this.keepListing(handedOver);
    return read || changed;
  }

  /**
   * Keeps of the last listing's files what later work needs: the held ones' ids in listed order
   * (the order a save lists them in: tableEntries) and the sidecars (read again when their
   * store's bytes change: withSidecarsOf). The listing's own objects, a path string and an
   * object per file (~260 bytes each), are let go: the store holds each path once. A read that
   * took the listing (`kept`: a cold build) kept this as it went.
   */
  private keepListing(kept?: ListingKept): void {
    this.listed = kept?.listed() ?? this.listedNow();
    this.discovery = { ...this.discovery, files: [] };
  }

  /** What keepListing keeps, looked up for each file of the last listing. */
  private listedNow(): Listed {
    const files = this.discovery.files;
    const ids = new Int32Array(files.length);
    let n = 0;
    for (const f of files) {
      const id = this.store.fileIdOf(f.path);
      if (id !== undefined) ids[n++] = id;
    }
    return { ids: ids.slice(0, n), sidecars: files.filter((f) => f.role === 'sidecar') };
  }

  /**
   * A sidecar's verification depends on its bytes file: when a store's `.bin` files change,
   * appear or vanish, that store's sidecars are read again too.
   */
  private withSidecarsOf(todo: DiscoveredFile[], storesTouched: Set<string>, candidates: Iterable<DiscoveredFile>): DiscoveredFile[] {
    for (const f of todo) if (f.role === 'fileStoreBlob') storesTouched.add(f.root);
    if (storesTouched.size === 0) return todo;
    const queued = new Set(todo.map((f) => f.path));
    const more: DiscoveredFile[] = [];
    for (const f of candidates) if (f.role === 'sidecar' && storesTouched.has(f.root) && !queued.has(f.path)) more.push(f);
    return todo.concat(more);
  }

  private unchanged(f: DiscoveredFile, old: StoredFile | undefined): boolean {
    // From the columns: a record made per listed file would make its path string again too.
    if (!old || old.root !== f.root || old.role !== f.role) return false;
    // An artifact discovery trusted (write-once, not stat'ed) is the one the index holds.
    if (f.role === 'artifact' && Number.isNaN(f.size)) return true;
    return old.size === f.size && old.mtimeMs === f.mtimeMs;
  }

  /**
   * `sidecars`: the listed files among which a touched store's sidecars are found (see
   * withSidecarsOf). `pause` is taken between files as they are compared with the store (a
   * listing of 141k files, or the thousands of paths of an update that waited) and between batches.
   */
  private async readChanged(files: DiscoveredFile[], storesTouched: Set<string>, sidecars: readonly DiscoveredFile[], pause = this.slices(), handedOver?: ListingKept): Promise<boolean> {
    // A store that holds nothing (a cold build) holds none of these files: no path is looked up
    // for each of them, here or below (a lookup hashes the path: 109k files looked up twice).
    const holdsNone = this.store.files.size === 0 && !this.partialStart;
    const changedFiles: DiscoveredFile[] = handedOver ? files : [];
    // A pause every few dozen files: a file's comparison (and its job, below) is a lookup, and a
    // pause per file was a promise and a clock reading per file (2 x 109k in a cold build).
    for (let i = 0; !handedOver && i < files.length; i++) {
      const f = files[i];
      if (holdsNone || !this.unchanged(f, this.store.get(f.path))) changedFiles.push(f);
      if ((i + 1) % FILES_PER_PAUSE === 0) await pause();
    }
    // Into an empty store every listed file is read, the sidecars among them: none to add (the
    // check of a cold build made a Set of its 109k paths to find that).
    const todo = holdsNone && sidecars === files ? changedFiles : this.withSidecarsOf(changedFiles, storesTouched, sidecars);
    const toRead = todo.length;
    const maxParseBytes = this.options.maxParseBytes ?? DEFAULT_MAX_PARSE;
    /** Each grown log's size as listed: its slices go on to there (what is appended later comes with a later update). */
    const listedSize = new Map<string, number>();
    let jobs: ReadJob[] = handedOver ? files : [];
    for (let i = 0; !handedOver && i < todo.length; i++) {
      const f = todo[i];
      const old = holdsNone ? undefined : this.store.get(f.path);
      if (!old || old.role !== f.role || old.root !== f.root || !RESUMABLE.has(f.role)) {
        // A log new to a ready index is read in slices too, from its start: in the server that
        // watches for itself, the agent's log first came with an update 20k lines long (0.6-0.95 s in one piece).
        if (this.ready && RESUMABLE.has(f.role) && f.size > 0) {
          listedSize.set(f.path, f.size);
          jobs.push({ ...f, tailBytes: TAIL_SLICE_BYTES });
        } else jobs.push(f); // a discovered file is its own job
      } else {
        listedSize.set(f.path, f.size);
        jobs.push(this.tailJob(f.path, old));
      }
      if ((i + 1) % FILES_PER_PAUSE === 0) await pause();
    }
    let done = 0;
    const collectsLandings = !this.ready;
    while (jobs.length) {
      const rest: ReadJob[] = [];
      const inThread = !this.options.readInWorkers || jobs.length < POOL_FILES;
      const batchSize = this.ready && inThread ? UPDATE_BATCH : BATCH;
      const workers = this.options.readInWorkers ? { keptWorkers: this.ready ? this.updateWorkers : undefined, workerFile: this.options.readWorkerFile } : { workers: 0 };
      for await (const batch of readBatches(jobs, { maxParseBytes, keyLists: this.options.keyLists, batchSize, minPoolFiles: POOL_FILES, packRows: true, takeJobs: !!handedOver, spillDir: this.options.cacheDir, ...workers })) {
        const rows = await this.roomFor(batch.records, pause);
        // A log's rows landing in a build (no request waits on it): the columns' old copies that
        // made room for them, and the strings they came with, are collected before the rows are
        // appended, the packed rows after.
        const landing = collectsLandings && rows >= LANDING_ROWS;
        if (landing) {
          this.store.internStrings(batch.records);
          collectGarbage();
        }
        const continued = rest.length;
        // A record at a time with the pauses between: a worker's batch of 32 linked in one piece held the thread 30-190 ms.
        for (let i = 0; i < batch.records.length; i++) {
          const record = batch.records[i];
          const { path: p, root, role } = batch.jobs[i];
          // Should the store not hold what a tail continues, the log is read whole after all.
          // A file new to the index with no problems of its own shows none before or after: not
          // reported as changed (an agent's 20k artifacts cost the listeners 13-16 ms a batch).
          // Only an update reports changes: a build does not look each path up for it (109k lookups in a cold build).
          const quiet = !this.ready || (this.store.fileIdOf(p) === undefined && record.problems.length === 0);
          if (!record.tailOf) {
            // Its id as set() found it: a cold build's 109k paths are hashed once, not looked up again.
            const id = this.store.set(p, { record, root });
            handedOver?.held(id);
            if (this.stoppedShort(record, listedSize.get(p))) rest.push(this.tailJob(p, this.store.get(p)!));
          } else if (!this.store.extend(p, record)) this.store.set(p, { record: readFileRecord(p, role, { root, maxParseBytes, keyRules: keyRulesFor(this.options.keyLists) }), root });
          else if (record.tailOf.more && !(record.size >= listedSize.get(p)!)) rest.push(this.tailJob(p, this.store.get(p)!));
          this.markDirty(p, holdsNone);
          if (!quiet) this.filesChanged.add(p);
          await pause();
        }
        if (landing) collectGarbage();
        // An update's rows once appended, and the old copies of the columns grown for them (see collectGrownBuffers).
        if (this.ready) collectGrownBuffers();
        // A log read on in a later slice counts once, when read to its end.
        const finished = batch.records.length - (rest.length - continued);
        this.filesRead += finished;
        done += finished;
        this.options.onProgress?.(done, toRead, `indexed ${path.basename(batch.jobs[batch.jobs.length - 1].path)}`);
        await pause();
      }
      jobs = rest;
    }
    return toRead > 0;
  }

  /**
   * Marks the bucket `p` is saved in to be written again. Into a store that held nothing every
   * file read is new: all the buckets are marked at once, and no path is hashed for its bucket
   * (a cold build's 109k paths took 150-600 ms). Buckets none of them falls in are written as
   * unmarked ones are: copied from the previous save, if any.
   */
  private markDirty(p: string, heldNone: boolean): void {
    if (!heldNone) this.dirtyBuckets.add(bucketOf(p));
    else if (this.dirtyBuckets.size < BUCKETS) for (let b = 0; b < BUCKETS; b++) this.dirtyBuckets.add(b);
  }

  /**
   * Whether a log read from its start in slices (a job with `tailBytes`) stopped before the size
   * it was listed with: its next slice follows as a tail read. A read that stopped ends at its
   * resume point, after at least one line, so every slice moves on.
   */
  private stoppedShort(record: FileRecord, listed: number | undefined): boolean {
    return listed !== undefined && record.resume !== undefined && record.resume.offset === record.size && record.size > 0 && record.size < listed;
  }

  /**
   * A log that only grew is read from where it stopped, for its new rows only (the store keeps
   * the rows it has), TAIL_SLICE_BYTES at a time: the next slice is read after a turn of the
   * event loop, and requests meanwhile see the rows read so far, as if the agent had written less.
   */
  private tailJob(p: string, old: StoredFile): ReadJob {
    return { path: p, role: old.role, root: old.root, previous: { ...old.record, occurrences: [], events: [] }, tailOnly: true, tailBytes: TAIL_SLICE_BYTES };
  }

  /** Makes room in the store's columns and tables for `records` before they are stored, a slice at a time; returns their rows (occurrences and events). */
  private async roomFor(records: readonly FileRecord[], pause: () => Promise<void>): Promise<number> {
    const need = { files: records.length, artifacts: 0, occurrences: 0, events: 0, keys: 0, keptOccurrences: 0, keptEvents: 0 };
    for (const r of records) {
      const artifacts = r.artifacts?.length ?? 0;
      const occurrences = r.rows?.occurrenceCount ?? r.occurrences.length;
      const events = r.rows?.eventCount ?? r.events?.length ?? 0;
      need.artifacts += artifacts;
      need.occurrences += occurrences;
      need.events += events;
      // Each artifact, and each ref or event not yet packed (its run, its subject), may bring a
      // new key. Not in a build: nothing waits on its pauses, and the key tables grown as keys
      // come are the size they need. Counted ahead, a log's strings (most of them held already)
      // doubled the digest slots for nothing: at 1M, 8M slots (32 MB, filled) for 2.13M digests.
      if (this.ready) need.keys += artifacts + (r.rows?.keyCount ?? occurrences + events);
      need.keptOccurrences += r.tailOf?.occurrences ?? 0;
      need.keptEvents += r.tailOf?.events ?? 0;
    }
    await this.store.makeRoom(need, pause);
    return need.occurrences + need.events;
  }

  /**
   * Every file held, as the summary saves it: in discovery order, then any the last discovery
   * did not list: each once, store.files.size of them. Those that change in place are also put in
   * `changeable` (see warmCheck.ts).
   */
  private *tableEntries(changeable: TableEntry[]): Iterable<TableEntry> {
    let listed = 0;
    const entry = (f: StoredFile): TableEntry => {
      // From the columns: the record would be made whole for it (a capsule's groups too).
      const e = { path: this.store.files.pathOf(f.id), size: f.size, mtimeMs: f.mtimeMs, role: f.role, root: f.root };
      if (changesInPlace(e.role)) changeable.push(e);
      return e;
    };
    for (const id of this.listed.ids) {
      const f = this.store.fileById(id);
      if (!f) continue;
      listed++;
      yield entry(f);
    }
    if (listed === this.store.files.size) return;
    const seen = new Set(this.listed.ids);
    for (const f of this.store.files.values()) if (!seen.has(f.id)) yield entry(f);
  }

  /**
   * Saves once changes have paused for SAVE_DELAY_MS: while an agent writes, every save would
   * encode again the buckets its new files are spread over. A save that gives way to updates
   * (see saveNow) is scheduled again the same way.
   */
  private scheduleSave(): void {
    if (!this.options.cacheDir) return;
    this.firstUnsaved ??= Date.now();
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.serial(async () => {
        if (await this.saveNow(true)) this.firstUnsaved = undefined;
        else this.scheduleSave();
      });
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /**
   * The save's pause: a turn of the event loop every few milliseconds, so requests are answered
   * from the index as it stands while it is encoded; and, when `giveWay`, it gives the save up
   * as soon as an update waits, unless changes have gone unsaved for SAVE_MAX_DELAY_MS (then the
   * updates wait for it: an agent that never pauses must not keep the index unsaved for good).
   */
  private savePause(giveWay: boolean): SavePause {
    const slice = this.slices();
    return async () => {
      if (giveWay && this.updatesWaiting > 0 && Date.now() - (this.firstUnsaved ?? Date.now()) < SAVE_MAX_DELAY_MS) throw new SaveGivenWay();
      await slice();
    };
  }

  /** Saves what changed; false when the save gave way to an update (`giveWay`) and must be tried again. */
  private async saveNow(giveWay = false): Promise<boolean> {
    // Records left on disk (lazy) are the saved ones: what a scoped query loaded is a part of them, never saved.
    if (!this.options.cacheDir || this.savedCounts) return true;
    // A file whose derived problems changed (a ref it holds started or stopped dangling) is saved too.
    for (const p of this.derived.drainTouched()) this.dirtyBuckets.add(bucketOf(p));
    if (this.dirtyBuckets.size === 0) return true;
    try {
      const c = this.store.counts();
      const counts: SavedCounts = {
        artifacts: c.artifacts,
        refs: c.refs,
        events: c.events,
        blobs: c.blobs,
        dangling: this.derived.dangling(),
        problems: c.problems + this.derived.added(),
        tables: this.store.tableSizes(),
      };
      // Stamps never outlive the index they were saved with: a save that fails midway leaves none.
      forgetFolderStamps(this.options.cacheDir);
      const changeable: TableEntry[] = [];
      const records = await saveCache(this.options.cacheDir, this.optionsKey, this.store.files, this.dirtyBuckets, counts, this.saveSource(), { entries: this.tableEntries(changeable), count: this.store.files.size }, this.savePause(giveWay));
      this.dirtyBuckets.clear();
      this.saveStamps(records, changeable);
    } catch (err) {
      if (err instanceof SaveGivenWay) return false;
      this.log(`could not save the index in ${this.options.cacheDir}: ${(err as Error).message}`);
    }
    return true;
  }

  /** What a save needs of the index besides its files. */
  private saveSource(): SaveSource {
    return { derivedOf: (p: string) => this.derived.of(p), keysOf: (f: StoredFile, into: KeySink) => this.store.keysAnsweredBy(f, into), rows: this.store.rowColumns };
  }

  /**
   * The last listing's folder stamps, beside a saved index that holds exactly its files (plus
   * changes since, each of which changed a stamped folder): see warmCheck.ts.
   */
  private saveStamps(records: string, changeable: TableEntry[]): void {
    try {
      saveFolderStamps(this.options.cacheDir!, this.optionsKey, records, this.discovery, changeable);
    } catch (err) {
      this.log(`could not save the folder stamps in ${this.options.cacheDir}: ${(err as Error).message}`);
    }
  }

  stats(): StatsResult {
    // Counters kept current as files change: a stats request (the status bar, `refscope index`) walks nothing.
    const c = this.savedCounts ?? { ...this.store.counts(), dangling: this.derived.dangling(), problems: this.store.counts().problems + this.derived.added() };
    return {
      ready: this.ready,
      artifacts: c.artifacts,
      refs: c.refs,
      dangling: c.dangling,
      events: c.events,
      blobs: c.blobs,
      roots: this.discovery.roots,
      indexMs: this.indexMs,
      problems: c.problems + this.discovery.problems.length,
      stateDirs: this.discovery.stateDirs,
      filesRead: this.filesRead,
    };
  }

  listedFolders(): ListedFolder[] {
    const { folders, listedAt } = this.discovery;
    if (!folders || listedAt === undefined) return [];
    this.ensureLoaded();
    const { withRole: withArtifacts, withOthers } = this.store.files.foldersByRole('artifact');
    const out: ListedFolder[] = [];
    // A folder changed close to its stamp may have had an entry come in the same tick of its clock (see RACY_MS).
    // One with no artifact yet is not given as holding artifacts alone: its first ones would have the index list the workspace (movedFolders.ts).
    for (const f of folders) {
      const dir = f.path + path.sep;
      if (f.ino !== 0 && f.mtimeMs < listedAt - RACY_MS) out.push({ path: f.path, mtimeMs: f.mtimeMs, artifactsOnly: withArtifacts.has(dir) && !withOthers.has(dir) });
    }
    return out;
  }

  resolve(ref: string, options?: DescribeOptions): Resolution {
    return this.scoped(() => resolve(this.store, ref, options), withReferrers);
  }

  unresolved(query: RefQuery, ref: string): Unresolved | undefined {
    return this.scoped(() => unresolved(this.store, query, ref));
  }

  trace(ref: string): Trace {
    return this.scoped(() => traceOf(this.store, ref));
  }

  diff(a: string, b: string): Comparison {
    return this.scoped(() => diffTraces(traceOf(this.store, a), traceOf(this.store, b)));
  }

  graph(params: GraphParams): Graph {
    this.ensureLoaded();
    return graph(this.store, params);
  }

  runs(): RunRow[] {
    this.ensureLoaded();
    return q.runInfos(this.store, ['capsule', 'runState']);
  }

  snapshots(): RunRow[] {
    this.ensureLoaded();
    return q.runInfos(this.store, ['snapshot']);
  }

  models(): Models {
    this.ensureLoaded();
    return q.models(this.store);
  }

  requests(): RequestRow[] {
    this.ensureLoaded();
    return q.requests(this.store);
  }

  references(ref: string): RefLocation[] {
    this.ensureLoaded();
    return references(this.store, ref);
  }

  eachReference(ref: string): Iterable<RefLocation> {
    this.ensureLoaded();
    return eachReference(this.store, ref);
  }

  occurrences(p: string): Occurrence[] {
    this.ensureLoaded();
    return this.store.occurrencesIn(path.resolve(p));
  }

  indexedFile(p: string): { size: number; mtimeMs: number; refs: number } | undefined {
    this.ensureLoaded();
    const f = this.store.get(path.resolve(p));
    return f && { size: f.record.size, mtimeMs: f.record.mtimeMs, refs: f.occCount };
  }

  problems(p?: string, crossFile = true): Problem[] {
    this.ensureLoaded();
    if (p !== undefined) {
      const abs = path.resolve(p);
      const own = this.store.get(abs)?.record.problems ?? [];
      return (crossFile ? mergeProblems(own, this.derived.of(abs)) : own).concat(this.discovery.problems.filter((x) => x.file === abs));
    }
    const out: Problem[] = [];
    // One push per problem: a spread of one file's list overflows the stack at ~100k (a log of dangling refs).
    for (const [, list] of this.problemFiles(crossFile)) for (const p of list) out.push(p);
    return out;
  }

  *problemFiles(crossFile = true): IterableIterator<[string, Problem[]]> {
    this.ensureLoaded();
    const found = this.discoveryProblems();
    for (const [file, list] of found) if (!this.store.get(file)) yield [file, list];
    // Only files with a problem of some kind: not a view of each file of the workspace.
    const withProblems = crossFile ? Array.from(this.derived.files()).concat(Array.from(found.keys())) : Array.from(found.keys());
    for (const [file, { record }] of this.store.filesWithProblems(withProblems)) {
      const list = crossFile ? mergeProblems(record.problems, this.derived.of(file)) : record.problems;
      const more = found.get(file);
      if (list.length || more) yield [file, more ? list.concat(more) : list];
    }
  }

  problemsAndBlobs(): { files: [string, Problem[]][]; blobs: BlobEntry[] } {
    return (this.savedCounts && this.savedProblemsAndBlobs()) || { files: Array.from(this.problemFiles()), blobs: this.blobs() };
  }

  /**
   * problemsAndBlobs() from the records a lazy start left on disk, read a bucket at a time into
   * no store: each saved file's own problems, the cross-file ones saved with it (the save's, as a
   * full load seeds them) and its blob, as problemFiles() and blobs() give them after a full
   * load. Loaded whole for `verify` at 1M artifacts, the records were ~1.3 GB with the listing,
   * most of the time spent filling the store's columns. Undefined when a bucket is damaged:
   * the caller loads everything, its files read again.
   */
  private savedProblemsAndBlobs(): { files: [string, Problem[]][]; blobs: BlobEntry[] } | undefined {
    const reader = RecordsReader.open(path.join(this.options.cacheDir!, this.savedRecords!), BUCKETS);
    if (!reader) return undefined;
    const found = this.discoveryProblems();
    const held: [string, Problem[]][] = [];
    const blobs: BlobEntry[] = [];
    const foundHeld = new Set<string>();
    const visit = {
      setSaved: ({ record, root, derived }: PlacedFile) => {
        const list = mergeProblems(this.problemsNow(record, root), derived ?? []);
        const more = found.get(record.path);
        if (more) foundHeld.add(record.path);
        if (list.length || more) held.push([record.path, more ? list.concat(more) : list]);
        if (record.blob) blobs.push(record.blob);
      },
    };
    try {
      // Its files' derived problems are also handed over, to a map let go with each bucket.
      for (let b = 0; b < BUCKETS; b++) if (loadBucket(reader, b, visit, new Map()).damaged) return undefined;
    } finally {
      reader.close();
    }
    const files: [string, Problem[]][] = [];
    for (const [file, list] of found) if (!foundHeld.has(file)) files.push([file, list]);
    for (const f of held) files.push(f);
    return { files, blobs };
  }

  /**
   * A saved record's own problems, or a fresh read's when it is an artifact saved as verified
   * whose bytes no longer hash to its name (hashMismatches): changed in place since. One saved as
   * a mismatch or as canonical never hashed to its name: its saved problems stand.
   */
  private problemsNow(record: StoredRecord, root: string): Problem[] {
    if (!this.hashMismatches?.has(record.path) || record.artifacts?.[0]?.verification !== 'verified') return record.problems;
    const maxParseBytes = this.options.maxParseBytes ?? DEFAULT_MAX_PARSE;
    return readFileRecord(record.path, 'artifact', { root, maxParseBytes }).problems;
  }

  /** The last listing's problems, by file. */
  private discoveryProblems(): Map<string, Problem[]> {
    const found = new Map<string, Problem[]>();
    for (const p of this.discovery.problems) {
      const list = found.get(p.file);
      if (list) list.push(p);
      else found.set(p.file, [p]);
    }
    return found;
  }

  hasArtifact(key: string, namespace?: string): boolean {
    this.ensureLoaded();
    return this.store.hasArtifact(key, namespace);
  }

  artifactsByPrefix(prefix: string, limit: number): ArtifactEntry[] {
    this.ensureLoaded();
    const out: ArtifactEntry[] = [];
    for (const d of this.store.digestsWithPrefix(prefix.toLowerCase(), limit)) {
      const a = this.store.artifactsByKey.get('sha256:' + d)?.[0];
      if (a) out.push(a);
    }
    return out;
  }

  searchArtifacts(query: string, limit: number): ArtifactEntry[] {
    this.ensureLoaded();
    return q.searchArtifacts(this.store, query, limit);
  }

  searchRuns(query: string, limit: number): ResolvedRun[] {
    this.ensureLoaded();
    return searchRuns(this.store, query, limit);
  }

  artifactAt(p: string): ArtifactEntry | undefined {
    this.ensureLoaded();
    return this.store.artifactByPath.get(path.resolve(p));
  }

  eventsReferencing(ref: string): EventEntry[] {
    this.ensureLoaded();
    const r = lookupText(this.store, ref);
    return 'target' in r ? referringEvents(this.store, r.target) : [];
  }

  manifests(): ManifestEntry[] {
    this.ensureLoaded();
    return this.store.manifests();
  }

  blobs(): BlobEntry[] {
    this.ensureLoaded();
    return this.store.blobs();
  }

  referencedDigests(): Set<string> {
    this.ensureLoaded();
    const out = new Set<string>();
    for (const key of this.store.mentionedKeys()) if (key.startsWith('sha256:')) out.add(key.slice(7));
    for (const key of this.store.eventRefKeys()) if (key.startsWith('sha256:')) out.add(key.slice(7));
    return out;
  }
}

/** Adds `more`'s counts to `into`. */
function addCounts<T extends object>(into: T, more: T): void {
  const sums = into as Record<string, number>;
  for (const [k, v] of Object.entries(more)) sums[k] += v as number;
}

export function createIndex(options: IndexOptions): RefIndex {
  return new WorkspaceIndex(options);
}
