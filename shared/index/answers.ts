// What the index answers for traces, compares, the provenance graph and the views' lists, as
// the core describes it: the protocol's shapes (CONTRACT 2, 3) with a file path where the wire
// has a `file://` URI. The URIs are made once, at the protocol's edge (shared/wire/).
import type { DiffPair, DiffResult, GraphEdge, GraphNode, ModelEntry, RequestEntry, RunEntry, TraceResult, TraceStep } from '../protocol';

/** A trace step; `path` is the artifact's file, or the log holding the event (at `line`). */
export type TracedStep = Omit<TraceStep, 'uri' | 'children'> & { path?: string; children?: TracedStep[] };
export type Trace = Omit<TraceResult, 'steps'> & { steps: TracedStep[] };

export type ComparedPair = Omit<DiffPair, 'a' | 'b'> & { a?: TracedStep; b?: TracedStep };
export type Comparison = Omit<DiffResult, 'pairs'> & { pairs: ComparedPair[] };

export type GraphNodeAt = Omit<GraphNode, 'uri'> & { path?: string };
export interface Graph {
  nodes: GraphNodeAt[];
  edges: GraphEdge[];
}

/** A run capsule, run state or snapshot, at the file that holds it. */
export type RunRow = Omit<RunEntry, 'uri'> & { path: string };
export type RequestRow = Omit<RequestEntry, 'uri'> & { path: string };

export type ModelRow = Omit<ModelEntry, 'uri'> & { path: string };
export interface StateDirModels {
  dir: string;
  manifests: ModelRow[];
  partials: { name: string; path: string; bytes: number; total?: number }[];
  orphanBlobs: { digest: string; path: string; bytes: number }[];
}
export interface Models {
  stateDirs: StateDirModels[];
}
