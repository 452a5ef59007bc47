// Draws the trace timeline the extension sends: one bar per step on a time axis, grouped by
// run, the critical path marked. Step text reaches the DOM only through textContent. Keyboard:
// Up/Down/Home/End move between steps, Enter opens the step's artifact; so does a click.
(function () {
  const vscode = acquireVsCodeApi();
  const titleEl = document.getElementById('title');
  const totalEl = document.getElementById('total');
  const axisEl = document.getElementById('axis');
  const rowsEl = document.getElementById('rows');
  const tip = document.getElementById('tip');

  function niceStep(span, ticks) {
    const raw = span / ticks;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (raw <= m * mag) return m * mag;
    return 10 * mag;
  }

  function tickText(ms) {
    if (ms === 0) return '0';
    if (ms < 1000) return ms + ' ms';
    if (ms < 60000) return +(ms / 1000).toFixed(2) + ' s';
    return +(ms / 60000).toFixed(1) + ' min';
  }

  function drawAxis(span) {
    axisEl.replaceChildren();
    if (span <= 0) return;
    const step = niceStep(span, 8);
    for (let t = 0; t <= span; t += step) {
      const tick = document.createElement('span');
      tick.className = 'tick';
      tick.style.left = (100 * t) / span + '%';
      tick.textContent = tickText(t);
      axisEl.appendChild(tick);
    }
  }

  function tipText(r) {
    return [r.label, 'time: ' + (r.time || '(none)'), 'duration: ' + r.duration, r.ref ? 'artifact: ' + (r.kind ? r.kind + ' ' : '') + r.ref : 'no artifact', r.critical ? 'on the critical path' : '', r.missing ? 'missing evidence' : '']
      .filter(Boolean)
      .join('\n');
  }

  function showTip(row, r) {
    tip.textContent = tipText(r);
    tip.hidden = false;
    const box = row.getBoundingClientRect();
    tip.style.left = Math.min(box.left + 40, window.innerWidth - 300) + 'px';
    tip.style.top = (box.bottom + 4 + tip.offsetHeight > window.innerHeight ? box.top - tip.offsetHeight - 4 : box.bottom + 4) + 'px';
  }

  function open(r) {
    if (!r.missing) vscode.postMessage({ type: 'open', i: r.i });
  }

  // Only the rows in view (and a margin) are in the DOM, each at its own offset in a container
  // as tall as all of them: a run of 10,000 steps renders as fast as one of 50.
  const ROW = 20;
  const MARGIN = 20;
  let items = []; // { group } or { r }, in display order
  let span = 1;
  let focused = 0;
  let drawn = new Map(); // item index -> element

  function rowElement(k) {
    const it = items[k];
    const el = document.createElement('div');
    el.style.top = k * ROW + 'px';
    el.dataset.k = String(k);
    if (it.group !== undefined) {
      el.className = 'group';
      el.setAttribute('role', 'rowgroup');
      el.textContent = it.group;
      return el;
    }
    const r = it.r;
    el.className = 'row' + (r.critical ? ' critical' : '') + (r.missing ? ' missing' : '');
    el.setAttribute('role', 'row');
    el.setAttribute('aria-rowindex', String(k + 1));
    el.tabIndex = k === focused ? 0 : -1;
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = r.label + (r.kind ? ' · ' + r.kind : '');
    const track = document.createElement('span');
    track.className = 'track';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.left = (100 * r.at) / span + '%';
    bar.style.width = (100 * r.dur) / span + '%';
    track.appendChild(bar);
    el.append(label, track);
    return el;
  }

  function drawWindow() {
    const top = rowsEl.getBoundingClientRect().top;
    const from = Math.max(0, Math.floor(-top / ROW) - MARGIN);
    const to = Math.min(items.length, Math.ceil((window.innerHeight - top) / ROW) + MARGIN);
    for (const [k, el] of drawn) {
      if (k < from || k >= to) {
        el.remove();
        drawn.delete(k);
      }
    }
    const frag = document.createDocumentFragment();
    for (let k = from; k < to; k++) {
      if (drawn.has(k)) continue;
      const el = rowElement(k);
      drawn.set(k, el);
      frag.appendChild(el);
    }
    rowsEl.appendChild(frag);
  }

  function focusRow(k) {
    if (!items.length) return;
    k = Math.max(0, Math.min(items.length - 1, k));
    if (items[k].group !== undefined) k = Math.min(items.length - 1, k + 1);
    const old = drawn.get(focused);
    if (old) old.tabIndex = -1;
    focused = k;
    const box = rowsEl.getBoundingClientRect();
    const y = box.top + k * ROW;
    if (y < 0 || y + ROW > window.innerHeight) window.scrollBy(0, y < 0 ? y - ROW : y + 2 * ROW - window.innerHeight);
    drawWindow();
    const el = drawn.get(k);
    el.tabIndex = 0;
    el.focus();
  }

  function draw(model) {
    const started = performance.now();
    titleEl.textContent = model.title;
    totalEl.textContent = model.total;
    drawAxis(model.span);
    span = model.span > 0 ? model.span : 1;
    items = [];
    for (const g of model.groups) {
      items.push({ group: g.label + ' (' + g.rows.length + ' steps)' });
      for (const r of g.rows) items.push({ r });
    }
    focused = items.length > 1 ? 1 : 0;
    drawn = new Map();
    rowsEl.replaceChildren();
    rowsEl.style.height = items.length * ROW + 'px';
    rowsEl.setAttribute('aria-rowcount', String(items.length));
    const rows = items.length - model.groups.length;
    if (!rows) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'No steps to show.';
      rowsEl.replaceChildren(p);
      rowsEl.style.height = '';
    } else drawWindow();
    // Layout is part of the render: force it before taking the time.
    void rowsEl.offsetHeight;
    vscode.postMessage({ type: 'rendered', rows, ms: performance.now() - started });
  }

  function rowOf(target) {
    const el = target && target.closest ? target.closest('.row') : null;
    const it = el ? items[Number(el.dataset.k)] : undefined;
    return it && it.r ? { el, r: it.r, k: Number(el.dataset.k) } : undefined;
  }

  let pending = false;
  window.addEventListener('scroll', () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      drawWindow();
    });
  }, { passive: true });
  window.addEventListener('resize', () => drawWindow());

  rowsEl.addEventListener('click', (e) => {
    const hit = rowOf(e.target);
    if (hit) open(hit.r);
  });
  rowsEl.addEventListener('mouseover', (e) => {
    const hit = rowOf(e.target);
    if (hit) showTip(hit.el, hit.r);
  });
  rowsEl.addEventListener('mouseleave', () => (tip.hidden = true));
  rowsEl.addEventListener('focusin', (e) => {
    const hit = rowOf(e.target);
    if (hit) showTip(hit.el, hit.r);
  });
  rowsEl.addEventListener('keydown', (e) => {
    const hit = rowOf(e.target);
    if (!hit) return;
    const k = hit.k;
    const moves = { ArrowDown: k + 1, ArrowUp: k - 1, Home: 0, End: items.length - 1, PageDown: k + 20, PageUp: k - 20 };
    if (e.key in moves) {
      e.preventDefault();
      focusRow(moves[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(hit.r);
    }
  });
  window.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'timeline') draw(e.data.model);
  });
  vscode.postMessage({ type: 'ready' });
})();
