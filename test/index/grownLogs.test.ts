// A log an agent appends to, on real files through update(): its new lines are read from where
// the last read stopped and added to the rows the index holds (the chain verified across the
// boundary), with the same answers as an index built from scratch; a log that did not only grow
// (truncated, rewritten, an appended record that breaks the chain) is answered as a fresh read.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createIndex } from '../../shared/index/workspaceIndex';
import type { RefIndex } from '../../shared/index/api';
import { LedgerWriter } from '../../shared/demo/ledgerWriter';
import { Workspace, eachWithWorkspace } from './fixture';

/** In one order whatever order files were added in (lists by key follow it: a log linked again comes last). */
function ordered<T>(list: T[]): T[] {
  return list.map((x) => [JSON.stringify(x), x] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, x]) => x);
}

/** What the index answers about the workspace, for comparison with a fresh index. */
function answers(index: RefIndex, log: string, refs: string[]) {
  const s = index.stats();
  return {
    counts: { artifacts: s.artifacts, refs: s.refs, events: s.events, dangling: s.dangling, problems: s.problems },
    problems: ordered(index.problems()),
    occurrences: index.occurrences(log),
    events: refs.map((r) => ordered(index.eventsReferencing(r))),
    references: refs.map((r) => ordered(index.references(r))),
    resolved: refs.map((r) => index.resolve(r)),
  };
}

describe('index: a grown log adds only its new lines', () => {
  let ws: Workspace;
  let index: RefIndex;
  eachWithWorkspace((w) => (ws = w), () => index);

  /** Asserts that `index` answers as an index built now from the files on disk. */
  async function sameAsFresh(log: string, refs: string[], what: string): Promise<void> {
    const fresh = createIndex({ folders: [ws.dir] });
    await fresh.build();
    try {
      assert.deepEqual(answers(index, log, refs), answers(fresh, log, refs), what);
    } finally {
      await fresh.close();
    }
  }

  /** Artifacts of the runtime, and refs to them and to nothing (dangling) for the log lines to cite. */
  function citedRefs(n: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(`sha256:${ws.artifact('agent/runtime', 'requests', { i })}`);
    out.push(`sha256:${'e'.repeat(64)}`, `sha256:${'d'.repeat(64)}`);
    return out;
  }

  const event = (i: number, ref: string) => ({ event_type: 'provider_request_written', run_id: 'r1', seq: i, ts: `2026-12-04T08:00:${String(i).padStart(2, '0')}Z`, artifact_ref: ref });

  /** The whole text of each format's log citing `refs`, one line per event, as its writer writes it. */
  function logLines(format: 'audit' | 'plain' | 'ledger', refs: string[], events: number): string[] {
    const evs = Array.from({ length: events }, (_, i) => event(i, refs[i % refs.length]));
    if (format === 'plain') return evs.map((e) => JSON.stringify(e));
    const scratch = ws.p(`scratch-${format}.jsonl`);
    if (format === 'audit') ws.auditLog(`scratch-${format}.jsonl`, evs);
    else {
      const ledger = new LedgerWriter(scratch, { chained: true });
      for (const e of evs) ledger.append({ run_id: e.run_id, step_id: `s${e.seq}`, status: 'ok', started_at: e.ts, result: { ref: e.artifact_ref } });
      ledger.close();
    }
    const lines = fs.readFileSync(scratch, 'utf8').split('\n').filter(Boolean);
    fs.rmSync(scratch);
    return lines;
  }

  const places = { audit: 'agent/runtime/logs/audit.jsonl', plain: 'agent/runtime/r1.events.jsonl', ledger: 'agent/runtime/ledger_r1.jsonl' } as const;

  for (const format of ['audit', 'plain', 'ledger'] as const) {
    it(`${format}: appends in steps, a line cut mid-write among them, answer as a fresh index`, async () => {
      const refs = citedRefs(5);
      const lines = logLines(format, refs, 12);
      const log = ws.write(places[format], lines.slice(0, 4).join('\n') + '\n');
      index = createIndex({ folders: [ws.dir] });
      await index.build();
      await sameAsFresh(log, refs, 'built');
      // The writer stops mid-line (its refs are read, its event waits for a line that parses).
      const cut = lines[4].length >> 1;
      fs.appendFileSync(log, lines[4].slice(0, cut));
      await index.update([log]);
      await sameAsFresh(log, refs, 'a line half written');
      // Whole but not yet ended: its event is read, and read again once the line ends.
      fs.appendFileSync(log, lines[4].slice(cut));
      await index.update([log]);
      await sameAsFresh(log, refs, 'a line without its line break');
      assert.equal(index.stats().events, 5);
      // Files with rows of their own come after the log's, so its next lines cannot simply follow its rows.
      fs.appendFileSync(log, '\n' + lines.slice(5, 8).join('\n') + '\n');
      const others = [ws.write('notes.md', `see ${refs[1]} and ${refs[2]}\n`), ws.write('agent/runtime/r2.events.jsonl', JSON.stringify(event(0, refs[3])) + '\n')];
      await index.update([log, ...others]);
      await sameAsFresh(log, refs, 'the line ended and more appended');
      fs.appendFileSync(log, lines.slice(8).join('\n') + '\n');
      await index.update([log]);
      await sameAsFresh(log, refs, 'appended again');
      assert.equal(index.stats().events, 13);
      assert.ok(index.eventsReferencing(refs[0]).every((e) => format === 'plain' || e.verified), 'the chain holds across every boundary');
    });
  }

  it('reads megabytes appended in slices with turns of the event loop between them: requests meanwhile see a part of the lines, and nothing is lost', async function () {
    this.timeout(20_000);
    const refs = citedRefs(5);
    // ~500 KB: several slices of the update's TAIL_SLICE_BYTES.
    const lines = logLines('plain', refs, 3000);
    const log = ws.write(places.plain, lines.slice(0, 2).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    fs.appendFileSync(log, lines.slice(2).join('\n') + '\n');
    const readBefore = index.stats().filesRead!;
    const seen: number[] = [];
    let done = false;
    const updated = index.update([log]).then(() => (done = true));
    while (!done) {
      seen.push(index.stats().events);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await updated;
    const between = seen.filter((n) => n > 2 && n < lines.length);
    assert.ok(new Set(between).size >= 2, `answered between slices with ${[...new Set(between)].join(', ')} events read`);
    assert.deepEqual(seen, seen.slice().sort((a, b) => a - b), 'never fewer events than before');
    assert.equal(index.stats().events, lines.length);
    assert.equal(index.stats().filesRead, readBefore + 1, 'the log counts once as read');
    await sameAsFresh(log, refs, 'read in slices');
  });

  it('reads only what was appended: a line between the first and the last one read, overwritten in place, stays as read', async () => {
    const refs = citedRefs(3);
    const lines = logLines('audit', refs, 6);
    const log = ws.write(places.audit, lines.slice(0, 3).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    // The second record's bytes become junk of the same length: a whole read would find a malformed line and a broken chain.
    const fd = fs.openSync(log, 'r+');
    fs.writeSync(fd, Buffer.alloc(20, 0x78), 0, 20, lines[0].length + 1 + 5);
    fs.closeSync(fd);
    fs.appendFileSync(log, lines.slice(3).join('\n') + '\n');
    await index.update([log]);
    assert.deepEqual(index.problems(log).filter((p) => p.code !== 'dangling-ref'), []);
    assert.equal(index.stats().events, 6);
    assert.deepEqual(index.eventsReferencing(refs[0]).map((e) => [e.line, e.verified]), [[0, true], [5, true]]);
  });

  it('an appended record that breaks the chain is reported at its line, and the records after it are unverified', async () => {
    const refs = citedRefs(3);
    const lines = logLines('audit', refs, 6);
    const log = ws.write(places.audit, lines.slice(0, 3).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    // Record 4 (line 3) left out: record 5 names a hash the log does not have before it.
    fs.appendFileSync(log, lines.slice(4).join('\n') + '\n');
    await index.update([log]);
    await sameAsFresh(log, refs, 'a broken link appended');
    assert.deepEqual(index.problems(log).filter((p) => p.code === 'broken-chain').map((p) => p.line), [3]);
    assert.deepEqual(index.eventsReferencing(refs[0]).map((e) => [e.line, e.verified]), [[0, true], [4, false]]);
  });

  for (const change of ['truncated', 'rewritten with as many bytes', 'rewritten longer'] as const) {
    it(`a log ${change} is read whole again`, async () => {
      const refs = citedRefs(4);
      const lines = logLines('plain', refs, 8);
      const log = ws.write(places.plain, lines.join('\n') + '\n');
      index = createIndex({ folders: [ws.dir] });
      await index.build();
      await index.update([log]); // a read that leaves a resume point (the build may not)
      // Other refs in place of the old ones, so rows kept by mistake would show.
      const other = (l: string) => l.replace(refs[0], refs[1]).replace(refs[2], refs[3]);
      if (change === 'truncated') fs.writeFileSync(log, lines.slice(0, 3).join('\n') + '\n');
      else if (change === 'rewritten with as many bytes') fs.writeFileSync(log, lines.map(other).join('\n') + '\n');
      else fs.writeFileSync(log, lines.map(other).join('\n') + '\n' + lines.slice(0, 2).join('\n') + '\n');
      await index.update([log]);
      await sameAsFresh(log, refs, change);
    });
  }

  it('a log deleted and written again with the same first lines and more has all its dangling refs checked again', async () => {
    const refs = citedRefs(4);
    // Lines 4 and 5 cite the two refs to nothing.
    const lines = logLines('plain', refs, 8);
    const log = ws.write(places.plain, lines.slice(0, 6).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    assert.equal(index.stats().dangling, 2);
    fs.rmSync(log);
    await index.update([log]);
    assert.equal(index.stats().dangling, 0);
    // Back at the same path (and file id), its first rows as before: not a log that only grew.
    fs.writeFileSync(log, lines.join('\n') + '\n');
    await index.update([log]);
    assert.equal(index.stats().dangling, 2);
    await sameAsFresh(log, refs, 'deleted and written again');
  });

  it('a line cut mid-write and then replaced by another leaves no trace of the refs it had', async () => {
    const refs = citedRefs(4);
    const lines = logLines('plain', refs, 4);
    const log = ws.write(places.plain, lines.slice(0, 2).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    // Half a line naming refs[3] (named nowhere else), then the writer starts that line over with another ref.
    const whole = lines.slice(0, 2).join('\n') + '\n';
    fs.appendFileSync(log, `{"seq": 9, "artifact_ref": "${refs[3]}", "note": "cut`);
    await index.update([log]);
    assert.equal(index.references(refs[3]).length, 1, 'the half line is read');
    fs.writeFileSync(log, whole + lines[2] + '\n');
    await index.update([log]);
    assert.deepEqual(index.references(refs[3]), []);
    await sameAsFresh(log, refs, 'the half line replaced');
  });

  it('two logs appended to in turns (the rows of each followed by those of the other) answer as a fresh index, and so does their saved index loaded again', async function () {
    this.timeout(30_000);
    const refs = citedRefs(5);
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-turns-cache-'));
    try {
      // Audit lines carry summaries and a chain; plain ones neither.
      const logs = (['audit', 'plain'] as const).map((f) => ({ lines: logLines(f, refs, 81), path: ws.p(places[f]) }));
      // Each log's last line is whole but not ended: its event is read, then read again with the lines after it.
      for (const log of logs) ws.write(places[logs.indexOf(log) ? 'plain' : 'audit'], log.lines[0]);
      index = createIndex({ folders: [ws.dir], cacheDir: cache });
      await index.build();
      for (let k = 1; k < 81; k += 2) {
        for (const log of logs) {
          fs.appendFileSync(log.path, '\n' + log.lines[k] + '\n' + log.lines[k + 1]);
          await index.update([log.path]);
        }
        if (k % 20 === 1) await sameAsFresh(logs[0].path, refs, `after ${k + 1} lines each`);
      }
      assert.equal(index.stats().events, 162);
      await sameAsFresh(logs[1].path, refs, 'every line appended');
      assert.ok(index.eventsReferencing(refs[0]).filter((e) => e.source === 'audit').every((e) => e.verified), 'the chain holds across every boundary');
      await index.close();
      index = createIndex({ folders: [ws.dir], cacheDir: cache });
      await index.build();
      await sameAsFresh(logs[0].path, refs, 'saved and loaded again');
      await sameAsFresh(logs[1].path, refs, 'saved and loaded again');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('an SQLite event store that gains rows adds only them; one with fewer rows is read whole', async () => {
    const refs = citedRefs(4);
    /** `n` rows citing the refs in turn; `swap` makes row 1 cite the last ref instead. */
    const rows = (n: number, swap = false) => Array.from({ length: n }, (_, i) => ({ type: 'provider_request_written', payload: { run_id: 'r1', artifact_ref: refs[swap && i === 1 ? 3 : i % 3] }, at: `2026-12-04 08:00:0${i}.000000` }));
    const store = 'agent/runtime/events.sqlite3';
    await ws.sqliteEvents(store, rows(3));
    const log = ws.p(store);
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    await index.update([log]); // a read that leaves a resume point (the build may not)
    await ws.sqliteEvents(store, rows(5));
    await index.update([log]);
    await sameAsFresh(log, refs, 'rows added');
    assert.equal(index.stats().events, 5);
    // Row 1 changed, the last row read (5) and the count up to it as they were: taken as grown, row 1 kept as read.
    await ws.sqliteEvents(store, rows(7, true));
    await index.update([log]);
    assert.equal(index.stats().events, 7);
    assert.deepEqual(index.eventsReferencing(refs[3]), [], 'row 1 as first read');
    // Fewer rows than were read: read whole.
    await ws.sqliteEvents(store, rows(4, true));
    await index.update([log]);
    await sameAsFresh(log, refs, 'rows removed');
    assert.deepEqual(index.eventsReferencing(refs[3]).map((e) => e.sequence), [2]);
  });
});
