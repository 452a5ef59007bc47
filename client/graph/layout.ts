// Layered DAG layout for the provenance graph (a small Sugiyama): break cycles by dropping DFS
// back edges, assign layers by longest path from the sources, then order each layer by the
// barycentre of its neighbours in a few down and up sweeps to reduce crossings. Pure, so it is
// unit-tested without a webview; the webview only draws the coordinates it is given.

export interface LayoutInput {
  nodes: { id: string }[];
  edges: { from: string; to: string }[];
}

export interface PlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: PlacedNode[];
  /** Edges kept for drawing (self-loops and edges to unknown nodes dropped); `back` ones point against the flow. */
  edges: { from: string; to: string; back: boolean }[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 44;
const GAP_X = 70;
const GAP_Y = 18;
const SWEEPS = 4;

/** Edges whose removal makes the graph acyclic: back edges of an iterative DFS in input order. */
function backEdges(ids: string[], out: Map<string, string[]>): Set<string> {
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const back = new Set<string>();
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const succ = out.get(top.id) ?? [];
      if (top.next < succ.length) {
        const v = succ[top.next++];
        const s = state.get(v);
        if (s === 1) back.add(`${top.id}\0${v}`);
        else if (s === undefined) {
          state.set(v, 1);
          stack.push({ id: v, next: 0 });
        }
      } else {
        state.set(top.id, 2);
        stack.pop();
      }
    }
  }
  return back;
}

export function layoutDag(input: LayoutInput): Layout {
  const ids = [...new Set(input.nodes.map((n) => n.id))];
  const known = new Set(ids);
  const seen = new Set<string>();
  const edges: { from: string; to: string }[] = [];
  for (const e of input.edges) {
    const key = `${e.from}\0${e.to}`;
    if (e.from === e.to || !known.has(e.from) || !known.has(e.to) || seen.has(key)) continue;
    seen.add(key);
    edges.push(e);
  }
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  const back = backEdges(ids, out);
  const forward = edges.filter((e) => !back.has(`${e.from}\0${e.to}`));

  // Longest path layering over the acyclic edges, in topological (Kahn) order.
  const indeg = new Map(ids.map((id) => [id, 0]));
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  for (const e of forward) {
    indeg.set(e.to, indeg.get(e.to)! + 1);
    succ.set(e.from, [...(succ.get(e.from) ?? []), e.to]);
    pred.set(e.to, [...(pred.get(e.to) ?? []), e.from]);
  }
  const layer = new Map(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const u = queue[i];
    for (const v of succ.get(u) ?? []) {
      layer.set(v, Math.max(layer.get(v)!, layer.get(u)! + 1));
      indeg.set(v, indeg.get(v)! - 1);
      if (indeg.get(v) === 0) queue.push(v);
    }
  }

  const layers: string[][] = [];
  for (const id of ids) (layers[layer.get(id)!] ??= []).push(id);
  const position = new Map<string, number>();
  const renumber = (l: string[]) => l.forEach((id, i) => position.set(id, i));
  layers.forEach(renumber);
  const barycentre = (id: string, neighbours: Map<string, string[]>) => {
    const ns = neighbours.get(id) ?? [];
    return ns.length ? ns.reduce((s, n) => s + position.get(n)!, 0) / ns.length : position.get(id)!;
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? layers.map((_, i) => i).slice(1) : layers.map((_, i) => i).slice(0, -1).reverse();
    for (const i of order) {
      const l = layers[i];
      const key = new Map(l.map((id) => [id, barycentre(id, down ? pred : succ)]));
      l.sort((a, b) => key.get(a)! - key.get(b)! || position.get(a)! - position.get(b)!);
      renumber(l);
    }
  }

  const tallest = layers.reduce((most, l) => Math.max(most, l.length), 1);
  const height = tallest * (NODE_HEIGHT + GAP_Y) - GAP_Y;
  const nodes: PlacedNode[] = [];
  layers.forEach((l, li) => {
    const offset = (height - (l.length * (NODE_HEIGHT + GAP_Y) - GAP_Y)) / 2; // centre short layers
    l.forEach((id, order) => nodes.push({ id, layer: li, order, x: li * (NODE_WIDTH + GAP_X), y: offset + order * (NODE_HEIGHT + GAP_Y) }));
  });
  return {
    nodes,
    edges: edges.map((e) => ({ ...e, back: back.has(`${e.from}\0${e.to}`) })),
    width: Math.max(1, layers.length) * (NODE_WIDTH + GAP_X) - GAP_X,
    height,
  };
}
