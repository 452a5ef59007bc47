// The records: what readers extract from one file, and what the index is built of.
// A file is the unit of incremental indexing: when it changes, its FileRecord is replaced
// whole, so every fact below must come from that one file alone. Cross-file facts
// (dangling, ambiguous, referrer counts, producing event) are derived by the index.
import type { Verification } from './protocol';
import type { RowsToAppend } from './index/packedRows';

export type RefForm = 'canonical' | 'namespaced' | 'abbreviated' | 'bare' | 'blake3' | 'object';
export type RefAlgo = 'sha256' | 'blake3' | 'artifact';
/** What a digest is, by where it stands (CONTRACT 1.8): only a pointer can dangle. */
export type RefRole = 'pointer' | 'fingerprint' | 'run';

/** A ref found in text by the scanner. Offsets are UTF-16 code units into the scanned string. */
export interface RefMatch {
  form: RefForm;
  start: number;
  end: number;
  /** Exact source text of the ref. */
  text: string;
  algo: RefAlgo;
  /** Lower-case hex (full digest, or the prefix for `abbreviated`), or the artifact id for `object`. */
  value: string;
  /** For `namespaced`: the namespace as written (`prompt_templates`, `ns/sub`). */
  namespace?: string;
  /** The hex was written with upper-case letters (accepted, flagged as non-canonical). */
  upperCase?: boolean;
  /** Set when the ref is invalid (traversal, absolute, backslash, NUL, bad id): never resolved, never a path. */
  invalid?: string;
  /** The JSON key whose string value (or array element) the ref starts; absent in free text. */
  jsonKey?: string;
}

/** A ref occurrence stored in the index: position by line and UTF-16 column (0-based, as in LSP). */
export interface Occurrence {
  line: number;
  col: number;
  endCol: number;
  form: RefForm;
  /** Lookup key: `sha256:<hex>`, `blake3:<hex>`, `artifact:<id>`; abbreviated refs keep their prefix. */
  key: string;
  namespace?: string;
  upperCase?: boolean;
  invalid?: string;
  /** Exact source text. */
  text: string;
  /** Absent for a pointer (most refs), so the common case costs nothing. */
  role?: 'fingerprint' | 'run';
}

export type Severity = 'error' | 'warning' | 'information';

export type ProblemCode =
  | 'invalid-ref'
  | 'dangling-ref'
  | 'non-canonical'
  | 'ambiguous-ref'
  | 'hash-mismatch'
  | 'broken-chain'
  | 'digest-mismatch'
  | 'malformed'
  | 'invalid-manifest'
  | 'moved-manifest'
  | 'unreadable'
  | 'truncated'
  | 'too-large'
  | 'unsafe-path'
  | 'too-many-problems';

export interface Problem {
  file: string;
  /** 0-based line, when the problem has a place in the file. */
  line?: number;
  col?: number;
  endCol?: number;
  /** Event sequence, for logs whose records are not lines (SQLite). */
  sequence?: number;
  severity: Severity;
  code: ProblemCode;
  message: string;
}

/** Well-known artifact fields (CONTRACT 1.3), copied when present. */
export interface ArtifactFields {
  schema?: string;
  createdAt?: string;
  runId?: string;
  turnId?: string;
  toolId?: string;
  provider?: string;
  model?: string;
  labels?: unknown;
  sensitivity?: string;
}

export interface ArtifactEntry extends ArtifactFields {
  /** `sha256:<hex>` for content-addressed artifacts, `artifact:<id>` for file-store entries. */
  key: string;
  /** The hex digest (or file-store id) the artifact is named by. */
  digest: string;
  /** Folder name: `requests`, `responses`, ...; `file-store` for sidecar stores. */
  kind: string;
  /** Path under `artifacts/`: `requests`, `ns/sub`. */
  namespace: string;
  /** The runtime root (or file-store base) it belongs to. */
  root: string;
  /** File holding the bytes; absent when pruned. */
  path?: string;
  /** Metadata sidecar, for file stores. */
  metaPath?: string;
  size?: number;
  verification: Verification;
  /** What the bytes actually hash to, when they do not match the name. */
  actualDigest?: string;
  /** File-store dedup blob digest (sha256 hex): `sha256:<blobId>` resolves to this entry too. */
  blobId?: string;
  contentType?: string;
  tags?: unknown;
  /** File-store sidecar `metadata` object, kept as written. */
  metadata?: unknown;
}

export type EventSource = 'audit' | 'ledger' | 'jsonl' | 'sqlite' | 'otlp';

export interface EventRef {
  /** Lookup key of the referenced thing (see Occurrence.key). */
  key: string;
  /** JSON path of the field holding it, e.g. `artifact_ref`, `payload.output.result`. */
  field: string;
  /** For a namespaced ref (`prompt_templates/sha256:<hex>`): the namespace as written. */
  namespace?: string;
  /** As Occurrence.role: absent for a pointer. */
  role?: 'fingerprint' | 'run';
}

export interface EventEntry {
  source: EventSource;
  file: string;
  /** 0-based line in the log (JSONL formats). */
  line?: number;
  sequence?: number;
  eventType: string;
  time?: string;
  runId?: string;
  subject?: string;
  actor?: string;
  refs: EventRef[];
  /** BLAKE3 hex of the payload (SQLite stores): `blake3:<hex>` refs resolve to this event. */
  payloadDigest?: string;
  /** Record hash in a chained log. */
  hash?: string;
  /** False after a broken link or a bad hash/digest in this log (CONTRACT 1.4). */
  verified?: boolean;
  /** Extra fields worth showing (step status, node, model...). Small values only. */
  summary?: Record<string, unknown>;
}

export interface ManifestEntry {
  stateDir: string;
  /** The manifest file. */
  file: string;
  id?: string;
  name?: string;
  sha256?: string;
  bytes?: number;
  provider?: string;
  url?: string;
  verified?: boolean;
  /** Resolved blob path, only when it is safely inside `<state>/models/by-hash/`. */
  blobPath?: string;
  /** A moved manifest (CONTRACT 1.5): the absolute path it was written under, never opened. */
  writtenUnder?: string;
  /** Why the manifest is invalid; an invalid manifest is never opened, followed or deleted. */
  error?: string;
}

export interface BlobEntry {
  stateDir: string;
  digest: string;
  path: string;
  size: number;
  mtimeMs: number;
}

export interface PartialEntry {
  stateDir: string;
  name: string;
  path: string;
  bytes: number;
  total?: number;
  url?: string;
  sha256?: string;
}

/** A run capsule, run state or snapshot: an entry for the Run Capsules / Snapshots views. */
export interface RunInfo {
  type: 'capsule' | 'runState' | 'snapshot';
  /** The ref users copy: `sha256:<hex>` for artifacts, the file path's ref otherwise. */
  ref: string;
  runId?: string;
  mode?: string;
  time?: string;
  /** A run state's status (`running`, `completed`, `failed`...). */
  status?: string;
  toolCount?: number;
  groups: { label: string; refs: { ref: string; path: string }[] }[];
}

export type FileRole =
  | 'artifact'
  | 'sidecar'
  | 'fileStoreBlob'
  | 'auditLog'
  | 'ledger'
  | 'eventsJsonl'
  | 'otlpLog'
  | 'sqlite'
  | 'runState'
  | 'snapshotFile'
  | 'manifest'
  | 'blob'
  | 'partial'
  | 'text';

/** Where a log reader stopped, so an appended log is read from there (and its chain continued). */
export interface ResumePoint {
  offset: number;
  line: number;
  state: unknown;
}

export interface FileRecord {
  path: string;
  size: number;
  mtimeMs: number;
  role: FileRole;
  artifacts?: ArtifactEntry[];
  events?: EventEntry[];
  manifest?: ManifestEntry;
  blob?: BlobEntry;
  partial?: PartialEntry;
  run?: RunInfo;
  occurrences: Occurrence[];
  /**
   * Set when the reader packed the file's occurrences and events as rows (ReadContext
   * `packRows`): `occurrences` and `events` are then empty, and these are the file's.
   */
  rows?: RowsToAppend;
  problems: Problem[];
  resume?: ResumePoint;
  /**
   * Set on a grown log read from its resume point for only what was appended (ReadContext
   * `tailOnly`): this record's events, occurrences and problems follow the first `events`,
   * `occurrences` and `problems` of the file's previous record, which still hold.
   */
  tailOf?: TailOf;
}

/** How much of a log's previous record a tail read continues (see FileRecord.tailOf). */
export interface TailOf {
  events: number;
  occurrences: number;
  problems: number;
  /**
   * The read stopped at its limit (ReadContext `tailBytes`) before the end of the file: the
   * record's `size` and `resume` say how far it got, and the next tail read goes on from there.
   */
  more?: boolean;
}
