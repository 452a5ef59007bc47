import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { collectGarbage, GcError, pullModel } from '../../shared/models';
import { startFaultServer } from './faultServer';
import { age, CLI, content, sha256, tempDir } from './helpers';

/** A store under construction: blobs, manifests and partials with chosen ages. */
class StoreBuilder {
  readonly models: string;
  readonly byHash: string;
  constructor(readonly state: string) {
    this.models = path.join(state, 'models');
    this.byHash = path.join(this.models, 'by-hash');
    fs.mkdirSync(this.byHash, { recursive: true });
  }
  blob(bytes: number, days: number, ext = 'bin'): { digest: string; file: string } {
    const data = content(bytes);
    const digest = sha256(data);
    const file = path.join(this.byHash, `${digest}.${ext}`);
    fs.writeFileSync(file, data);
    age(file, days);
    return { digest, file };
  }
  manifest(id: string, digest: string, fields: Record<string, unknown> = {}): void {
    const file = `${digest}.bin`;
    const body = { id, file, path: path.join(this.byHash, file), sha256: digest, cas: 'sha256', bytes: 1, provider: 'p', verified: true, ...fields };
    fs.writeFileSync(path.join(this.models, `${id}.json`), JSON.stringify(body));
  }
  part(name: string, days: number): string {
    const file = path.join(this.models, `${name}.part`);
    fs.writeFileSync(file, content(100));
    fs.writeFileSync(`${file}.meta`, JSON.stringify({ url: 'http://x/y', sha256: name }));
    age(file, days);
    return file;
  }
}

describe('model GC', function () {
  let state: string;
  let store: StoreBuilder;

  beforeEach(() => {
    state = tempDir();
    store = new StoreBuilder(state);
  });
  afterEach(() => fs.rmSync(state, { recursive: true, force: true }));

  it('deletes old orphans only: young orphans, manifest and index roots, partials in progress and symlinks stay', async () => {
    const oldOrphan = store.blob(1000, 10);
    const youngOrphan = store.blob(1000, 1);
    const byManifest = store.blob(1000, 30);
    const byIndex = store.blob(1000, 30);
    store.manifest('kept', byManifest.digest);
    const outside = path.join(state, 'outside.bin');
    fs.writeFileSync(outside, 'precious');
    age(outside, 40);
    const link = path.join(store.byHash, 'c'.repeat(64));
    fs.symlinkSync(outside, link);
    fs.lstatSync(link);
    fs.mkdirSync(path.join(store.byHash, 'd'.repeat(64)));
    const stalePart = store.part('e'.repeat(64), 10);
    const freshPart = store.part('f'.repeat(64), 0);
    const lockedPart = store.part('1'.repeat(64), 10);
    fs.writeFileSync(path.join(store.models, `${'1'.repeat(64)}.lock`), `${process.ppid}\n`);

    const report = await collectGarbage({ stateDir: state, ttlDays: 7, extraRoots: new Set([byIndex.digest]), explain: true });
    assert.equal(report.scanned, 4);
    assert.equal(report.deleted, 1);
    assert.equal(report.deleted_bytes, 1000);
    assert.equal(report.kept, 3);
    assert.equal(report.ttl_days, 7);
    assert.equal(report.partials_deleted, 1);
    assert.ok(!fs.existsSync(oldOrphan.file));
    for (const f of [youngOrphan.file, byManifest.file, byIndex.file, freshPart, lockedPart, `${freshPart}.meta`]) assert.ok(fs.existsSync(f), f);
    assert.ok(!fs.existsSync(stalePart) && !fs.existsSync(`${stalePart}.meta`));
    assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the symlink is not touched');
    assert.equal(fs.readFileSync(outside, 'utf8'), 'precious');
    const why = new Map(report.explain!.map((e) => [e.digest, e.reason]));
    assert.match(why.get(byManifest.digest)!, /manifest kept\.json/);
    assert.match(why.get(byIndex.digest)!, /index/);
    assert.match(why.get(youngOrphan.digest)!, /younger/);
    const event = JSON.parse(fs.readFileSync(path.join(state, 'events.jsonl'), 'utf8').trim());
    assert.equal(event.event_type, 'models.cas.gc');
    assert.equal(event.deleted, 1);
  });

  it('a dry run deletes nothing and reports what the real run then does', async () => {
    for (let i = 0; i < 5; i++) store.blob(500 + i, 5 + i);
    const referenced = store.blob(700, 20);
    store.manifest('m', referenced.digest);
    store.part('a'.repeat(64), 30);
    const before = fs.readdirSync(store.byHash).sort();
    const dry = await collectGarbage({ stateDir: state, ttlDays: 6, quotaMb: 0.001, dryRun: true });
    assert.deepEqual(fs.readdirSync(store.byHash).sort(), before);
    assert.ok(fs.existsSync(path.join(store.models, `${'a'.repeat(64)}.part`)));
    assert.ok(!fs.existsSync(path.join(state, 'events.jsonl')), 'a dry run changes nothing, the event log included');
    const real = await collectGarbage({ stateDir: state, ttlDays: 6, quotaMb: 0.001 });
    assert.deepEqual({ ...dry, dry_run: true }, { ...real, dry_run: true });
    assert.equal(real.deleted, 5);
    assert.equal(real.quota_shortfall_bytes, 0);
  });

  it('under --quota-mb deletes unreferenced blobs oldest first, never a referenced one, and reports the shortfall', async () => {
    const oldest = store.blob(1_000_000, 3);
    const middle = store.blob(1_000_000, 2);
    const newest = store.blob(1_000_000, 1);
    const live = store.blob(1_500_000, 9);
    store.manifest('live', live.digest);
    const r = await collectGarbage({ stateDir: state, ttlDays: 30, quotaMb: 3.6 });
    assert.deepEqual([oldest, middle, newest, live].map((b) => fs.existsSync(b.file)), [false, true, true, true]);
    assert.equal(r.quota_shortfall_bytes, 0);
    const tight = await collectGarbage({ stateDir: state, ttlDays: 30, quotaMb: 1 });
    assert.deepEqual([middle, newest, live].map((b) => fs.existsSync(b.file)), [false, false, true]);
    assert.equal(tight.quota_shortfall_bytes, 500_000);
  });

  it('refuses to run, deleting nothing, when a manifest cannot be parsed', async () => {
    const orphan = store.blob(100, 100);
    fs.writeFileSync(path.join(store.models, 'broken.json'), '{"id": "broken", "sha256": "ab');
    await assert.rejects(collectGarbage({ stateDir: state, ttlDays: 1 }), (e: unknown) => e instanceof GcError && e.code === 'manifest_unreadable' && /broken\.json/.test(e.message));
    assert.ok(fs.existsSync(orphan.file));
    const cli = spawnSync(process.execPath, [CLI, 'gc', '--state', state, '--ttl-days', '1', '--no-index', '--json'], { encoding: 'utf8' });
    assert.equal(cli.status, 1);
    assert.equal(JSON.parse(cli.stdout).error, 'manifest_unreadable');
    assert.ok(fs.existsSync(orphan.file));
  });

  it('removes stale leftovers (orphan metas, temp files of killed writes) and refuses a by-hash/ that is a symlink', async () => {
    const meta = path.join(store.models, `${'a'.repeat(64)}.part.meta`);
    const tmp = path.join(store.models, '.m.json.123.abcd.tmp');
    const youngTmp = path.join(store.models, '.n.json.456.ef01.tmp');
    for (const f of [meta, tmp, youngTmp]) fs.writeFileSync(f, '{}');
    age(meta, 10);
    age(tmp, 10);
    const r = await collectGarbage({ stateDir: state, ttlDays: 7 });
    assert.equal(r.partials_deleted, 2);
    assert.deepEqual(fs.readdirSync(store.models).sort(), ['.n.json.456.ef01.tmp', 'by-hash']);

    const elsewhere = tempDir();
    const victim = path.join(elsewhere, 'b'.repeat(64));
    fs.writeFileSync(victim, 'not ours');
    age(victim, 100);
    fs.rmSync(store.byHash, { recursive: true });
    fs.symlinkSync(elsewhere, store.byHash);
    await assert.rejects(collectGarbage({ stateDir: state, ttlDays: 0 }), (e: unknown) => e instanceof GcError && e.code === 'unsafe_store');
    assert.ok(fs.existsSync(victim));
    fs.rmSync(elsewhere, { recursive: true });
  });

  it('treats a manifest pointing outside by-hash/ (or naming no digest) as invalid, not as a reason to refuse; its digest stays a root', async () => {
    const blob = store.blob(100, 100);
    const outside = path.join(state, 'elsewhere.bin');
    fs.writeFileSync(outside, 'x');
    age(outside, 100);
    store.manifest('evil', blob.digest, { path: outside, file: '../../elsewhere.bin' });
    fs.writeFileSync(path.join(store.models, 'nodigest.json'), JSON.stringify({ id: 'nodigest', path: '../../elsewhere.bin' }));
    const r = await collectGarbage({ stateDir: state, ttlDays: 1 });
    assert.equal(r.invalid_manifests.length, 2);
    const reason = (name: string) => r.invalid_manifests.find((m) => path.basename(m.file) === name)?.reason;
    assert.match(reason('evil.json')!, /outside|not a blob name/);
    assert.match(reason('nodigest.json')!, /no sha256/);
    assert.ok(fs.existsSync(blob.file) && fs.existsSync(outside));
  });

  it('keeps a blob a pull commits while GC runs (ttl 0), and a blob killed before its manifest within the ttl', async () => {
    const data = content(300 * 1024);
    const digest = sha256(data);
    const server = await startFaultServer({ content: data, trickleBytesPerSec: 1_500_000 });
    try {
      const pulling = pullModel({ stateDir: state, id: 'racing', url: server.url, sha256: digest });
      let finished = false;
      void pulling.then(() => (finished = true), () => (finished = true));
      let sweeps = 0;
      while (!finished) {
        await collectGarbage({ stateDir: state, ttlDays: 0, quotaMb: 0 });
        sweeps++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal((await pulling).status, 'downloaded');
      assert.ok(sweeps > 1);
      await collectGarbage({ stateDir: state, ttlDays: 0 });
      assert.deepEqual(fs.readFileSync(path.join(store.byHash, `${digest}.bin`)), data);
      // Killed between rename and manifest: an orphan, but young.
      fs.rmSync(path.join(store.models, 'racing.json'));
      const r = await collectGarbage({ stateDir: state, ttlDays: 1 });
      assert.equal(r.deleted, 0);
      assert.equal((await pullModel({ stateDir: state, id: 'again', url: server.url, sha256: digest })).status, 'cached');
      assert.equal(server.gets().length, 1);
    } finally {
      await server.close();
    }
  });
});

describe('model GC: CLI with the workspace index', function () {
  let workspace: string;
  beforeEach(() => (workspace = tempDir('refscope-gc-ws-')));
  afterEach(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('keeps blobs a workspace file references, not those named only by the event log of the store', () => {
    const state = path.join(workspace, 'state');
    const store = new StoreBuilder(state);
    const cited = store.blob(100, 30);
    const pulledThenDropped = store.blob(100, 30);
    fs.writeFileSync(path.join(workspace, 'notes.md'), `the model we evaluated: sha256:${cited.digest}\n`);
    fs.writeFileSync(path.join(state, 'events.jsonl'), JSON.stringify({ event_type: 'models.manifest.written', id: 'x', sha256: pulledThenDropped.digest }) + '\n');
    const cache = path.join(workspace, '.cache');
    const args = [CLI, 'gc', '--state', state, '--ttl-days', '7', '--workspace', workspace, '--cache', cache, '--json'];
    const dry = spawnSync(process.execPath, [...args, '--dry-run', '--explain'], { encoding: 'utf8' });
    assert.equal(dry.status, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout);
    assert.equal(plan.deleted, 1);
    const real = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(real.status, 0, real.stderr);
    const report = JSON.parse(real.stdout);
    for (const k of ['scanned', 'kept', 'deleted', 'deleted_bytes', 'ttl_days']) assert.equal(report[k], plan[k], k);
    assert.ok(fs.existsSync(cited.file));
    assert.ok(!fs.existsSync(pulledThenDropped.file));
  });
});
