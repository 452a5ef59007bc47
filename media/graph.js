// Draws the provenance DAG the extension sends (nodes, edges, precomputed layout) as SVG.
// Artifact text only ever reaches the DOM through textContent/setAttribute on SVG elements.
(function () {
  const vscode = acquireVsCodeApi();
  const SVG = 'http://www.w3.org/2000/svg';
  const PAD = 16;
  const graphEl = document.getElementById('graph');
  const titleEl = document.getElementById('title');

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }

  function kindClass(kind) {
    let h = 0;
    for (const c of String(kind)) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return 'k' + (h % 8);
  }

  function clip(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, max - 1) + '…' : text;
  }

  function draw(msg) {
    const { graph, layout, root, nodeWidth: W, nodeHeight: H } = msg;
    titleEl.textContent = graph.nodes.length + ' nodes, ' + graph.edges.length + ' edges around ' + root;
    graphEl.replaceChildren();
    if (!graph.nodes.length) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'Nothing is known about this ref.';
      graphEl.appendChild(p);
      return;
    }
    const svg = el('svg', { width: layout.width + 2 * PAD, height: layout.height + 2 * PAD, viewBox: `${-PAD} ${-PAD} ${layout.width + 2 * PAD} ${layout.height + 2 * PAD}` }, graphEl);
    const defs = el('defs', {}, svg);
    const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow' }, marker);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const labels = new Map(graph.edges.map((e) => [e.from + '\u0000' + e.to, e.label]));
    for (const e of layout.edges) {
      const a = at.get(e.from), b = at.get(e.to);
      const forward = b.x > a.x;
      const x1 = forward ? a.x + W : a.x, y1 = a.y + H / 2;
      const x2 = forward ? b.x : b.x + W, y2 = b.y + H / 2;
      const dx = Math.max(30, Math.abs(x2 - x1) / 2) * (forward ? 1 : -1);
      const path = el('path', { d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`, class: 'edge' + (e.back ? ' back' : ''), 'marker-end': 'url(#arrow)' }, svg);
      const label = labels.get(e.from + '\u0000' + e.to);
      if (label) el('title', {}, path).textContent = label;
    }
    for (const p of layout.nodes) {
      const n = byId.get(p.id);
      // Missing: nothing answers to the ref. Pruned: the bytes are gone but their deletion is recorded.
      const state = n.missing ? 'missing' : n.verification === 'pruned' ? 'pruned' : '';
      const g = el('g', { class: 'node ' + kindClass(n.kind) + (state ? ' ' + state : '') + (n.id === root ? ' root' : ''), transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button', 'data-id': n.id }, svg);
      el('title', {}, g).textContent = n.id + (state ? ` (${state})` : '');
      el('rect', { width: W, height: H, rx: 6 }, g);
      el('rect', { class: 'band', width: 5, height: H }, g);
      el('text', { x: 12, y: 18 }, g).textContent = clip(n.label, 26);
      el('text', { x: 12, y: 34, class: 'kind' }, g).textContent = clip(n.kind + (state && state !== n.kind ? ' · ' + state : ''), 30);
      if (!n.missing) {
        const open = () => vscode.postMessage({ type: 'open', id: n.id });
        g.addEventListener('click', open);
        g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') open(); });
      }
    }
  }

  function revealRoot() {
    const rootEl = graphEl.querySelector('g.node.root');
    if (rootEl) rootEl.scrollIntoView({ block: 'center', inline: 'center' });
  }

  window.addEventListener('message', (ev) => { if (ev.data && ev.data.type === 'graph') { draw(ev.data); revealRoot(); } });
  vscode.postMessage({ type: 'ready' });
})();
