// A lazy start (`refscope index`, `show`, `trace`) over a workspace a few files of which
// changed since the save loads only the saved buckets the change touches (startFromChanges in
// workspaceIndex.ts), through real files on disk: every answer must be the one a fresh full
// index of the same tree gives, and the saved index it leaves must answer as one saved whole.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import { BUCKETS, bucketOf, keysFileOf } from '../../shared/index/persist';
import { RecordsReader } from '../../shared/index/recordsFile';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { createIndex } from '../../shared/index/workspaceIndex';
import type { StatsResult } from '../../shared/protocol';
import { sha256Hex } from '../demo/demoFixture';
import { demoCopies } from './demoCopies';

describe('index start after a change (only the touched buckets)', function () {
  this.timeout(600000);
  const demo = demoCopies(120);
  let ws: string;
  let cache: string;

  /** A copy of the demo, with `before` done to it, indexed cold into its own cache. */
  async function savedCopy(before?: () => void): Promise<void> {
    ({ ws, cache } = demo.copy());
    before?.();
    const cold = createIndex({ folders: [ws], cacheDir: cache, lazy: true });
    await cold.build();
    await cold.close();
  }

  function index(lazy: boolean): RefIndex {
    const i = createIndex({ folders: [ws], ...(lazy ? { cacheDir: cache, lazy } : {}) });
    return demo.track(i);
  }

  /** A lazy start, with how many saved files it loaded (MemoryIndex.setSaved: a full load loads every one). */
  async function start(): Promise<{ index: RefIndex; stats: StatsResult; loaded: number }> {
    let loaded = 0;
    const real = MemoryIndex.prototype.setSaved;
    MemoryIndex.prototype.setSaved = function (this: MemoryIndex, ...args: Parameters<MemoryIndex['setSaved']>) {
      loaded++;
      return real.apply(this, args);
    };
    try {
      const i = index(true);
      return { index: i, stats: await i.build(), loaded };
    } finally {
      MemoryIndex.prototype.setSaved = real;
    }
  }

  /** What a start answers, but for how long it took and what it read. */
  function answers(s: StatsResult): Partial<StatsResult> {
    return { ...s, indexMs: undefined, filesRead: undefined };
  }

  const problemList = (i: RefIndex) => i.problems().map((p) => JSON.stringify(p)).sort();

  /** Starts lazily after the change and compares every answer with a fresh full index of the tree. */
  async function startsAsFresh(refs: string[]): Promise<{ stats: StatsResult; loaded: number }> {
    const { index: lazy, stats, loaded } = await start();
    const fresh = index(false);
    const want = await fresh.build();
    assert.deepEqual(answers(stats), answers(want));
    for (const ref of refs) {
      assert.deepEqual(lazy.resolve(ref), fresh.resolve(ref), `resolve ${ref}`);
      assert.deepEqual(lazy.trace(ref), fresh.trace(ref), `trace ${ref}`);
    }
    // The saved index it left, started again: its counters, then every record (a full load of it).
    const again = await start();
    assert.deepEqual(answers(again.stats), answers(want));
    assert.equal(again.stats.filesRead, 0);
    assert.deepEqual(problemList(again.index), problemList(fresh));
    const places = (i: RefIndex, ref: string) => i.references(ref).map((l) => `${l.path}:${l.line}:${l.col}`).sort();
    for (const ref of refs) assert.deepEqual(places(again.index, ref), places(fresh, ref), `references ${ref}`);
    assert.deepEqual(problemList(lazy), problemList(fresh));
    return { stats, loaded };
  }

  /** Files the saved index holds (every file of the workspace the index reads). */
  function savedFiles(): number {
    let n = 0;
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else n++;
      }
    };
    walk(ws);
    return n;
  }

  /** Replaces `file` by a new file of `content` (a new inode, as an editor's save makes). */
  function rewrite(file: string, content: string): void {
    fs.writeFileSync(file + '.tmp', content);
    fs.renameSync(file + '.tmp', file);
  }

  function artifactFile(ref: string, dir = ws): string {
    const hex = ref.replace(/^sha256:/, '');
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.startsWith(hex)) found.push(path.join(d, e.name));
      }
    };
    walk(dir);
    assert.equal(found.length, 1, found.join(', '));
    return found[0];
  }

  it('an edited note: reads it, loads a small part of the saved index, answers as a fresh index', async () => {
    await savedCopy();
    const note = path.join(ws, 'notes', 'incident.md');
    rewrite(note, fs.readFileSync(note, 'utf8') + `\nSee also ${demo.newestRequest} and sha256:${'ab'.repeat(32)}.\n`);
    const table = () => fs.readdirSync(cache).filter((n) => n.startsWith('files-'));
    const before = table();
    const { stats, loaded } = await startsAsFresh([demo.newestRequest, `sha256:${'ab'.repeat(32)}`]);
    assert.equal(stats.filesRead, 1);
    // No file came or went: the saved file table is kept (the note's stamps saved beside it), not written again.
    assert.deepEqual(table(), before);
    assert.ok(loaded > 0 && loaded < savedFiles() / 10, `${loaded} of ${savedFiles()} saved files loaded`);
  });

  it('a log appended: reads its new lines, loads a small part of the saved index', async () => {
    await savedCopy();
    const log = path.join(ws, 'agent-b', 'runtime', 'events.jsonl');
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    fs.appendFileSync(log, JSON.stringify({ ...last, seq: lines.length + 1, ts: '2026-11-21T00:00:00.000Z', artifact_ref: demo.newestRequest }) + '\n');
    const { stats, loaded } = await startsAsFresh([demo.newestRequest]);
    assert.equal(stats.filesRead, 1);
    assert.ok(loaded < savedFiles() / 10, `${loaded} of ${savedFiles()} saved files loaded`);
  });

  it('an artifact added that a saved note names (its dangling ref resolves), and one removed that saved files name', async () => {
    const request = artifactFile(demo.newestRequest, demo.dir);
    const doc = JSON.parse(fs.readFileSync(request, 'utf8')) as Record<string, unknown>;
    const bytes = JSON.stringify({ ...doc, note: 'written after the save' }, null, 2) + '\n';
    const hex = sha256Hex(bytes);
    await savedCopy(() => fs.writeFileSync(path.join(ws, 'notes', 'pending.md'), `Waiting for sha256:${hex}\n`));
    const dangling = (await start()).stats.dangling;
    await demo.closeTracked();
    fs.writeFileSync(path.join(path.dirname(request.replace(demo.dir, ws)), `${hex}.json`), bytes);
    const added = await startsAsFresh([`sha256:${hex}`, demo.newestRequest]);
    assert.equal(added.stats.dangling, dangling - 1, 'the note ref resolves now');
    assert.equal(added.stats.filesRead, 1);
    assert.ok(added.loaded < savedFiles() / 10, `${added.loaded} of ${savedFiles()} saved files loaded`);

    await demo.closeTracked();
    fs.rmSync(artifactFile(demo.newestRequest));
    const removed = await startsAsFresh([demo.newestRequest, `sha256:${hex}`]);
    assert.ok(removed.stats.dangling > dangling - 1, 'refs to the removed request dangle');
    assert.equal(removed.stats.filesRead, 0);
    assert.ok(removed.loaded < savedFiles() / 4, `${removed.loaded} of ${savedFiles()} saved files loaded`);
  });

  it('an artifact removed that was alone in its bucket: the bucket is saved empty, not copied back', async () => {
    await savedCopy();
    const byBucket = new Map<number, string[]>();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else byBucket.set(bucketOf(p), (byBucket.get(bucketOf(p)) ?? []).concat(p));
      }
    };
    walk(ws);
    const alone = [...byBucket.values()].find((files) => files.length === 1 && /\/artifacts\/.*\/[0-9a-f]{64}\.json$/.test(files[0]))?.[0];
    assert.ok(alone, 'an artifact alone in its bucket');
    fs.rmSync(alone);
    const ref = `sha256:${path.basename(alone, '.json')}`;
    await startsAsFresh([ref]);
  });

  it('a damaged saved bucket, touched by the change or not, costs a full load and the same answers', async () => {
    for (const touched of [true, false]) {
      await savedCopy();
      const note = path.join(ws, 'notes', 'incident.md');
      const records = fs.readdirSync(cache).find((n) => /^records-/.test(n))!;
      const file = path.join(cache, records);
      const bytes = fs.readFileSync(file);
      const lengths = Array.from({ length: BUCKETS }, (_, b) => bytes.readUInt32LE(8 + 8 * b));
      const b = touched ? bucketOf(note) : lengths.findIndex((n, i) => n > 0 && i !== bucketOf(note));
      const at = 8 + 8 * BUCKETS + lengths.slice(0, b).reduce((x, y) => x + y, 0) + (lengths[b] >> 1);
      bytes[at] ^= 0xff;
      fs.writeFileSync(file, bytes);
      rewrite(note, fs.readFileSync(note, 'utf8') + `\nAlso ${demo.newestRequest}.\n`);
      await startsAsFresh([demo.newestRequest]);
      await demo.closeTracked();
    }
  });
  it('a damaged bucket of the saved key index, the change listed or read in place, costs a full load and is not carried forward', async () => {
    for (const inPlace of [false, true]) {
      await savedCopy();
      const records = fs.readdirSync(cache).find((n) => /^records-/.test(n))!;
      const keysFile = path.join(cache, keysFileOf(records));
      const reader = RecordsReader.open(keysFile, BUCKETS)!;
      const b = Array.from({ length: BUCKETS }, (_, i) => i).find((i) => reader.byteLength(i) > 0)!;
      const { offset, length } = reader.place(b);
      reader.close();
      const bytes = fs.readFileSync(keysFile);
      bytes[offset + (length >> 1)] ^= 0xff;
      fs.writeFileSync(keysFile, bytes);
      const note = path.join(ws, 'notes', 'incident.md');
      const text = fs.readFileSync(note, 'utf8') + `\nAlso ${demo.newestRequest}.\n`;
      if (inPlace) fs.appendFileSync(note, text.slice(fs.statSync(note).size));
      else rewrite(note, text);
      const { loaded } = await startsAsFresh([demo.newestRequest]);
      assert.ok(loaded >= savedFiles() - 1, `${loaded} of ${savedFiles()} saved files loaded`);
      await demo.closeTracked();
      // The save after it wrote the damaged bucket again: the next start, nothing changed, loads nothing.
      assert.equal((await start()).loaded, 0);
    }
  });
});
