// `refscope/graph`, `refscope/runs`, `refscope/snapshots`, `refscope/models`, `refscope/requests`
// and `refscope index --list-requests --json` (CONTRACT 3, 4): the index's rows with the file
// URI each carries on the wire in place of its path.
import type { Graph, Models, RequestRow, RunRow } from '../index/answers';
import type { GraphNode, GraphResult, ModelsResult, RequestEntry, RunEntry } from '../protocol';
import { withFileUri } from './fileUri';

type StateDirWire = ModelsResult['stateDirs'][number];

export function graphWire(g: Graph): GraphResult {
  return { nodes: g.nodes.map((n) => withFileUri<GraphNode>(n)), edges: g.edges };
}

export function runsWire(rows: RunRow[]): RunEntry[] {
  return rows.map((r) => withFileUri<RunEntry>(r));
}

export function requestsWire(rows: RequestRow[]): RequestEntry[] {
  return rows.map((r) => withFileUri<RequestEntry>(r));
}

export function modelsWire(m: Models): ModelsResult {
  return {
    stateDirs: m.stateDirs.map((d) => ({
      dir: d.dir,
      manifests: d.manifests.map((e) => withFileUri<StateDirWire['manifests'][number]>(e)),
      partials: d.partials.map((p) => withFileUri<StateDirWire['partials'][number]>(p)),
      orphanBlobs: d.orphanBlobs.map((b) => withFileUri<StateDirWire['orphanBlobs'][number]>(b)),
    })),
  };
}
