// A save writes only the buckets that changed and refers to the others where an earlier save
// left them (recordsFile.ts, planReuse in persist.ts), through real files on disk: what is
// saved must load as a save of everything would, the files written must be the changed
// buckets' size, not the index's, and the cache must let go of what nothing refers to.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import { BUCKETS, bucketOf, loadSummary } from '../../shared/index/persist';
import { MAX_FILES, RecordsReader, tokenOf } from '../../shared/index/recordsFile';
import { createIndex, optionsKeyOf } from '../../shared/index/workspaceIndex';
import type { StatsResult } from '../../shared/protocol';
import { demoCopies } from './demoCopies';

/** Edited notes, each in a bucket of its own. */
const NOTES = MAX_FILES + 4;

describe('index saves refer to unchanged buckets', function () {
  this.timeout(600000);
  const demo = demoCopies(60);
  let ws: string;
  let cache: string;

  function index(options: { lazy?: boolean; cached?: boolean; onProgress?: (done: number, total: number, message: string) => void } = {}): RefIndex {
    const { cached = true, ...rest } = options;
    const i = createIndex({ folders: [ws], ...(cached ? { cacheDir: cache } : {}), ...rest });
    return demo.track(i);
  }

  /** Notes the tests edit, one per bucket, each naming the newest request. */
  let notes: string[];

  /** A copy of the demo with NOTES notes in as many buckets, indexed cold into its own cache (the CLI's `refscope index`). */
  async function savedCopy(): Promise<void> {
    ({ ws, cache } = demo.copy());
    const buckets = new Set<number>();
    notes = [];
    for (let i = 0; notes.length < NOTES; i++) {
      const file = path.join(ws, 'notes', `edit-${i}.md`);
      if (buckets.has(bucketOf(file))) continue;
      buckets.add(bucketOf(file));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `see ${demo.newestRequest}\n`);
      notes.push(file);
    }
    const cold = index({ lazy: true });
    await cold.build();
    await cold.close();
  }

  /** The cache's records files (`records-<token>.bin`) and their sizes. */
  function recordsFiles(): Map<string, number> {
    const out = new Map<string, number>();
    for (const name of fs.readdirSync(cache)) if (/^records-/.test(name)) out.set(name, fs.statSync(path.join(cache, name)).size);
    return out;
  }

  function keysFiles(): string[] {
    return fs.readdirSync(cache).filter((n) => /^keys\d*-/.test(n));
  }

  /** Makes `file` changed for the index: one more line of text, a new inode (as an editor's save makes). */
  function edit(file: string): void {
    fs.writeFileSync(file + '.tmp', fs.readFileSync(file, 'utf8') + 'again\n');
    fs.renameSync(file + '.tmp', file);
  }

  /** Edits `file` and starts on the cache (lazy: as the CLI does), which reads it and saves. */
  async function editAndSave(file: string, lazy = true): Promise<void> {
    edit(file);
    const i = index({ lazy });
    assert.equal((await i.build()).filesRead, 1);
    await i.close();
  }

  /** A copy saved cold, then with its first note edited and saved again: the first save's records file (name, size) and the second's name. */
  async function savedTwice(): Promise<{ first: [string, number]; second: string }> {
    await savedCopy();
    const [first] = recordsFiles();
    await editAndSave(notes[0]);
    return { first, second: [...recordsFiles().keys()].find((n) => n !== first[0])! };
  }

  const answers = (s: StatsResult) => ({ ...s, indexMs: undefined, filesRead: undefined });
  const problemList = (i: RefIndex) => i.problems().map((p) => JSON.stringify(p)).sort();
  const runList = (i: RefIndex) => i.runs().map((r) => JSON.stringify(r)).sort();
  const places = (i: RefIndex, ref: string) => i.references(ref).map((l) => `${l.path}:${l.line}:${l.col}`).sort();

  /** A start from the cache (every record loaded) answers as a fresh index of the tree and reads `reads` files. */
  async function loadsAsFresh(reads = 0): Promise<void> {
    const warm = index();
    const stats = await warm.build();
    assert.equal(stats.filesRead, reads);
    const fresh = index({ cached: false });
    assert.deepEqual(answers(stats), answers(await fresh.build()));
    assert.deepEqual(problemList(warm), problemList(fresh));
    assert.deepEqual(warm.resolve(demo.newestRequest), fresh.resolve(demo.newestRequest));
    assert.deepEqual(places(warm, demo.newestRequest), places(fresh, demo.newestRequest));
    // The same runs; listed in the order their files came into the index.
    assert.deepEqual(runList(warm), runList(fresh));
    await warm.close();
  }

  it('a start after one edited file writes that bucket alone, and the save loads as a whole one', async () => {
    await savedCopy();
    const [first] = recordsFiles();
    for (const lazy of [true, false]) {
      const before = new Set(recordsFiles().keys());
      await editAndSave(notes[lazy ? 0 : 1], lazy);
      const files = recordsFiles();
      // The first save's file is still there (the new one refers to it), and the new one holds a bucket, not the index.
      assert.equal(files.get(first[0]), first[1]);
      const added = [...files].filter(([name]) => !before.has(name));
      assert.equal(added.length, 1);
      assert.ok(added[0][1] < first[1] / 8, `${added[0][1]} bytes written against ${first[1]}`);
      assert.equal(keysFiles().length, files.size);
    }
    await loadsAsFresh();
  });

  it('lets go of an earlier file once none of its buckets is in use', async () => {
    const { first, second } = await savedTwice();
    // The same note again: the second save's one bucket is written anew, and its file is removed.
    await editAndSave(notes[0]);
    const files = recordsFiles();
    assert.equal(files.size, 2);
    assert.ok(files.has(first[0]) && !files.has(second));
    assert.equal(keysFiles().length, 2);
    await loadsAsFresh();
  });

  it('keeps at most MAX_FILES files however many saves refer back', async () => {
    await savedCopy();
    for (const note of notes) {
      await editAndSave(note);
      assert.ok(recordsFiles().size <= MAX_FILES, `${recordsFiles().size} records files`);
      assert.equal(keysFiles().length, recordsFiles().size);
    }
    await loadsAsFresh();
  });

  it('an earlier file gone costs only the files of the buckets in it, which are read again', async () => {
    const { first, second } = await savedTwice();
    // The buckets that lay in the first save's file: every one the second save did not write (the note's, and any whose problems changed).
    const reader = RecordsReader.open(path.join(cache, second), BUCKETS)!;
    const inFirst = new Set(Array.from({ length: BUCKETS }, (_, b) => b).filter((b) => reader.place(b).token === tokenOf(first[0])));
    reader.close();
    assert.ok(!inFirst.has(bucketOf(notes[0])) && inFirst.size > 0);
    // The files the saved index held in those buckets, and the state dir's (a model's manifest,
    // blobs and partial download are read together: one of them lost may read others again).
    const saved = loadSummary(cache, optionsKeyOf({ folders: [ws] })).summary!.files;
    const lost = saved.entries((p) => inFirst.has(bucketOf(p))).length;
    const state = saved.entries((p) => p.startsWith(path.join(ws, 'state') + path.sep)).length;
    fs.rmSync(path.join(cache, first[0]));
    const messages: string[] = [];
    const after = index({ onProgress: (_d, total, m) => total === 0 && messages.push(m) });
    const stats = await after.build();
    const fresh = index({ cached: false });
    assert.deepEqual(answers(stats), answers(await fresh.build()));
    assert.deepEqual(problemList(after), problemList(fresh));
    assert.deepEqual(places(after, demo.newestRequest), places(fresh, demo.newestRequest));
    // Read again: those files, and at most the state dir's besides; never the rest of the workspace.
    const read = stats.filesRead ?? NaN;
    assert.ok(read >= lost && read <= lost + state, `${read} files read, ${lost} lost, ${state} in the state dir`);
    assert.ok(messages.some((m) => /the records file it lies in is missing/.test(m)), messages.join('\n'));
    await after.close();
    await loadsAsFresh();
  });

  it('a records header naming a file outside the cache folder is refused, and the index built again', async () => {
    const { second } = await savedTwice();
    const newest = path.join(cache, second);
    const bytes = fs.readFileSync(newest);
    // The second file's token (after the header's 256 bucket entries and the first token) made a path out of the folder.
    const tokens = 12 + 24 * 256;
    assert.match(bytes.toString('latin1', tokens + 16, tokens + 32), /^[0-9a-f]{16}$/);
    bytes.write('../../../../tmp/', tokens + 16, 'latin1');
    fs.writeFileSync(newest, bytes);
    const messages: string[] = [];
    const i = index({ onProgress: (_d, total, m) => total === 0 && messages.push(m) });
    const stats = await i.build();
    assert.ok(messages.some((m) => /not a records file of this layout/.test(m)), messages.join('\n'));
    const fresh = index({ cached: false });
    assert.deepEqual(answers(stats), answers(await fresh.build()));
    assert.deepEqual(places(i, demo.newestRequest), places(fresh, demo.newestRequest));
  });
});
