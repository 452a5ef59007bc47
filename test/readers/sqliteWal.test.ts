// SQLite event stores in WAL mode (CONTRACT 1.4.4): a live writer keeps its latest commits in
// `<db>-wal` until a checkpoint. The stores here are written by Python's sqlite3 (the real
// SQLite a runtime links), copied while the writer is still open, as a reader finds them.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blake3 } from 'hash-wasm';
import { initReaders, readFileRecord } from '../../shared/readers';
import { createIndex } from '../../shared/index/workspaceIndex';
import { discover } from '../../shared/index/discovery';
import { ctxFor, makeTmp, removeTmp, snapshotTree } from './tmpWorkspace';
import { skipOutsideCi } from '../skipOutsideCi';

const OUT = 'sha256:' + 'b'.repeat(64);

/**
 * One writer, three commits: event 1 checkpointed into the database, event 2 only in the WAL
 * (copied to `one/`), event 3 appended to the WAL (copied to `two/`). The writer never closes
 * before the copies, so nothing else is checkpointed.
 */
const WRITER = `
import json, shutil, sqlite3, sys, os
out, rows = sys.argv[1], json.loads(sys.argv[2])
c = sqlite3.connect(os.path.join(out, 'live.db'), isolation_level=None)
c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA wal_autocheckpoint=0')
c.execute('CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_type TEXT, subject_kind TEXT, subject_id TEXT, actor TEXT, payload TEXT, payload_digest BLOB, created_at TEXT)')
def add(r): c.execute('INSERT INTO events (event_type, subject_kind, subject_id, actor, payload, payload_digest, created_at) VALUES (?,?,?,?,?,?,?)', (r['type'], 'run', 'r1', 'svc', r['payload'], bytes.fromhex(r['digest']), '2025-01-01 00:00:00'))
add(rows[0]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)')
for i, name in ((1, 'one'), (2, 'two')):
    add(rows[i])
    os.makedirs(os.path.join(out, name))
    for f in ('live.db', 'live.db-wal'): shutil.copy(os.path.join(out, f), os.path.join(out, name, f.replace('live', 'events')))
c.close()
# A valid WAL of another store, with another page size: SQLite finds it unusable for this one.
f = sqlite3.connect(os.path.join(out, 'foreign.db'), isolation_level=None)
f.execute('PRAGMA page_size=1024'); f.execute('PRAGMA journal_mode=WAL'); f.execute('PRAGMA wal_autocheckpoint=0')
f.execute('CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_type TEXT)'); f.execute('PRAGMA wal_checkpoint(TRUNCATE)')
f.execute('CREATE TABLE other (x)')
for i in range(50): f.execute('INSERT INTO other VALUES (?)', ('y' * 500,))
shutil.copy(os.path.join(out, 'foreign.db-wal'), os.path.join(out, 'foreign.wal'))
f.close()
`;

async function writeGenerations(dir: string): Promise<boolean> {
  const payloads = ['{"n":1}', JSON.stringify({ n: 2, output: { artifact_ref: OUT } }), '{"n":3}'];
  const rows = await Promise.all(payloads.map(async (payload, i) => ({ type: `t${i + 1}`, payload, digest: await blake3(payload) })));
  const run = spawnSync('python3', ['-c', WRITER, dir, JSON.stringify(rows)], { encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') return false;
  assert.equal(run.status, 0, run.stderr);
  return true;
}

describe('readers: SQLite event stores in WAL mode', function () {
  let gens: string;
  let root: string;
  before(async function () {
    await initReaders();
    gens = makeTmp('wal-gens');
    if (!(await writeGenerations(gens))) {
      skipOutsideCi(this, 'python3 is not installed: the WAL stores these tests need cannot be written');
    }
  });
  after(() => gens && removeTmp(gens));
  beforeEach(() => (root = makeTmp('wal')));
  afterEach(() => removeTmp(root));

  /** `<root>/svc/runtime/events.db` (+ `-wal`) from generation `gen`. */
  const place = (gen: string, walBytes?: Buffer): string => {
    const dir = path.join(root, 'svc', 'runtime');
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    const db = path.join(dir, 'events.db');
    fs.copyFileSync(path.join(gens, gen, 'events.db'), db);
    fs.writeFileSync(db + '-wal', walBytes ?? fs.readFileSync(path.join(gens, gen, 'events.db-wal')));
    return db;
  };
  const read = (db: string) => readFileRecord(db, 'sqlite', ctxFor(root));
  const types = (db: string) => read(db).events?.map((e) => e.eventType);

  it("reads the WAL's commits with the database, writing nothing beside the store", () => {
    const db = place('one');
    const before = snapshotTree(root);
    const bytes = [fs.readFileSync(db), fs.readFileSync(db + '-wal')];
    const rec = read(db);
    assert.deepEqual(rec.problems, []);
    assert.deepEqual(rec.events!.map((e) => [e.sequence, e.eventType, e.verified]), [[1, 't1', true], [2, 't2', true]]);
    assert.deepEqual(rec.events![1].refs, [{ key: OUT, field: 'payload.output.artifact_ref' }]);
    // Same bytes, same mtimes, no -shm or anything else created.
    assert.equal(snapshotTree(root), before);
    assert.deepEqual([fs.readFileSync(db), fs.readFileSync(db + '-wal')], bytes);
    // The database file alone holds only the checkpointed event: the WAL is what adds event 2.
    fs.rmSync(db + '-wal');
    assert.deepEqual(types(db), ['t1']);
  });

  it('ignores a torn last frame (a commit being written), as SQLite does', () => {
    const wal = fs.readFileSync(path.join(gens, 'two', 'events.db-wal'));
    assert.deepEqual(types(place('two')), ['t1', 't2', 't3']);
    const db = place('two', wal.subarray(0, wal.length - 100));
    const rec = read(db);
    assert.deepEqual(rec.problems, []);
    assert.deepEqual(rec.events!.map((e) => e.eventType), ['t1', 't2']);
  });

  it('a corrupt WAL is a warning and the database file is still read', () => {
    const wal = Buffer.from(fs.readFileSync(path.join(gens, 'one', 'events.db-wal')));
    for (const [why, damage] of [
      ['magic number', (b: Buffer) => (b[0] ^= 0xff)],
      ['header checksum', (b: Buffer) => (b[20] ^= 0x01)], // a salt byte: only the checksum tells
      ['shorter than a WAL header', (b: Buffer) => b.subarray(0, 20)],
    ] as const) {
      const bad = Buffer.from(wal);
      const cut = damage(bad);
      const db = place('one', Buffer.isBuffer(cut) ? cut : bad);
      const rec = read(db);
      assert.deepEqual(rec.problems.map((p) => [p.code, p.severity]), [['malformed', 'warning']], why);
      assert.match(rec.problems[0].message, new RegExp(`events\\.db-wal is not a usable SQLite WAL \\(.*${why.split(' ')[0]}`), why);
      assert.deepEqual(rec.events!.map((e) => e.eventType), ['t1'], why);
    }
  });

  it('a WAL SQLite cannot apply is a warning and the database file is still read', () => {
    const rec = read(place('one', fs.readFileSync(path.join(gens, 'foreign.wal'))));
    assert.deepEqual(rec.problems.map((p) => [p.code, p.severity]), [['malformed', 'warning']]);
    assert.match(rec.problems[0].message, /events\.db-wal cannot be applied \(.+\): only the events already in the database file are shown/);
    assert.deepEqual(rec.events!.map((e) => e.eventType), ['t1']);
  });

  it('an empty WAL (after a checkpoint) is no WAL', () => {
    assert.deepEqual(types(place('one', Buffer.alloc(0))), ['t1']);
    assert.deepEqual(read(place('one', Buffer.alloc(0))).problems, []);
  });

  it('the index keys the store by its WAL too: a growing WAL is read again, its -wal and -shm are no files of their own', async () => {
    const db = place('one');
    fs.writeFileSync(db + '-shm', Buffer.alloc(32768));
    const cacheDir = path.join(root, '.cache');
    const listed = discover({ folders: [root], skipDirs: [cacheDir] }).files.map((f) => path.relative(root, f.path));
    assert.deepEqual(listed, [path.join('svc', 'runtime', 'events.db')]);

    const live = createIndex({ folders: [root], cacheDir });
    assert.equal((await live.build()).events, 2);
    await live.close();
    fs.copyFileSync(path.join(gens, 'two', 'events.db-wal'), db + '-wal'); // the writer commits event 3

    // The next run (the CLI's lazy index over the saved cache) sees the store changed.
    const next = createIndex({ folders: [root], cacheDir, lazy: true });
    const stats = await next.build();
    assert.deepEqual([stats.events, stats.filesRead], [3, 1]);
    await next.close();
    // And an unchanged store is not read again.
    const again = createIndex({ folders: [root], cacheDir, lazy: true });
    assert.deepEqual([(await again.build()).filesRead], [0]);
    await again.close();
  });

  it('a watched index reads the store again when only its -wal changed, and not for its -shm', async () => {
    const db = place('one');
    const index = createIndex({ folders: [root] });
    const built = await index.build();
    assert.deepEqual([built.events, built.filesRead], [2, 1]);
    fs.writeFileSync(db + '-shm', Buffer.alloc(32768));
    await index.update([db + '-shm']);
    assert.deepEqual([index.stats().events, index.stats().filesRead], [2, 1]);
    fs.copyFileSync(path.join(gens, 'two', 'events.db-wal'), db + '-wal');
    await index.update([db + '-wal']);
    assert.deepEqual([index.stats().events, index.stats().filesRead], [3, 2]);
    await index.close();
  });
});
