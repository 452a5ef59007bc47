// The byte prefetch on real temp workspaces: artifacts whose bytes a worker read ahead must
// give exactly the records the calling thread gives when it reads them itself, hostile files
// included (a symlink, a FIFO, a directory, a file gone since discovery, files above the parse
// cap or too large to read ahead, a chunk past its byte budget); a worker that cannot start or
// dies costs nothing; and a small read starts no worker at all.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord } from '../../shared/records';
import { discover } from '../../shared/index/discovery';
import { CHUNK_BYTES, PREFETCH_MAX_FILE } from '../../shared/index/bytePrefetch';
import type { ReadBatch } from '../../shared/index/readPool';
import type { ReadJob } from '../../shared/index/readRequests';
import { createIndex } from '../../shared/index/workspaceIndex';
import { initReaders } from '../../shared/readers';
import { Workspace } from './fixture';
import { artifactChain, buildsChain, problemCodes, readAll, type ReadOptions } from './readAll';

const FILLS = Math.ceil(CHUNK_BYTES / (1000 * 1024)) + 1;
const REAL_WORKER = path.join(__dirname, '..', '..', 'shared', 'index', 'prefetchWorker.js');

/** Read in the calling thread (no record workers), 4 files a batch. */
const read = (jobs: ReadJob[], options: ReadOptions) => readAll(jobs, { batchSize: 4, workers: 0, ...options });
const inThread = (jobs: ReadJob[], extra: ReadOptions = {}) => read(jobs, { prefetch: false, ...extra });
const prefetched = (jobs: ReadJob[], extra: ReadOptions = {}) => read(jobs, { prefetch: true, minPoolFiles: 0, ...extra });

const sum = (batches: ReadBatch[]) => batches.reduce((n, b) => n + b.prefetched, 0);

describe('byte prefetch', function () {
  this.timeout(30000);
  let ws: Workspace;
  let jobs: ReadJob[];
  let root: string;
  const named = (hex: string) => ws.p(`runtime/artifacts/outputs/${hex}.json`);
  const record = (records: FileRecord[], p: string) => records.find((r) => r.path === p && r.role === 'artifact');

  before(() => initReaders());

  beforeEach(() => {
    ws = new Workspace('refscope-prefetch-');
    root = ws.p('runtime');
    for (let i = 0; i < 12; i++) ws.artifact('runtime', i % 2 ? 'requests' : 'responses', { n: i, see: `sha256:${'ab'.repeat(32)}` });
    ws.artifact('runtime', 'outputs', { big: 'x'.repeat(100 * 1024) }); // above a 64 KiB cap
    ws.artifact('runtime', 'outputs', { bigger: 'y'.repeat(PREFETCH_MAX_FILE + 1000) }); // too large to read ahead
    // Ten just under 1 MiB: the chunk's byte budget runs out among them, and the rest are read here.
    for (let i = 0; i < FILLS; i++) ws.artifact('runtime', 'outputs', { i, fill: 'z'.repeat(1000 * 1024) });
    ws.write(`runtime/artifacts/outputs/${'4'.repeat(64)}.json`, '{"not":"what its name says"}');
    ws.write(`runtime/artifacts/outputs/${'5'.repeat(64)}.json`, '');
    ws.auditLog('runtime/logs/audit.jsonl', [{ event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' }]);
    const target = ws.artifact('runtime', 'outputs', { linked: true });
    fs.symlinkSync(named(target), named('1'.repeat(64)));
    fs.mkdirSync(named('2'.repeat(64)));
    const gone = ws.artifact('runtime', 'outputs', { soon: 'gone' });
    if (spawnSync('mkfifo', [named('6'.repeat(64))]).status !== 0) throw new Error('mkfifo failed');
    jobs = discover({ folders: [ws.dir] }).files.map((f) => ({ path: f.path, role: f.role, root: f.root }));
    // Named like artifacts, each must become the same problem (discovery may not list them all).
    for (const hex of ['1'.repeat(64), '2'.repeat(64), '6'.repeat(64)]) if (!jobs.some((j) => j.path === named(hex))) jobs.push({ path: named(hex), role: 'artifact', root });
    // Gone between discovery and the read.
    fs.rmSync(named(gone));
  });
  afterEach(() => ws.remove());

  for (const cap of [64 * 1024, 16 * 1024 * 1024]) {
    it(`gives the records the calling thread gives, hostile files included (parse cap ${cap / 1024} KiB)`, async () => {
      const here = await inThread(jobs, { maxParseBytes: cap });
      const ahead = await prefetched(jobs, { maxParseBytes: cap });
      assert.ok(here.batches.every((b) => b.prefetched === 0));
      const artifacts = jobs.filter((j) => j.role === 'artifact').length;
      if (cap < PREFETCH_MAX_FILE) assert.equal(sum(ahead.batches), artifacts - 2 - FILLS, 'all but those above the cap were read ahead');
      // Else the one above 1 MiB is read here, and at least one file past the chunk's byte budget.
      else assert.ok(sum(ahead.batches) > 0 && sum(ahead.batches) <= artifacts - 2, 'some were read ahead, not all');
      assert.deepEqual(ahead.records, here.records);

      const codes = (hex: string) => problemCodes(record(ahead.records, named(hex)));
      assert.deepEqual(codes('1'.repeat(64)), ['unreadable']);
      assert.match(record(ahead.records, named('1'.repeat(64)))!.problems[0].message, /symbolic link/);
      assert.match(record(ahead.records, named('2'.repeat(64)))!.problems[0].message, /not a regular file/);
      assert.match(record(ahead.records, named('6'.repeat(64)))!.problems[0].message, /not a regular file/, 'a FIFO is refused, not waited on');
      assert.deepEqual(codes('4'.repeat(64)), ['hash-mismatch'], 'the hash taken in the worker is checked');
      assert.equal(record(ahead.records, named('4'.repeat(64)))!.artifacts![0].actualDigest?.length, 64);
      assert.equal(record(ahead.records, named('5'.repeat(64)))!.artifacts![0].verification, 'mismatch', 'an empty file is read (and hashed) too');
      const gone = ahead.records.filter((r) => r.problems.some((p) => /gone/.test(p.message)));
      assert.equal(gone.length, 1);
      const tooLarge = ahead.records.filter((r) => problemCodes(r).includes('too-large'));
      assert.equal(tooLarge.length, cap < PREFETCH_MAX_FILE ? 2 + FILLS : 0, 'files above the cap are hashed, not parsed');
      for (const r of tooLarge) assert.equal(r.artifacts![0].verification, 'verified');
    });
  }

  it('reads everything in the calling thread when the worker cannot start or dies', async () => {
    const here = await inThread(jobs);
    const missing = await prefetched(jobs, { prefetchFile: ws.p('no-such-worker.js') });
    assert.equal(sum(missing.batches), 0);
    assert.deepEqual(missing.records, here.records);
    const crashing = ws.write('crashing-worker.js', "throw new Error('cannot start');\n");
    assert.deepEqual((await prefetched(jobs, { prefetchFile: crashing })).records, here.records);
    const dying = ws.write('dying-worker.js', "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
    assert.deepEqual((await prefetched(jobs, { prefetchFile: dying })).records, here.records);
  });

  it('starts no worker for a small read, nor on one core', async () => {
    const marker = ws.p('started.txt');
    const counting = ws.write('counting-worker.js', `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'x');\nrequire(${JSON.stringify(REAL_WORKER)});\n`);
    const small = await read(jobs, { prefetch: true, prefetchFile: counting, minPoolFiles: jobs.length + 1 });
    assert.equal(sum(small.batches), 0);
    const oneCore = await read(jobs, { prefetch: false, prefetchFile: counting, minPoolFiles: 0 });
    assert.equal(sum(oneCore.batches), 0);
    assert.equal(fs.existsSync(marker), false, 'no worker was started');
    // The same read at the threshold does start one (so the check above can fail).
    const large = await read(jobs, { prefetch: true, prefetchFile: counting, minPoolFiles: jobs.length });
    assert.ok(sum(large.batches) > 0);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'x');
  });

  it('indexes a workspace large enough for the prefetch', async () => {
    const hexes = artifactChain(ws);
    // Several chunks, whose buffers go back to the worker and are filled again.
    const many = discover({ folders: [ws.dir] }).files.map((f) => ({ path: f.path, role: f.role, root: f.root }));
    const ahead = await prefetched(many, { batchSize: 100 }); // batches that straddle chunks
    assert.deepEqual(ahead.records, (await inThread(many, { batchSize: 100 })).records);
    assert.ok(sum(ahead.batches) >= 1000, 'the artifacts of every chunk but that of the large ones were read ahead');
    const index = createIndex({ folders: [ws.dir] });
    try {
      await buildsChain(index, ws, hexes);
      assert.deepEqual(index.problems(named('4'.repeat(64))).map((p) => p.code), ['hash-mismatch']);
      assert.equal(index.stats().artifacts, hexes.length + 12 + 5 + FILLS, 'every readable artifact, those too large to read ahead too');
    } finally {
      await index.close();
    }
  });
});
