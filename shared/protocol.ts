// The custom LSP methods Refscope adds (CONTRACT 3). Both the client and the server import
// these typed RequestTypes, so a method name or shape cannot drift between the two sides.
import { RequestType, NotificationType } from 'vscode-languageserver-protocol';

export type Verification = 'verified' | 'canonical' | 'mismatch' | 'pruned' | 'unverified' | 'missing';

export interface RefParams {
  ref: string;
}

export interface ProducedBy {
  eventType: string;
  sequence?: number;
  time?: string;
  uri: string;
  line: number;
}

export interface ResolveSuccess {
  ref: string;
  digest: string;
  kind: string;
  namespace?: string;
  uri?: string;
  size?: number;
  verification: Verification;
  createdAt?: string;
  schema?: string;
  producedBy?: ProducedBy;
  referencedBy: number;
  refs: string[];
  /** Extra facts for the kind of thing resolved (model manifest, event, sidecar metadata). */
  details?: Record<string, unknown>;
  /** What may be shown of the content (shared/preview/contentPreview.ts); absent for events. */
  preview?: ContentPreview;
}

/**
 * A preview of content as it may be displayed (CONTRACT 3): `shown` with credentials masked
 * (unless `refscope.maskSecrets` is off), `withheld` at or above `refscope.hidePreviewsAtSensitivity`.
 * `text` is untrusted: escape it before rendering.
 */
export type ContentPreview =
  | { state: 'shown'; text: string; /** rules whose findings were masked, in words (`github token`) */ masked: string[] }
  | { state: 'withheld'; sensitivity: string }
  | { state: 'binary' };

export type ResolveErrorCode = 'invalid' | 'dangling' | 'ambiguous';

export interface ResolveFailure {
  ref: string;
  error: ResolveErrorCode;
  message?: string;
  candidates?: string[];
}

/**
 * A run id resolves to the run (CONTRACT 1.8): its capsule, run state and events. `uri` and
 * `line` are where definition goes: the capsule, else the run state, else the first event.
 */
export interface ResolveRun {
  ref: string;
  kind: 'run';
  runId: string;
  /** The run capsule's ref (`sha256:<hex>`), when the run has one. */
  capsule?: string;
  capsuleUri?: string;
  runStateUri?: string;
  /** How many events the run has in the workspace's logs. */
  events: number;
  firstTime?: string;
  lastTime?: string;
  mode?: string;
  status?: string;
  uri?: string;
  line?: number;
}

export type ResolveResult = ResolveSuccess | ResolveRun | ResolveFailure;

export function isResolveFailure(r: ResolveResult): r is ResolveFailure {
  return (r as ResolveFailure).error !== undefined;
}

export function isResolveRun(r: ResolveResult): r is ResolveRun {
  return (r as ResolveRun).kind === 'run' && typeof (r as ResolveRun).runId === 'string' && (r as ResolveFailure).error === undefined;
}

/** An artifact, blob, event or pruned evidence: what is neither a failure nor a run. */
export function isResolveTarget(r: ResolveResult): r is ResolveSuccess {
  return !isResolveFailure(r) && !isResolveRun(r);
}

export interface TraceStep {
  sequence?: number;
  eventType?: string;
  time?: string;
  /** Milliseconds since the previous step that had a time. */
  deltaMs?: number;
  ref?: string;
  kind?: string;
  uri?: string;
  line?: number;
  /** Nothing in the workspace answers to the ref: a gap in the evidence. */
  missing?: true;
  /** The bytes are gone but their deletion is recorded (CONTRACT 1.3): not a gap, so not `missing`. */
  verification?: 'pruned';
  /** Timing (CONTRACT 2), on steps with a time: start and end as ISO 8601 instants. */
  start?: string;
  /** The step's own end where its event records one, else the next step's start. */
  end?: string;
  durationMs?: number;
  /** On the critical path: the chain of steps that decides the run's end (set where steps overlap). */
  critical?: true;
  children?: TraceStep[];
}

export interface TraceResult {
  root: string;
  /** The run the traced steps belong to, named once here (CONTRACT 1.8); a run's trace (a run id or a run capsule ref) always has it. */
  runId?: string;
  steps: TraceStep[];
  /** First step's start to the last step's end (ISO 8601), and the milliseconds between. */
  start?: string;
  end?: string;
  durationMs?: number;
  error?: ResolveErrorCode;
}

export interface DiffParams {
  /** Refs or run ids. */
  a: string;
  b: string;
}

export interface DiffSide {
  root: string;
  runId?: string;
  durationMs?: number;
  error?: ResolveErrorCode;
}

export interface DiffChange {
  /** JSON path of the differing value (`$` for the whole document, `$.messages[0].content`). */
  path: string;
  /** The values (absent: the path does not exist on that side). */
  a?: unknown;
  b?: unknown;
}

export type DiffStatus = 'same' | 'changed' | 'onlyA' | 'onlyB';

export interface DiffPair {
  status: DiffStatus;
  a?: TraceStep;
  b?: TraceStep;
  changes?: DiffChange[];
  /** b's duration minus a's, when both have one. */
  durationDeltaMs?: number;
}

export interface DiffResult {
  a: DiffSide;
  b: DiffSide;
  pairs: DiffPair[];
  /** b's duration minus a's, when both have one. */
  durationDeltaMs?: number;
}

export type GraphDirection = 'in' | 'out' | 'both';

export interface GraphParams {
  ref: string;
  depth?: number;
  direction?: GraphDirection;
}

export interface GraphNode {
  id: string;
  label: string;
  kind: string;
  uri?: string;
  missing?: boolean;
  /** Deleted evidence whose deletion is recorded (CONTRACT 1.3): shown as pruned, not missing. */
  verification?: 'pruned';
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
}

export interface GraphResult {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface RunEntry {
  ref: string;
  runId?: string;
  mode?: string;
  time?: string;
  uri: string;
  /** Refs the capsule/snapshot/run state holds, grouped by where they sit in it. */
  groups?: { label: string; refs: { ref: string; path: string }[] }[];
  toolCount?: number;
}

export interface StatsResult {
  ready: boolean;
  artifacts: number;
  refs: number;
  dangling: number;
  events: number;
  blobs: number;
  roots: string[];
  indexMs: number;
  problems?: number;
  stateDirs?: string[];
  /** Files (re-)read by the last build: 0 when the persistent index covered everything. */
  filesRead?: number;
}

export interface ModelEntry {
  id: string;
  uri: string;
  sha256?: string;
  bytes?: number;
  provider?: string;
  url?: string;
  verified?: boolean;
  /** Present when the manifest is invalid (unparseable, path outside by-hash, ...). */
  error?: string;
  blobPresent?: boolean;
}

export interface ModelsResult {
  stateDirs: { dir: string; manifests: ModelEntry[]; partials: { name: string; uri: string; bytes: number; total?: number }[]; orphanBlobs: { digest: string; uri: string; bytes: number }[] }[];
}

export interface RequestEntry {
  ref: string;
  runId?: string;
  time?: string;
  model?: string;
  uri: string;
}

/** Client -> server: what is this ref (CONTRACT 3). */
export const ResolveRequest = new RequestType<RefParams, ResolveResult, void>('refscope/resolve');
/** Client -> server: the trace of a request artifact (through response, output and tool calls) or of a run (a run id or capsule ref), with timing. */
export const TraceRequest = new RequestType<RefParams, TraceResult, void>('refscope/trace');
/** Client -> server: two runs or requests aligned step by step, for Compare Runs (CONTRACT 2, Compare). */
export const DiffRequest = new RequestType<DiffParams, DiffResult, void>('refscope/diff');
/** Client -> server: the provenance graph slice around a ref, for the graph webview. */
export const GraphRequest = new RequestType<GraphParams, GraphResult, void>('refscope/graph');
/** Client -> server: run capsules and run states, for the Run Capsules view. */
export const RunsRequest = new RequestType<Record<string, never>, RunEntry[], void>('refscope/runs');
/** Client -> server: snapshot artifacts and snapshot files, for the Snapshots view. */
export const SnapshotsRequest = new RequestType<Record<string, never>, RunEntry[], void>('refscope/snapshots');
/** Client -> server: index counters, for the status bar and `refscope index`. */
export const StatsRequest = new RequestType<Record<string, never>, StatsResult, void>('refscope/stats');
/** Client -> server: manifests, partial downloads and orphan blobs, for the Models view. */
export const ModelsRequest = new RequestType<Record<string, never>, ModelsResult, void>('refscope/models');
/** Client -> server: request artifacts newest first, for the Trace Request quick pick. */
export const RequestsRequest = new RequestType<Record<string, never>, RequestEntry[], void>('refscope/requests');
/** Client -> server: verify every store, publishing all problems as diagnostics; answers the count. */
export const VerifyRequest = new RequestType<Record<string, never>, { problems: number }, void>('refscope/verify');
/** Client -> server: drop the persistent index and rebuild it. */
export const ReindexRequest = new RequestType<Record<string, never>, StatsResult, void>('refscope/reindex');
/** Server -> client: the index changed (built, or files updated); views refresh. */
export const IndexChangedNotification = new NotificationType<StatsResult>('refscope/indexChanged');

export interface GcRootsParams {
  /** The state dir whose model store is about to be garbage-collected. */
  stateDir: string;
}

/**
 * Client -> server: the digests of this store's blobs that the workspace index references from
 * outside the store (`indexRootsFor` in shared/models/indexRoots.ts), so "Garbage-Collect Model
 * Store…" in the extension keeps the same roots as `refscope gc`.
 */
export const GcRootsRequest = new RequestType<GcRootsParams, { digests: string[] }, void>('refscope/gcRoots');
