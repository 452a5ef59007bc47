// The custom LSP methods Refscope adds (CONTRACT 3), in vscode-eslint's shape: one namespace
// per message holding its `method` and typed `type`, with a line saying which side sends it.
// Both sides register and send with `X.type` (one copy of vscode-languageserver-protocol
// under the client and the server makes the types the same), so a method name or a shape
// cannot drift between them.
import { NotificationType, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { GcReport } from './models/gc';

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
  details?: ResolveDetails;
  /** What may be shown of the content (shared/preview/contentPreview.ts); absent for events. */
  preview?: ContentPreview;
}

/**
 * Extra facts for the kind of thing resolved (sidecar metadata, model manifest, an event's
 * fields, a deletion record), as shared/preview/detailFacts.ts lists them; the keys a client
 * reads are typed, the rest are shown as written.
 */
export interface ResolveDetails {
  /** An event's 0-based line in its log (where Open Artifact by Ref puts the cursor). */
  line?: number;
  labels?: unknown;
  sensitivity?: unknown;
  [fact: string]: unknown;
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
  /** The sensitivity that withholds this pair's content (`refscope.hidePreviewsAtSensitivity`): its values are not shown. */
  withheld?: string;
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
export namespace ResolveRequest {
  export const method = 'refscope/resolve';
  export const type = new RequestType<RefParams, ResolveResult, void>(method);
}

/** Client -> server: two runs or requests aligned step by step, for Compare Runs (CONTRACT 2, Compare). */
export namespace DiffRequest {
  export const method = 'refscope/diff';
  export const type = new RequestType<DiffParams, DiffResult, void>(method);
}

/** Client -> server: the trace of a request artifact (through response, output and tool calls) or of a run (a run id or capsule ref), with timing. */
export namespace TraceRequest {
  export const method = 'refscope/trace';
  export const type = new RequestType<RefParams, TraceResult, void>(method);
}

/** Client -> server: the provenance graph slice around a ref, for the graph webview. */
export namespace GraphRequest {
  export const method = 'refscope/graph';
  export const type = new RequestType<GraphParams, GraphResult, void>(method);
}

/** Client -> server: run capsules and run states, for the Run Capsules view. */
export namespace RunsRequest {
  export const method = 'refscope/runs';
  export const type = new RequestType<Record<string, never>, RunEntry[], void>(method);
}

/** Client -> server: snapshot artifacts and snapshot files, for the Snapshots view. */
export namespace SnapshotsRequest {
  export const method = 'refscope/snapshots';
  export const type = new RequestType<Record<string, never>, RunEntry[], void>(method);
}

/** Client -> server: index counters, for the status bar and `refscope index`. */
export namespace StatsRequest {
  export const method = 'refscope/stats';
  export const type = new RequestType<Record<string, never>, StatsResult, void>(method);
}

/** Client -> server: manifests, partial downloads and orphan blobs, for the Models view. */
export namespace ModelsRequest {
  export const method = 'refscope/models';
  export const type = new RequestType<Record<string, never>, ModelsResult, void>(method);
}

/** Client -> server: request artifacts newest first, for the Trace Request quick pick. */
export namespace RequestsRequest {
  export const method = 'refscope/requests';
  export const type = new RequestType<Record<string, never>, RequestEntry[], void>(method);
}

/** Client -> server: verify every store, publishing all problems as diagnostics; answers the count. */
export namespace VerifyRequest {
  export const method = 'refscope/verify';
  export const type = new RequestType<Record<string, never>, { problems: number }, void>(method);
}

/** Client -> server: drop the persistent index and rebuild it. */
export namespace ReindexRequest {
  export const method = 'refscope/reindex';
  export const type = new RequestType<Record<string, never>, StatsResult, void>(method);
}

/** Server -> client: the index changed (built, or files updated); views refresh. */
export namespace IndexChangedNotification {
  export const method = 'refscope/indexChanged';
  export const type = new NotificationType<StatsResult>(method);
}

export interface PullParams extends WorkDoneProgressParams {
  id: string;
  url: string;
  sha256: string;
  provider?: string;
  /** HEAD first, so the size limits refuse before any transfer (default true). */
  preflight?: boolean;
  quotaMb?: number;
  maxMb?: number;
  /** The store to pull into; default the workspace's only state dir, else `state/` in the first folder. */
  stateDir?: string;
}

export interface PullAnswer {
  status: 'downloaded' | 'cached';
  sha256: string;
  bytes: number;
  /** The blob's path in `by-hash/`. */
  path: string;
}

/** `data` of the LSP error a failed pull or GC answers: a PullErrorCode, a GcErrorCode or `untrusted`. */
export interface StoreErrorData {
  code: string;
}

/** The code in a failed pull's or GC's LSP error (`data.code`), if the error carries one. */
export function storeErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: unknown } | null)?.data;
  return data && typeof data === 'object' && typeof (data as { code?: unknown }).code === 'string' ? (data as StoreErrorData).code : undefined;
}

/**
 * Client -> server: pull a model into a store the server owns, so the index sees it at once
 * (CONTRACT 3, 5). Reports work-done progress (percent, bytes, throughput) on the request's
 * `workDoneToken`; `$/cancelRequest` cancels the transfer.
 */
export namespace PullRequest {
  export const method = 'refscope/pull';
  export const type = new RequestType<PullParams, PullAnswer, StoreErrorData>(method);
}

export interface GcParams {
  stateDir?: string;
  ttlDays: number;
  quotaMb?: number;
  dryRun?: boolean;
  /** Say for each blob why it stays or goes (`explain` in the report). */
  explain?: boolean;
}

/** Client -> server: garbage-collect a model store with the index's refs as roots (CONTRACT 3, 5). */
export namespace GcRequest {
  export const method = 'refscope/gc';
  export const type = new RequestType<GcParams, GcReport, StoreErrorData>(method);
}

/** Client -> server: the workspace became trusted (or not); pulls and GC are refused while it is not. */
export namespace TrustChangedNotification {
  export const method = 'refscope/trustChanged';
  export const type = new NotificationType<{ trusted: boolean }>(method);
}
