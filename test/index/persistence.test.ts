import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IndexOptions, RefIndex } from '../../shared/index/api';
import type { Problem } from '../../shared/records';
import { BUCKETS, bucketOf, CACHE_SCHEMA } from '../../shared/index/persist';
import { loadedSqlJs } from '../../shared/readers/wasm';
import { createIndex } from '../../shared/index/workspaceIndex';
import { isResolvedTarget } from '../../shared/index/resolution';
import { sha256, plantSmallRuntime, Workspace } from './fixture';

describe('index persistence', () => {
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

  it('re-reads nothing on an unchanged workspace and answers the same', async () => {
    const first = await index().build();
    // Two artifacts, the log and notes.md; the cache folder inside the workspace is not indexed.
    assert.equal(first.filesRead, 4);
    const again = index();
    const second = await again.build();
    assert.equal(second.filesRead, 0);
    assert.deepEqual({ ...second, indexMs: 0, filesRead: 0 }, { ...first, indexMs: 0, filesRead: 0 });
    assert.deepEqual(again.resolve(`sha256:${h.req}`), open[0].resolve(`sha256:${h.req}`));
  });

  it('a warm start trusts a saved artifact name (write-once) but sees artifacts come and go; statArtifacts (verify) reads one rewritten in place', async () => {
    await index().build();
    const file = ws.p(`runtime/artifacts/outputs/${h.out}.json`);
    // Rewritten in place (against CONTRACT 1.3): other bytes, another size and mtime.
    fs.writeFileSync(file, JSON.stringify({ n: 'rewritten in place' }));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const added = ws.artifact('runtime', 'outputs', { n: 3 });
    fs.rmSync(ws.p(`runtime/artifacts/requests/${h.req}.json`));
    // The new artifact is read (once: the first start saves it), the removed one dropped; the rewritten one is not stat'ed.
    for (const [lazy, reads] of [[true, 1], [false, 0]] as const) {
      const trusting = index({ lazy });
      const s = await trusting.build();
      assert.equal(s.filesRead, reads, `lazy ${lazy}`);
      assert.equal(s.artifacts, 2);
      const r = trusting.resolve(`sha256:${added}`);
      assert.ok(isResolvedTarget(r) && r.verification === 'verified');
      assert.ok(trusting.resolve(`sha256:${h.req}`).type === 'unresolved');
      await trusting.close();
    }
    const verifying = index({ statArtifacts: true });
    assert.equal((await verifying.build()).filesRead, 1);
    const r = verifying.resolve(`sha256:${h.out}`);
    assert.ok(isResolvedTarget(r) && r.verification === 'mismatch');
  });

  it('statArtifacts (verify) hashes again an artifact whose bytes changed under the same size and mtime; a plain warm start does not', async () => {
    const file = ws.p(`runtime/artifacts/outputs/${h.out}.json`);
    // A whole second (every file system keeps it exactly), set again after the rewrite below.
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
    fs.utimesSync(file, mtime, mtime);
    await index().build();
    const before = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    // One byte flipped where it lies (bit rot, or a copy that kept the times): size and mtime as read.
    bytes[bytes.length - 2] ^= 0x01;
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, mtime, mtime);
    assert.equal(fs.statSync(file).mtimeMs, before.mtimeMs);
    const trusting = index();
    assert.equal((await trusting.build()).filesRead, 0);
    await trusting.close();
    const mismatchOf = (files: [string, Problem[]][]) => files.find(([f]) => f === file)?.[1].filter((p) => p.code === 'hash-mismatch') ?? [];
    // Lazy (`verify`), nothing else changed: the saved records stay on disk, and the problems are the file's as read now.
    const lazy = index({ statArtifacts: true, lazy: true });
    assert.equal((await lazy.build()).filesRead, 0);
    assert.equal(mismatchOf(lazy.problemsAndBlobs().files).length, 1);
    await lazy.close();
    // Full: read again (every verify: its bytes still do not match its name), and held as what it is now.
    const full = index({ statArtifacts: true });
    assert.equal((await full.build()).filesRead, 1);
    const r = full.resolve(`sha256:${h.out}`);
    assert.ok(isResolvedTarget(r) && r.verification === 'mismatch');
    assert.equal(mismatchOf(full.problemsAndBlobs().files).length, 1);
    await full.close();
    // Lazy with another file changed: read again with it.
    fs.appendFileSync(ws.p('notes.md'), 'one more line\n');
    const changed = index({ statArtifacts: true, lazy: true });
    assert.equal((await changed.build()).filesRead, 2);
    assert.equal(mismatchOf(changed.problemsAndBlobs().files).length, 1);
  });

  it('the Requests view and the model views follow files as they come and go (kept lists, no walk)', async () => {
    const i = index();
    await i.build();
    assert.deepEqual(i.requests().map((r) => r.ref), [`sha256:${h.req}`]);
    const second = ws.artifact('runtime', 'requests', { n: 'second' });
    const file = ws.p(`runtime/artifacts/requests/${h.req}.json`);
    fs.rmSync(file);
    await i.update([file, ws.p(`runtime/artifacts/requests/${second}.json`)]);
    assert.deepEqual(i.requests().map((r) => r.ref), [`sha256:${second}`]);
    assert.deepEqual(i.manifests(), []);
  });

  it('lazy mode answers stats of an unchanged workspace from the saved summary, and loads records on the first query', async () => {
    const first = await index().build();
    const lazy = index({ lazy: true });
    const s = await lazy.build();
    assert.deepEqual({ ...s, indexMs: 0 }, { ...first, indexMs: 0, filesRead: 0 });
    const r = lazy.resolve(`sha256:${h.req}`);
    assert.ok(isResolvedTarget(r) && r.producedBy?.eventType === 'provider_request_written');
    assert.deepEqual({ ...lazy.stats(), indexMs: 0 }, { ...s, indexMs: 0 });
    // A changed file is not answered from the summary: it is read, the rest loaded.
    fs.appendFileSync(ws.p('notes.md'), `lost sha256:${'f'.repeat(64)}\n`);
    const changed = await index({ lazy: true }).build();
    assert.equal(changed.filesRead, 1);
    assert.equal(changed.dangling, 1);
  });

  it('re-reads only a changed, added or deleted file, and cross-file facts follow', async () => {
    await index().build();
    fs.writeFileSync(ws.p('notes.md'), `see sha256:${h.out}\nand sha256:${'f'.repeat(64)}\n`);
    // Each start's session ends (its changes saved) before the next starts, as a language server's does.
    const changedIndex = index();
    const changed = await changedIndex.build();
    await changedIndex.close();
    assert.equal(changed.filesRead, 1);
    assert.equal(changed.dangling, 1);

    const added = ws.artifact('runtime', 'outputs', { n: 3 });
    fs.appendFileSync(ws.p('notes.md'), `new sha256:${added}\n`);
    const afterAdd = index();
    const s = await afterAdd.build();
    assert.equal(s.filesRead, 2);
    assert.equal(s.artifacts, 3);
    assert.equal(afterAdd.resolve(`sha256:${added}`).ref, `sha256:${added}`);
    await afterAdd.close();

    fs.rmSync(ws.p(`runtime/artifacts/outputs/${h.out}.json`));
    const afterDelete = index();
    const d = await afterDelete.build();
    assert.equal(d.filesRead, 0);
    assert.equal(d.artifacts, 2);
    assert.equal(d.dangling, 2);
    const r = afterDelete.resolve(`sha256:${h.out}`);
    assert.ok(r.type === 'unresolved' && r.error === 'dangling');
    await afterDelete.close();
    // notes.md did not change, but its ref now dangles: the saved index says so too.
    const next = index();
    const again = await next.build();
    assert.equal(again.filesRead, 0);
    assert.equal(again.dangling, 2);
    assert.ok(next.problems(ws.p('notes.md')).some((p) => p.code === 'dangling-ref' && p.message.includes(h.out)));
  });

  it('update() applies watcher changes in place: edits, new files, deletions, appended logs', async () => {
    const i = index();
    await i.build();
    let changes = 0;
    i.onDidChange(() => changes++);

    fs.writeFileSync(ws.p('notes.md'), `lost sha256:${'f'.repeat(64)}\n`);
    await i.update([ws.p('notes.md')]);
    assert.equal(i.stats().dangling, 1);
    // Something named by that digest appears (its bytes do not match, but it exists): no longer dangling.
    const named = ws.write(`runtime/artifacts/outputs/${'f'.repeat(64)}.json`, '{}');
    await i.update([named]);
    assert.equal(i.stats().dangling, 0);
    fs.rmSync(named);
    await i.update([named]);
    assert.equal(i.stats().dangling, 1);
    assert.equal(i.references(`sha256:${h.out}`).length, 0);

    const added = ws.artifact('runtime', 'outputs', { n: 9 });
    await i.update([ws.p(`runtime/artifacts/outputs/${added}.json`)]);
    assert.equal(i.artifactAt(ws.p(`runtime/artifacts/outputs/${added}.json`))?.digest, added);

    // An appended log is read on from where it stopped: its chain continues unbroken.
    ws.appendAudit('runtime/logs/audit.jsonl', lastHash, [{ event_type: 'provider_response_written', run_id: 'r1', artifact_ref: `sha256:${added}`, ts: '2024-05-01T10:00:02Z' }]);
    await i.update([ws.p('runtime/logs/audit.jsonl')]);
    assert.equal(i.stats().events, 3);
    assert.deepEqual(i.problems(ws.p('runtime/logs/audit.jsonl')), []);
    assert.equal(i.trace(`sha256:${h.req}`).steps.length, 2);

    fs.rmSync(ws.p(`runtime/artifacts/requests/${h.req}.json`));
    await i.update([ws.p(`runtime/artifacts/requests/${h.req}.json`)]);
    assert.equal(i.artifactAt(ws.p(`runtime/artifacts/requests/${h.req}.json`)), undefined);
    // The log naming the deleted request now holds a dangling ref; checked without a full pass.
    assert.equal(i.stats().dangling, 2);
    assert.ok(i.problems(ws.p('runtime/logs/audit.jsonl')).some((p) => p.code === 'dangling-ref'));
    assert.equal(changes, 6);

    // The updates were saved: a new index re-reads nothing and sees all of them.
    await i.close();
    const next = index();
    const s = await next.build();
    assert.equal(s.filesRead, 0);
    assert.equal(s.events, 3);
    assert.equal(s.dangling, 2); // notes.md's lost ref, and the deleted request the log still names
  });

  it('re-checks file-store sidecars when their bytes change', async () => {
    const bytes = Buffer.from('stored');
    const id = sha256(bytes).slice(0, 32);
    ws.write(`store/artifacts/${id}.bin`, bytes);
    ws.write(`store/artifacts/${id}.meta`, JSON.stringify({ artifact_id: id, size_bytes: bytes.length }));
    await index().build();
    fs.writeFileSync(ws.p(`store/artifacts/${id}.bin`), 'tampered');
    const tampered = index();
    await tampered.build();
    const r = tampered.resolve(`artifact:${id}`);
    assert.ok(isResolvedTarget(r) && r.verification === 'mismatch');
    fs.rmSync(ws.p(`store/artifacts/${id}.bin`));
    const pruned = index();
    await pruned.build();
    const p = pruned.resolve(`artifact:${id}`);
    assert.ok(isResolvedTarget(p) && p.verification === 'pruned');
  });

  it('ignores a corrupt cache with a message, rebuilds and saves a good one', async () => {
    await index().build();
    const saved = fs.readdirSync(cache);
    assert.ok(saved.length >= 2);
    for (const name of saved) fs.writeFileSync(path.join(cache, name), 'this is not a database');
    for (const lazy of [false, true]) {
      const messages: string[] = [];
      const s = await index({ lazy, onProgress: (_d, total, m) => total === 0 && messages.push(m) }).build();
      assert.equal(s.artifacts, 2);
      assert.equal(s.filesRead, 4);
      assert.ok(messages.some((m) => /unreadable.*rebuilding/i.test(m)), messages.join('\n'));
      for (const name of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, name), 'this is not a database');
    }
    fs.rmSync(cache, { recursive: true });
    await index().build();
    assert.equal((await index().build()).filesRead, 0);
  });

  it('rebuilds, saying why, a cache of the schema before the saved table sizes (14), never loading it as if it had them', async () => {
    const first = await index().build();
    const summary = path.join(cache, 'summary.sqlite');
    // The summary as schema 14 saved it: the same row, its counts without the table sizes.
    const db = new (loadedSqlJs()!.Database)(fs.readFileSync(summary));
    const counts = JSON.parse(String(db.exec('SELECT counts FROM summary')[0].values[0][0])) as Record<string, unknown>;
    assert.ok(counts.tables, 'schema 15 saves the table sizes');
    delete counts.tables;
    db.run('UPDATE summary SET schema = ?, counts = ?', ['14', JSON.stringify(counts)]);
    const old = Buffer.from(db.export());
    db.close();
    for (const lazy of [false, true]) {
      fs.writeFileSync(summary, old);
      const messages: string[] = [];
      const i = index({ lazy, onProgress: (_d, total, m) => total === 0 && messages.push(m) });
      const s = await i.build();
      assert.equal(s.filesRead, 4, `lazy ${lazy}`);
      assert.deepEqual({ ...s, indexMs: 0 }, { ...first, indexMs: 0 });
      assert.ok(messages.some((m) => m === `cache schema 14 is not ${CACHE_SCHEMA}; rebuilding`), messages.join('\n'));
      assert.deepEqual(i.resolve(`sha256:${h.req}`), open[0].resolve(`sha256:${h.req}`));
    }
    // What the rebuild saved loads as it is.
    assert.equal((await index().build()).filesRead, 0);
  });

  /** The records file's bytes, and where each non-empty bucket lies in it (its layout: recordsFile.ts). */
  function buckets(): { file: string; bytes: Buffer; at: Map<number, [number, number]> } {
    const file = path.join(cache, fs.readdirSync(cache).find((n) => n.startsWith('records-'))!);
    const bytes = fs.readFileSync(file);
    const at = new Map<number, [number, number]>();
    // Each bucket's entry: its length, checksum, file (0: this one, as a cold save writes all) and offset.
    for (let b = 0; b < BUCKETS; b++) {
      const length = bytes.readUInt32LE(12 + 24 * b);
      assert.equal(bytes.readUInt32LE(12 + 24 * b + 8), 0);
      if (length) at.set(b, [bytes.readDoubleLE(12 + 24 * b + 16), length]);
    }
    return { file, bytes, at };
  }

  it('re-reads exactly the files of a damaged bucket, says so, answers as a fresh build and saves a whole cache', async () => {
    ws.write('more.md', `more sha256:${h.req}\n`);
    const fresh = index();
    const expected = await fresh.build();
    const files = [ws.p('notes.md'), ws.p('more.md'), ws.p('runtime/logs/audit.jsonl'), ws.p(`runtime/artifacts/requests/${h.req}.json`), ws.p(`runtime/artifacts/outputs/${h.out}.json`)];
    const inBucket = (b: number) => files.filter((f) => bucketOf(f) === b).length;
    type Damage = (file: string, bytes: Buffer, at: Map<number, [number, number]>) => number;
    const damages: [string, Damage][] = [
      // A flipped byte in the middle of the first bucket: its checksum no longer matches.
      ['checksum', (file, bytes, at) => {
        const first = Math.min(...at.keys());
        const [offset, length] = at.get(first)!;
        const copy = Buffer.from(bytes);
        copy[offset + (length >> 1)] ^= 0xff;
        fs.writeFileSync(file, copy);
        return first;
      }],
      // A file cut short inside its last bucket: only that bucket is lost.
      ['truncated', (file, bytes, at) => {
        const last = Math.max(...at.keys());
        fs.writeFileSync(file, bytes.subarray(0, at.get(last)![0] + 1));
        return last;
      }],
    ];
    for (const [why, damage] of damages) {
      for (const lazy of [false, true]) {
        const { file, bytes, at } = buckets();
        const bucket = damage(file, bytes, at);
        const messages: string[] = [];
        const i = index({ lazy, onProgress: (_d, total, m) => total === 0 && messages.push(m) });
        const s = await i.build();
        const said = new RegExp(`bucket ${bucket} .*damaged.*: its ${inBucket(bucket)} files are read again`);
        // A lazy start checks a records bucket's checksum only when it loads it (a truncated file it sees from the header).
        const deferred = lazy && why === 'checksum';
        assert.equal(messages.some((m) => said.test(m)), !deferred, `${why}: ${messages.join('\n')}`);
        assert.equal(s.filesRead, deferred ? 0 : inBucket(bucket), why);
        assert.deepEqual({ ...s, indexMs: 0, filesRead: 0 }, { ...expected, indexMs: 0, filesRead: 0 });
        for (const ref of [`sha256:${h.req}`, `sha256:${h.out}`, lastHash]) {
          assert.deepEqual(i.resolve(ref), fresh.resolve(ref));
          // The same places; their order follows the order files came into the index.
          const places = (x: RefIndex) => x.references(ref).map((l) => JSON.stringify(l)).sort();
          assert.deepEqual(places(i), places(fresh));
        }
        const problems = (x: RefIndex) => x.problems().map((p) => JSON.stringify(p)).sort();
        assert.deepEqual(problems(i), problems(fresh));
        assert.ok(messages.some((m) => said.test(m)), `${why}: ${messages.join('\n')}`);
        assert.equal(i.stats().filesRead, inBucket(bucket), why);
        await i.close();
        // The damaged bucket was written anew, not copied forward: the next start reads nothing.
        const after: string[] = [];
        assert.equal((await index({ onProgress: (_d, total, m) => total === 0 && after.push(m) }).build()).filesRead, 0);
        assert.deepEqual(after, []);
      }
    }
  });

  it('rebuilds when the records the summary names are gone', async () => {
    await index().build();
    for (const name of fs.readdirSync(cache)) if (name.startsWith('records-')) fs.rmSync(path.join(cache, name));
    const messages: string[] = [];
    const s = await index({ onProgress: (_d, total, m) => total === 0 && messages.push(m) }).build();
    assert.equal(s.filesRead, 4);
    assert.ok(messages.some((m) => /missing/.test(m)), messages.join('\n'));
  });

  it('rebuilds, saying why, when the file table the summary names is gone or damaged', async () => {
    await index().build();
    const table = () => path.join(cache, fs.readdirSync(cache).find((n) => n.startsWith('files-'))!);
    for (const [harm, said] of [
      [(f: string) => fs.rmSync(f), /file table .* missing/],
      [(f: string) => fs.appendFileSync(f, 'x'), /unreadable \(file table of the wrong length\)/],
    ] as const) {
      harm(table());
      const messages: string[] = [];
      const s = await index({ lazy: true, onProgress: (_d, total, m) => total === 0 && messages.push(m) }).build();
      assert.equal(s.filesRead, 4);
      assert.ok(messages.some((m) => said.test(m)), messages.join('\n'));
    }
  });

  it('rebuild() forgets the persistent index and reads everything again', async () => {
    const i = index();
    const first = await i.build();
    const again = await i.rebuild();
    assert.equal(again.filesRead, first.filesRead);
    assert.equal(again.artifacts, first.artifacts);
  });
});
