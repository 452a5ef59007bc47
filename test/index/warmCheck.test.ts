// The warm check (shared/index/warmCheck.ts) through real files: a start (lazy, or the language
// server's full one) over a workspace whose folders are as the saved index listed them lists
// nothing; a file changed in place (a log grown, truncated or rewritten) is read without a
// listing; a few folders that moved are listed alone; and every other change a runtime or a
// user makes (a folder replaced, a file come where a listing must place it) still sends it
// through a full listing that reads exactly what changed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { IndexOptions, RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { isResolvedTarget } from '../../shared/index/resolution';
import type { StatsResult } from '../../shared/protocol';
import { plantSmallRuntime, Workspace } from './fixture';

/** The fs module itself (an `import *` gives a copy of its bindings): where a spy on readdirSync must go. */
const nodeFs = createRequire(__filename)('node:fs') as typeof fs;

describe('index warm check (folder stamps)', () => {
  let ws: Workspace;
  let cache: string;
  let open: RefIndex[];
  let h: Record<string, string>;
  let lastHash: string;

  function index(extra: Partial<IndexOptions> = {}): RefIndex {
    const i = createIndex({ folders: [ws.dir], cacheDir: cache, ...extra });
    open.push(i);
    return i;
  }

  /** Sets every workspace folder's mtime an hour back, as a workspace written earlier would be (stamps closer to their listing are not trusted). */
  function age(dir = ws.dir): void {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && path.join(dir, e.name) !== cache) age(path.join(dir, e.name));
    const past = new Date(Date.now() - 3600_000);
    fs.utimesSync(dir, past, past);
  }

  /** A lazy build (as `refscope index` runs it) and the workspace folders it listed (read whole, or opened to be read a batch at a time). */
  async function start(extra: Partial<IndexOptions> = {}): Promise<{ stats: StatsResult; listed: string[]; index: RefIndex }> {
    const listed: string[] = [];
    const noted = (p: string) => {
      if ((p === ws.dir || p.startsWith(ws.dir + path.sep)) && !p.startsWith(cache)) listed.push(p);
    };
    const { readdirSync, opendirSync } = nodeFs;
    nodeFs.readdirSync = function (this: unknown, ...args: Parameters<typeof fs.readdirSync>) {
      noted(String(args[0]));
      return readdirSync.apply(this, args);
    } as typeof fs.readdirSync;
    nodeFs.opendirSync = function (this: unknown, ...args: Parameters<typeof fs.opendirSync>) {
      noted(String(args[0]));
      return opendirSync.apply(this, args);
    } as typeof fs.opendirSync;
    try {
      const i = index({ lazy: true, ...extra });
      return { stats: await i.build(), listed, index: i };
    } finally {
      Object.assign(nodeFs, { readdirSync, opendirSync });
    }
  }

  /** Checks that `started` gives a fresh full index's stats, answers for `refs`, and problems. */
  async function answersAsFresh(started: { stats: StatsResult; index: RefIndex }, refs: string[]): Promise<void> {
    const fresh = createIndex({ folders: [ws.dir] });
    open.push(fresh);
    assert.deepEqual({ ...started.stats, indexMs: 0, filesRead: 0 }, { ...(await fresh.build()), indexMs: 0, filesRead: 0 });
    for (const ref of refs) assert.deepEqual(started.index.resolve(ref), fresh.resolve(ref), ref);
    assert.deepEqual(started.index.problems(), fresh.problems());
  }

  /**
   * The first (cold) start, then one that lists again and saves stamps it can trust: the
   * first save made the cache folder inside the workspace, which changed the workspace folder.
   */
  async function cold(): Promise<{ stats: StatsResult; listed: string[] }> {
    const first = await start();
    age();
    assert.ok((await start()).listed.length > 0);
    return first;
  }

  beforeEach(() => {
    ws = new Workspace();
    cache = ws.p('.cache-dir');
    open = [];
    ({ h, lastHash } = plantSmallRuntime(ws));
  });
  afterEach(async () => {
    for (const i of open) await i.close();
    ws.remove();
  });

  it('lists nothing on an unchanged workspace and answers as the full listing did', async () => {
    const first = await cold();
    assert.ok(first.listed.length > 0);
    assert.equal(first.stats.filesRead, 4);
    const warm = await start();
    assert.deepEqual(warm.listed, []);
    assert.deepEqual({ ...warm.stats, indexMs: 0 }, { ...first.stats, indexMs: 0, filesRead: 0 });
    const r = warm.index.resolve(`sha256:${h.req}`);
    assert.ok(isResolvedTarget(r) && r.producedBy?.eventType === 'provider_request_written');
    // The language server's start (a full index, not lazy) lists nothing either: it loads every saved record, and finds the same.
    const full = await start({ lazy: false, orderLookups: true });
    assert.deepEqual(full.listed, []);
    assert.deepEqual({ ...full.stats, indexMs: 0 }, { ...first.stats, indexMs: 0, filesRead: 0 });
    const again = full.index.resolve(`sha256:${h.req}`);
    assert.ok(isResolvedTarget(again) && again.producedBy?.eventType === 'provider_request_written');
  });

  it('a language server start that listed and found the saved index leaves stamps: the next one lists nothing', async () => {
    const first = await cold();
    fs.rmSync(path.join(cache, 'folders.json'));
    const listing = await start({ lazy: false, orderLookups: true });
    assert.ok(listing.listed.length > 0);
    assert.equal(listing.stats.filesRead, 0);
    const trusting = await start({ lazy: false, orderLookups: true });
    assert.deepEqual(trusting.listed, []);
    assert.deepEqual({ ...trusting.stats, indexMs: 0 }, { ...first.stats, indexMs: 0, filesRead: 0 });
  });

  it('sees a new artifact in a folder it stamped, and a removed one', async () => {
    const first = await cold();
    const added = ws.artifact('runtime', 'outputs', { n: 3 });
    const more = await start();
    assert.ok(more.listed.length > 0);
    assert.equal(more.stats.filesRead, 1);
    assert.equal(more.stats.artifacts, first.stats.artifacts + 1);
    assert.ok(isResolvedTarget(more.index.resolve(`sha256:${added}`)));
    age();
    await start(); // lists the folders age() moved alone, then saves their stamps
    fs.rmSync(ws.p(`runtime/artifacts/requests/${h.req}.json`));
    const fewer = await start();
    assert.ok(fewer.listed.length > 0);
    assert.equal(fewer.stats.artifacts, first.stats.artifacts);
    assert.equal(fewer.index.resolve(`sha256:${h.req}`).type, 'unresolved');
  });

  it('a language server start lists alone the folders an agent wrote into (artifacts and a new log), and answers as a full listing', async () => {
    await cold();
    const server = { lazy: false, orderLookups: true };
    const added = ws.artifact('runtime', 'requests', { n: 'written later' });
    ws.write('runtime/later.events.jsonl', JSON.stringify({ seq: 1, event_type: 'provider_request_written', run_id: 'r9', artifact_ref: `sha256:${added}` }) + '\n');
    fs.rmSync(ws.p(`runtime/artifacts/outputs/${h.out}.json`));
    ws.artifact('runtime', 'outputs', { n: 'the one left' });
    const scoped = await start(server);
    assert.deepEqual(scoped.listed.sort(), [ws.p('runtime'), ws.p('runtime/artifacts/outputs'), ws.p('runtime/artifacts/requests')]);
    assert.equal(scoped.stats.filesRead, 3);
    await answersAsFresh(scoped, ['r9', `sha256:${added}`, `sha256:${h.out}`]);
    // Its save leaves the new stamps (once the folders have settled): the next start lists nothing and reads nothing.
    age();
    await scoped.index.close();
    await start(server);
    const next = await start(server);
    assert.deepEqual(next.listed, []);
    assert.equal(next.stats.filesRead, 0);
    assert.equal(next.stats.artifacts, scoped.stats.artifacts);
  });

  it('a language server start lists the whole workspace when a folder that moved holds a new folder or lost its last artifact', async () => {
    const first = await cold();
    const server = { lazy: false, orderLookups: true };
    const added = ws.artifact('runtime', 'newkind', { n: 'in a new folder' });
    const withFolder = await start(server);
    assert.ok(withFolder.listed.includes(ws.p('runtime/logs')), 'the workspace listed');
    assert.equal(withFolder.stats.artifacts, first.stats.artifacts + 1);
    assert.ok(isResolvedTarget(withFolder.index.resolve(`sha256:${added}`)));
    await withFolder.index.close();
    age();
    await start(server);
    fs.rmSync(ws.p(`runtime/artifacts/newkind/${added}.json`));
    const emptied = await start(server);
    assert.ok(emptied.listed.includes(ws.p('runtime/logs')), 'the workspace listed');
    assert.equal(emptied.stats.artifacts, first.stats.artifacts);
    assert.equal(emptied.index.resolve(`sha256:${added}`).type, 'unresolved');
  });

  it('sees a folder replaced by another of other artifacts', async () => {
    const first = await cold();
    const other = new Workspace();
    try {
      const swapped = other.artifact('runtime', 'outputs', { n: 'swapped in' });
      fs.rmSync(ws.p('runtime/artifacts/outputs'), { recursive: true });
      fs.renameSync(other.p('runtime/artifacts/outputs'), ws.p('runtime/artifacts/outputs'));
      const after = await start();
      assert.ok(after.listed.length > 0);
      assert.equal(after.stats.artifacts, first.stats.artifacts);
      assert.ok(isResolvedTarget(after.index.resolve(`sha256:${swapped}`)));
      assert.equal(after.index.resolve(`sha256:${h.out}`).type, 'unresolved');
    } finally {
      other.remove();
    }
  });

  it('reads a log grown, truncated or rewritten in place (its folder unchanged) without a listing; the next start reads nothing', async () => {
    const first = await cold();
    assert.deepEqual((await start()).listed, []);
    const log = ws.p('runtime/logs/audit.jsonl');
    /** A start after a change in place: no listing, the log alone read, the file table not written; then one that reads nothing. */
    const table = () => fs.readdirSync(cache).filter((n) => n.startsWith('files-'));
    const readAlone = async (): Promise<StatsResult> => {
      const tableBefore = table();
      const s = await start();
      assert.deepEqual(s.listed, []);
      // The saved file table kept as it was (the log's stamps are saved beside it).
      assert.deepEqual(table(), tableBefore);
      assert.equal(s.stats.filesRead, 1);
      const next = await start();
      assert.deepEqual(next.listed, []);
      assert.equal(next.stats.filesRead, 0);
      assert.deepEqual({ ...next.stats, indexMs: 0 }, { ...s.stats, indexMs: 0, filesRead: 0 });
      return s.stats;
    };
    ws.appendAudit('runtime/logs/audit.jsonl', lastHash, [{ event_type: 'run_completed', run_id: 'r1', ts: '2024-05-01T10:00:02Z' }]);
    assert.equal((await readAlone()).events, first.stats.events + 1);
    const firstLine = fs.readFileSync(log, 'utf8').split('\n')[0] + '\n';
    fs.truncateSync(log, Buffer.byteLength(firstLine));
    assert.equal((await readAlone()).events, 1);
    ws.auditLog('runtime/logs/audit.jsonl', [{ event_type: 'run_started', run_id: 'r2', ts: '2024-05-02T10:00:00Z' }, { event_type: 'run_completed', run_id: 'r2', ts: '2024-05-02T10:00:01Z' }]);
    assert.equal((await readAlone()).events, 2);
    // The language server's start (a full index) reads it without a listing too, and answers as the lazy one.
    ws.appendAudit('runtime/logs/audit.jsonl', fs.readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { hash: string }).hash).pop()!, [{ event_type: 'run_failed', run_id: 'r2', ts: '2024-05-02T10:00:02Z' }]);
    const full = await start({ lazy: false, orderLookups: true });
    assert.deepEqual(full.listed, []);
    assert.equal(full.stats.filesRead, 1);
    assert.equal(full.stats.events, 3);
    await full.index.close();
    const next = await start();
    assert.deepEqual(next.listed, []);
    assert.equal(next.stats.filesRead, 0);
    assert.equal(next.stats.events, 3);
    // A listing after them (an artifact added) compares the log with its stamps as last saved (beside the saved table): it is not read again.
    const added = ws.artifact('runtime', 'outputs', { n: 'after the log changed' });
    const listing = await start();
    assert.ok(listing.listed.length > 0);
    assert.equal(listing.stats.filesRead, 1);
    await answersAsFresh(listing, ['r2', `sha256:${added}`, `sha256:${h.req}`]);
  });

  it('trusts an artifact rewritten in place (write-once); verify stats and reads it', async () => {
    await cold();
    const file = ws.p(`runtime/artifacts/outputs/${h.out}.json`);
    fs.writeFileSync(file, JSON.stringify({ n: 'rewritten in place' }));
    const trusting = await start();
    assert.deepEqual(trusting.listed, []);
    assert.equal(trusting.stats.filesRead, 0);
    const verifying = await start({ lazy: false, statArtifacts: true });
    assert.ok(verifying.listed.length > 0);
    assert.equal(verifying.stats.filesRead, 1);
    const r = verifying.index.resolve(`sha256:${h.out}`);
    assert.ok(isResolvedTarget(r) && r.verification === 'mismatch');
  });

  it('a lazy start after a note was saved over (as an editor saves) lists its folder alone and reads the note; a file come beside it lists the workspace', async () => {
    await cold();
    const note = ws.p('notes.md');
    fs.writeFileSync(note + '.tmp', `see sha256:${h.req} and sha256:${'ab'.repeat(32)}\n`);
    fs.renameSync(note + '.tmp', note);
    const saved = await start();
    assert.deepEqual(saved.listed, [ws.dir]);
    assert.equal(saved.stats.filesRead, 1);
    await answersAsFresh(saved, [`sha256:${h.req}`, `sha256:${h.out}`, `sha256:${'ab'.repeat(32)}`]);
    // Saved just before that start, the folder's stamp is not trusted: the next start lists it alone again, and reads nothing.
    const next = await start();
    assert.deepEqual(next.listed, [ws.dir]);
    assert.equal(next.stats.filesRead, 0);
    ws.write('more-notes.md', `see sha256:${h.out}\n`);
    const more = await start();
    assert.ok(more.listed.length > 1);
    assert.equal(more.stats.filesRead, 1);
    await answersAsFresh(more, [`sha256:${h.req}`, `sha256:${h.out}`]);
  });

  it('does not trust folders changed just before they were listed: the next start lists them alone again', async () => {
    await cold();
    ws.artifact('runtime', 'outputs', { n: 'just written' });
    await start();
    const next = await start();
    assert.deepEqual(next.listed, [ws.p('runtime/artifacts/outputs')]);
    assert.equal(next.stats.filesRead, 0);
    age();
    await start();
    assert.deepEqual((await start()).listed, []);
  });
});
