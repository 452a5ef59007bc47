// What a ref resolves to, as the core describes it: paths and typed fields, one shape per
// kind of target. Hover, definition, references and code lens read these fields directly;
// the wire shapes of `refscope/resolve` (file URIs, a `details` bag) are made from them once,
// at the protocol's edge (shared/wire/resolveWire.ts).
import type { ArtifactEntry, EventEntry, ManifestEntry } from '../records';
import type { ResolveErrorCode, Verification } from '../protocol';

/** An event where its log holds it: type, sequence, display time, file and 0-based line (SQLite: 0). */
export interface EventPlace {
  eventType: string;
  sequence?: number;
  time?: string;
  path: string;
  line: number;
}

/** The facts every resolved target has (CONTRACT 3's resolve fields, with paths). */
interface Described {
  ref: string;
  /** The digest the ref named (a deduplicated file store's blob digest when named by it). */
  digest: string;
  kind: string;
  verification: Verification;
  size?: number;
  createdAt?: string;
  producedBy?: EventPlace;
  /** Distinct places that reference it: ref occurrences outside its own files plus events. */
  referencedBy: number;
  /** Set when `referencedBy` is where the count stopped (DescribeOptions.referrersUpTo): at least that many. */
  referencedByAtLeast?: true;
  /** The refs it holds, as written keys, each once. */
  refs: string[];
  /** `gen_ai.*` attributes of the OpenTelemetry span that produced it (operation, model, tokens). */
  genAi?: [string, unknown][];
}

export interface ResolvedArtifact extends Described {
  type: 'artifact';
  /** The file holding the bytes, else (bytes pruned) its sidecar. */
  path?: string;
  /** Only content-addressed artifacts live in a namespace (`artifacts/<ns>/<hex>`). */
  namespace?: string;
  schema?: string;
  /** The indexed record: well-known fields, sidecar path, file-store ids. */
  artifact: ArtifactEntry;
}

export interface ResolvedBlob extends Described {
  type: 'blob';
  kind: 'model-blob';
  /** The blob in `by-hash/`; absent when only a manifest names it. */
  path?: string;
  manifest?: ManifestEntry;
}

export interface ResolvedEvent extends Described {
  type: 'event';
  kind: 'event';
  /** The log holding it. */
  path: string;
  event: EventEntry;
}

/** Evidence whose bytes are gone but whose deletion record kept its size, hash or labels (CONTRACT 1.3). */
export interface ResolvedPruned extends Described {
  type: 'pruned';
  verification: 'pruned';
  deletedBy: EventPlace;
  /** The deletion event's fields, as its runtime wrote them. */
  summary: Record<string, unknown>;
}

/** A run id (CONTRACT 1.8): its capsule, run state and events. `path`/`line`: where definition goes. */
export interface ResolvedRun {
  type: 'run';
  ref: string;
  runId: string;
  /** The run capsule's ref (`sha256:<hex>`), when the run has one. */
  capsule?: string;
  capsulePath?: string;
  runStatePath?: string;
  /** How many events the run has in the workspace's logs. */
  events: number;
  firstTime?: string;
  lastTime?: string;
  mode?: string;
  status?: string;
  /** The capsule, else the run state, else the first event's log (at `line`). */
  path?: string;
  line?: number;
}

export interface Unresolved {
  type: 'unresolved';
  ref: string;
  error: ResolveErrorCode;
  message?: string;
  candidates?: string[];
}

export type ResolvedTarget = ResolvedArtifact | ResolvedBlob | ResolvedEvent | ResolvedPruned;
export type Resolution = ResolvedTarget | ResolvedRun | Unresolved;

export function isResolvedTarget(r: Resolution): r is ResolvedTarget {
  return r.type !== 'run' && r.type !== 'unresolved';
}

/** Where a resolved ref lives: an event at its log line, pruned evidence at its deletion record, a run at its home. */
export function locationOf(r: ResolvedTarget | ResolvedRun): { path: string; line: number } | undefined {
  switch (r.type) {
    case 'run':
      return r.path !== undefined ? { path: r.path, line: r.line ?? 0 } : undefined;
    case 'event':
      return { path: r.path, line: r.event.line ?? 0 };
    case 'pruned':
      // Pruned evidence has no bytes: its deletion record is what is left of it.
      return { path: r.deletedBy.path, line: r.deletedBy.line };
    default:
      if (r.path !== undefined) return { path: r.path, line: 0 };
      return r.producedBy && { path: r.producedBy.path, line: r.producedBy.line };
  }
}

/** The ref the extension's commands take for it: `artifact:<id>` for file-store entries, else `sha256:<digest>`. */
export function canonicalRef(r: ResolvedTarget): string {
  return r.ref.startsWith('artifact:') ? r.ref : `sha256:${r.digest}`;
}

export interface DescribeOptions {
  /** Count referrers only up to this many (then `referencedByAtLeast` is set); every one when unset. */
  referrersUpTo?: number;
}
