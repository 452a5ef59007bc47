import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { layoutDag, NODE_HEIGHT, NODE_WIDTH, type Layout } from '../../client/graph/layout';

function crossings(layout: Layout): number {
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const segs = layout.edges.filter((e) => !e.back).map((e) => [at.get(e.from)!, at.get(e.to)!] as const).filter(([a, b]) => b.layer === a.layer + 1);
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      const [a1, b1] = segs[i];
      const [a2, b2] = segs[j];
      if (a1.layer === a2.layer && (a1.order - a2.order) * (b1.order - b2.order) < 0) n++;
    }
  }
  return n;
}

function overlaps(layout: Layout): boolean {
  return layout.nodes.some((a, i) => layout.nodes.some((b, j) => j > i && Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT));
}

describe('provenance graph layout', () => {
  it('puts every edge of a DAG from an earlier layer to a later one, by longest path', () => {
    const layout = layoutDag({
      nodes: ['event', 'request', 'response', 'output', 'context'].map((id) => ({ id })),
      edges: [
        { from: 'event', to: 'request' },
        { from: 'request', to: 'context' },
        { from: 'event', to: 'response' },
        { from: 'response', to: 'output' },
        { from: 'response', to: 'request' },
      ],
    });
    const layer = new Map(layout.nodes.map((n) => [n.id, n.layer]));
    assert.deepEqual(Object.fromEntries(layer), { event: 0, response: 1, request: 2, output: 2, context: 3 });
    assert.ok(!overlaps(layout));
  });

  it('breaks cycles instead of looping, and marks the edge drawn against the flow', () => {
    const layout = layoutDag({ nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }, { from: 'c', to: 'a' }, { from: 'a', to: 'a' }] });
    assert.equal(layout.edges.length, 3, 'self-loop dropped');
    assert.deepEqual(layout.edges.filter((e) => e.back).map((e) => `${e.from}>${e.to}`), ['c>a']);
  });

  it('orders layers so that a crossing that can be undone is undone', () => {
    // Input order makes the two chains cross; barycentre ordering untangles them.
    const layout = layoutDag({ nodes: ['a', 'b', 'y', 'x'].map((id) => ({ id })), edges: [{ from: 'a', to: 'x' }, { from: 'b', to: 'y' }] });
    assert.equal(crossings(layout), 0);
  });

  it('lays out any graph: every node once, no overlaps, forward edges point to later layers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 25 }), fc.array(fc.tuple(fc.nat(30), fc.nat(30)), { maxLength: 60 }), (n, pairs) => {
        const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}` }));
        const edges = pairs.map(([a, b]) => ({ from: `n${a % n}`, to: `n${b % n}` }));
        const layout = layoutDag({ nodes, edges });
        assert.equal(layout.nodes.length, n);
        assert.ok(!overlaps(layout));
        const layer = new Map(layout.nodes.map((p) => [p.id, p.layer]));
        for (const e of layout.edges) if (!e.back) assert.ok(layer.get(e.to)! > layer.get(e.from)!);
        for (const p of layout.nodes) assert.ok(p.x >= 0 && p.y >= 0 && p.x + NODE_WIDTH <= layout.width && p.y + NODE_HEIGHT <= layout.height + 0.001);
      }),
    );
  });
});
