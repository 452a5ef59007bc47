// The query surface of the workspace index. The CLI and the language server's services
// talk to the index only through this interface; everything behind it (maps, sql.js
// persistence, incremental updates) is the index's own business.
import type { GraphParams, StatsResult } from '../protocol';
import type { Comparison, Graph, Models, RequestRow, RunRow, Trace } from './answers';
import type { ArtifactEntry, BlobEntry, EventEntry, ManifestEntry, Occurrence, Problem } from '../records';
import type { KeyLists } from '../refs/refRole';
import type { DescribeOptions, Resolution, ResolvedRun, Unresolved } from './resolution';
import type { RefQuery } from './lookup';

export interface IndexOptions {
  /** Workspace folders (multi-root): each is searched for runtime roots and state dirs (CONTRACT 1.1). */
  folders: string[];
  /** Extra runtime roots and state dirs (settings `refscope.runtimeRoots`, `refscope.stateDirs`). */
  runtimeRoots?: string[];
  stateDirs?: string[];
  /** Glob patterns excluded from discovery (`files.exclude` plus `refscope.exclude`). */
  exclude?: string[];
  /** Where the persistent index lives; none: in memory only. */
  cacheDir?: string;
  /** Content larger than this is hashed but not parsed (default 16 MiB). */
  maxParseBytes?: number;
  /** Workspace text files larger than this are not scanned for refs (default 4 MiB). */
  maxTextBytes?: number;
  /** Key names added to CONTRACT 1.8's pointer and fingerprint lists (settings `refscope.pointerKeys`, `refscope.fingerprintKeys`). */
  keyLists?: KeyLists;
  /**
   * Load the persisted records only when a query first needs them: on an unchanged workspace,
   * build() then answers stats from the saved summary (the CLI's `refscope index`), and
   * resolve, trace and diff load only the saved records they ask for (`show`, `trace`,
   * `diff`). Leave off where queries must be fast from the start (the language server).
   */
  lazy?: boolean;
  /**
   * Read large batches in worker threads so the calling thread only links records and keeps
   * answering (the language server). Off for a one-shot CLI run: on 2 cores the workers' own
   * heaps and the cloned records cost more CPU and memory than they save in wall time. Without
   * it, a large read still has one worker read the artifacts' bytes ahead (bytePrefetch.ts).
   */
  readInWorkers?: boolean;
  /** With `readInWorkers`, the read workers' script (default: readWorker.js beside the bundle). */
  readWorkerFile?: string;
  /**
   * Before ready, put each large file's rows in key order (a log's 400k refs: 30-80 ms), which a
   * lookup otherwise does after 32 scans of the file: the first hovers after ready paid those
   * (6-18 ms a scan, 33-85 ms the sort). For the language server, whose requests come at once;
   * a CLI run answers one query and never needs it.
   */
  orderLookups?: boolean;
  /**
   * Stat every artifact file the (saved) index holds, as every other file is, and hash again each
   * one whose size and mtime are as read (bytes changed in place can keep both). Off by default:
   * artifacts are write-once (CONTRACT 1.3), so a warm start trusts the listed name. On for
   * `refscope verify`, which must find an artifact rewritten in place.
   */
  statArtifacts?: boolean;
  /** Progress while building: files done of total, and what is being read. */
  onProgress?: (done: number, total: number, message: string) => void;
  /**
   * Called once a build has made the whole index and answers from it, before the save that ends
   * the build: the language server's waiting requests go on from here, not after the save.
   */
  onReady?: () => void;
}

/** A place in a file (0-based line, UTF-16 columns). */
export interface RefLocation {
  path: string;
  line: number;
  col: number;
  endCol: number;
}

/** A folder as the index's last listing found it (RefIndex.listedFolders). */
export interface ListedFolder {
  path: string;
  mtimeMs: number;
  /** Artifacts there, and nothing else (write-once: no file in it changes in place). */
  artifactsOnly: boolean;
}

/** What an index change touched (onDidChange). */
export interface IndexChange {
  /**
   * The files whose problems (their own or cross-file ones) may have changed, and nothing else's
   * did; undefined when any file's may have (a build).
   */
  problemFiles?: ReadonlySet<string>;
}

export interface RefIndex {
  /** Discover and index the workspace, reusing the persistent index for unchanged files. */
  build(): Promise<StatsResult>;
  /** Re-read the given paths (changed, added or deleted files, or folders); appended logs resume where they stopped. */
  update(paths: string[]): Promise<void>;
  /** Forget the persistent index and rebuild from scratch. */
  rebuild(): Promise<StatsResult>;
  /** Persist and release resources. */
  close(): Promise<void>;
  /** Called after build and after every update that changed something. */
  onDidChange(listener: (change: IndexChange) => void): { dispose(): void };

  readonly ready: boolean;
  stats(): StatsResult;
  /**
   * The folders the last listing (or the warm check) found as the index holds them, settled
   * then, each with its modification time as stamped and whether it holds artifacts alone: a
   * watcher need not list such a folder again while its time stays so (server/session/treeWatcher.ts).
   */
  listedFolders(): ListedFolder[];

  /** What `ref` is (CONTRACT 3's resolve, with paths and typed fields; shared/wire/resolveWire.ts makes the wire shape). */
  resolve(ref: string, options?: DescribeOptions): Resolution;
  /** What resolve(ref) answers when `ref` (parsed as `query`) names nothing, else undefined: no target described. */
  unresolved(query: RefQuery, ref: string): Unresolved | undefined;
  /** A request's or a run's trace (a run id or a run capsule ref), with timing. This and the answers below carry paths (answers.ts); shared/wire/ makes their wire shapes. */
  trace(ref: string): Trace;
  /** Two traces (refs or run ids) aligned step by step (CONTRACT 2, Compare). */
  diff(a: string, b: string): Comparison;
  graph(params: GraphParams): Graph;
  runs(): RunRow[];
  snapshots(): RunRow[];
  models(): Models;
  /** Request artifacts, newest first. */
  requests(): RequestRow[];

  /** Every place (artifacts, logs, workspace text files) that holds a ref to what `ref` resolves to; for a dangling ref, every place that mentions it (log records last, in event order). */
  references(ref: string): RefLocation[];
  /** references() one at a time as they are found (for a ref that resolves), so a caller can page through 100k of them. */
  eachReference(ref: string): Iterable<RefLocation>;
  /** Refs found in an indexed file (empty for files the index does not hold). */
  occurrences(path: string): Occurrence[];
  /** What the index read of a file it holds (size and mtime as read, how many refs), without making its occurrences. */
  indexedFile(path: string): { size: number; mtimeMs: number; refs: number } | undefined;
  /**
   * Problems: of one file, or of the whole workspace, cross-file ones (dangling, ambiguous,
   * invalid and upper-case refs, derived from every file's refs) included unless `crossFile` is
   * false (then a log's 100k dangling refs cost nothing to leave out).
   */
  problems(path?: string, crossFile?: boolean): Problem[];
  /** Each file that has problems, once, with its problems: the whole workspace's without one list of them all (`crossFile` as in problems). */
  problemFiles(crossFile?: boolean): IterableIterator<[string, Problem[]]>;
  /** Whether an artifact answers to `key` (in `namespace`, when given), without making its entry: diagnostics ask it of each distinct ref of an open log. */
  hasArtifact(key: string, namespace?: string): boolean;
  /** Artifacts whose digest starts with `prefix` (lower-case hex), up to `limit`. */
  artifactsByPrefix(prefix: string, limit: number): ArtifactEntry[];
  /** Artifacts matching a workspace-symbol query (hash prefix, kind, run id, schema). */
  searchArtifacts(query: string, limit: number): ArtifactEntry[];
  /** Runs whose id contains `query` (workspace symbols: a run id is a ref, CONTRACT 1.8). */
  searchRuns(query: string, limit: number): ResolvedRun[];
  /** The artifact a file holds, if the file is one. */
  artifactAt(path: string): ArtifactEntry | undefined;
  /** Events that reference `ref`'s target, in sequence order. */
  eventsReferencing(ref: string): EventEntry[];
  manifests(): ManifestEntry[];
  blobs(): BlobEntry[];
  /**
   * problemFiles() and blobs() at once, for `verify`: records a lazy start left on disk are read
   * for them a bucket at a time, never all held (at 1M artifacts a full load was ~1.3 GB).
   */
  problemsAndBlobs(): { files: [string, Problem[]][]; blobs: BlobEntry[] };
  /** Every sha256 digest any indexed text refers to (GC roots, CONTRACT 5). */
  referencedDigests(): Set<string>;
}
