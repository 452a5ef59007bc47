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
  let rows = [];

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

  function focusRow(k) {
    if (!rows.length) return;
    k = Math.max(0, Math.min(rows.length - 1, k));
    for (const el of rowsEl.querySelectorAll('.row[tabindex="0"]')) el.tabIndex = -1;
    const el = rows[k].el;
    el.tabIndex = 0;
    el.focus();
  }

  function draw(model) {
    const started = performance.now();
    titleEl.textContent = model.title;
    totalEl.textContent = model.total;
    drawAxis(model.span);
    rows = [];
    const frag = document.createDocumentFragment();
    const span = model.span > 0 ? model.span : 1;
    for (const g of model.groups) {
      const head = document.createElement('div');
      head.className = 'group';
      head.setAttribute('role', 'rowgroup');
      head.textContent = g.label + ' (' + g.rows.length + ' steps)';
      frag.appendChild(head);
      for (const r of g.rows) {
        const row = document.createElement('div');
        row.className = 'row' + (r.critical ? ' critical' : '') + (r.missing ? ' missing' : '');
        row.setAttribute('role', 'row');
        row.tabIndex = -1;
        row.dataset.k = String(rows.length);
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
        row.append(label, track);
        frag.appendChild(row);
        rows.push({ el: row, r });
      }
    }
    rowsEl.replaceChildren(frag);
    if (!rows.length) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'No steps to show.';
      rowsEl.appendChild(p);
    } else rows[0].el.tabIndex = 0;
    // Layout is part of the render: force it before taking the time.
    void rowsEl.offsetHeight;
    vscode.postMessage({ type: 'rendered', rows: rows.length, ms: performance.now() - started });
  }

  function rowOf(target) {
    const el = target && target.closest ? target.closest('.row') : null;
    return el ? rows[Number(el.dataset.k)] : undefined;
  }

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
    const k = Number(hit.el.dataset.k);
    const moves = { ArrowDown: k + 1, ArrowUp: k - 1, Home: 0, End: rows.length - 1, PageDown: k + 20, PageUp: k - 20 };
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
