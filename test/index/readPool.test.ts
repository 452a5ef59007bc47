// The read pool on real temp workspaces: worker threads must give exactly the records the
// calling thread would (bad files included), a resumed log must still resume, and reading
// must fall back to the calling thread when no worker can start or a worker dies.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discover } from '../../shared/index/discovery';
import { KeptWorkers } from '../../shared/index/keptWorkers';
import { readBatches, type ReadBatch } from '../../shared/index/readPool';
import type { FileRecord } from '../../shared/records';
import type { ReadJob } from '../../shared/index/readRequests';
import { isResolvedTarget } from '../../shared/index/resolution';
import { createIndex } from '../../shared/index/workspaceIndex';
import { initReaders } from '../../shared/readers';
import { Workspace } from './fixture';
import { artifactChain, buildsChain, problemCodes, readAll, type ReadOptions } from './readAll';

/** Roles whose records hold events: read in the calling thread even when workers read the rest. */
const EVENT_ROLES = ['auditLog', 'ledger', 'eventsJsonl', 'otlpLog', 'sqlite'];

const inThread = (jobs: ReadJob[]) => readAll(jobs, { minPoolFiles: Infinity });
const pooled = (jobs: ReadJob[], extra: ReadOptions = {}) => readAll(jobs, { minPoolFiles: 0, workers: 2, ...extra });

describe('read pool', function () {
  this.timeout(30000);
  let ws: Workspace;
  let jobs: ReadJob[];
  let badJson: string;

  before(() => initReaders());

  beforeEach(async () => {
    ws = new Workspace('refscope-readpool-');
    for (let i = 0; i < 10; i++) ws.artifact('runtime', i % 2 ? 'requests' : 'responses', { n: i, see: `sha256:${'ab'.repeat(32)}` });
    ws.auditLog('runtime/logs/audit.jsonl', [
      { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' },
      { event_type: 'tool_called', run_id: 'r1', artifact_ref: `sha256:${'cd'.repeat(32)}` },
    ]);
    await ws.sqliteEvents('runtime/events.db', [{ type: 'run.started', payload: { run_id: 'r1', input_ref: `sha256:${'ef'.repeat(32)}` }, at: '2024-05-01T10:00:00Z' }]);
    ws.write('notes.md', `see sha256:${'12'.repeat(32)}\n`);
    jobs = discover({ folders: [ws.dir] }).files.map((f) => ({ path: f.path, role: f.role, root: f.root }));
    // Files discovery would not hand over, given to the readers directly: each must become the same problem.
    const root = ws.p('runtime');
    badJson = ws.write(`runtime/artifacts/requests/${'0'.repeat(64)}.json`, Buffer.from([0x7b, 0, 0x7d]));
    const target = ws.artifact('runtime', 'outputs', { linked: true });
    const link = ws.p(`runtime/artifacts/outputs/${'1'.repeat(64)}.json`);
    fs.symlinkSync(ws.p(`runtime/artifacts/outputs/${target}.json`), link);
    const dir = ws.p(`runtime/artifacts/outputs/${'2'.repeat(64)}.json`);
    fs.mkdirSync(dir);
    const gone = ws.p(`runtime/artifacts/outputs/${'3'.repeat(64)}.json`);
    jobs.push(
      { path: badJson, role: 'artifact', root },
      { path: link, role: 'artifact', root },
      { path: dir, role: 'artifact', root },
      { path: gone, role: 'artifact', root },
      { path: link, role: 'auditLog', root },
    );
    const fifo = ws.p('runtime/logs/pipe.jsonl');
    // A FIFO named like a log must not hang a worker any more than the calling thread.
    if (spawnSync('mkfifo', [fifo]).status === 0) jobs.push({ path: fifo, role: 'auditLog', root });
  });
  afterEach(() => ws.remove());

  it('gives the records the calling thread gives, bad files included, in order', async () => {
    const here = await inThread(jobs);
    const there = await pooled(jobs);
    const logsOnly = (b: ReadBatch) => b.jobs.every((j) => EVENT_ROLES.includes(j.role));
    assert.ok(there.batches.every((b) => b.workers === (logsOnly(b) ? 0 : 2)), 'every batch but those of logs alone was read by the workers');
    assert.ok(here.batches.every((b) => b.workers === 0));
    assert.deepEqual(there.records, here.records);

    const byPath = (p: string, role = 'artifact') => there.records.find((r) => r.path === p && r.role === role);
    const events = there.records.find((r) => r.role === 'sqlite');
    assert.equal(events?.events?.length, 1, 'the SQLite store was read (in the calling thread)');
    assert.equal(there.records.find((r) => r.role === 'auditLog' && r.path.endsWith('audit.jsonl'))?.events?.length, 2);
    assert.deepEqual(problemCodes(byPath(badJson)), ['malformed', 'hash-mismatch'], 'binary .json');
    const symlinked = byPath(ws.p(`runtime/artifacts/outputs/${'1'.repeat(64)}.json`));
    assert.deepEqual(problemCodes(symlinked), ['unreadable']);
    assert.match(symlinked!.problems[0].message, /symbolic link/);
    assert.match(byPath(ws.p(`runtime/artifacts/outputs/${'2'.repeat(64)}.json`))!.problems[0].message, /not a regular file/);
    assert.match(byPath(ws.p(`runtime/artifacts/outputs/${'3'.repeat(64)}.json`))!.problems[0].message, /gone/);
  });

  it('reads logs and event stores in the calling thread, the rest in the workers', async () => {
    // One file a batch: each batch says where its file was read.
    const { batches } = await pooled(jobs, { batchSize: 1 });
    const where = (role: string) => batches.filter((b) => b.jobs[0].role === role).map((b) => b.workers);
    assert.ok(where('auditLog').length >= 2 && where('auditLog').every((w) => w === 0), 'audit logs, the FIFO among them, read here');
    assert.deepEqual(where('sqlite'), [0]);
    assert.ok(where('artifact').length >= 10 && where('artifact').every((w) => w === 2), 'artifacts read by the workers');
  });

  it('falls back to the calling thread when no worker can start', async () => {
    const here = await inThread(jobs);
    const missing = await pooled(jobs, { workerFile: ws.p('no-such-worker.js') });
    assert.ok(missing.batches.every((b) => b.workers === 0));
    assert.deepEqual(missing.records, here.records);
  });

  it('reads what a failed worker owed in the calling thread', async () => {
    const here = await inThread(jobs);
    const crashing = ws.write('crashing-worker.js', "throw new Error('cannot start');\n");
    const crashed = await pooled(jobs, { workerFile: crashing });
    assert.ok(crashed.batches.every((b) => b.workers === 0));
    assert.deepEqual(crashed.records, here.records);
    // One that dies after its first reply: the rest comes from the calling thread, nothing lost or repeated.
    const real = path.join(__dirname, '..', '..', 'shared', 'index', 'readWorker.js');
    const dying = ws.write(
      'dying-worker.js',
      [
        "const { parentPort } = require('node:worker_threads');",
        'let replied = false;',
        'const post = parentPort.postMessage.bind(parentPort);',
        'parentPort.postMessage = (m) => { post(m); replied = true; };',
        "parentPort.on('message', () => { if (replied) process.exit(3); });",
        `require(${JSON.stringify(real)});`,
      ].join('\n'),
    );
    const died = await pooled(jobs, { workerFile: dying, workers: 1 });
    assert.equal(died.batches[0].workers, 1);
    assert.equal(died.batches[died.batches.length - 1].workers, 0);
    assert.deepEqual(died.records, here.records);
  });

  it('lets go of the jobs handed over (takeJobs) and gives the same records, in the calling thread and through workers', async () => {
    const here = await inThread(jobs);
    for (const options of [{ minPoolFiles: Infinity }, { minPoolFiles: 0, workers: 2 }]) {
      const handed = jobs.slice();
      const records: FileRecord[] = [];
      for await (const b of readBatches(handed, { maxParseBytes: 16 * 1024 * 1024, batchSize: 3, takeJobs: true, ...options })) {
        assert.equal(handed.length, 0, 'the array handed over is emptied');
        for (const r of b.records) records.push(r);
      }
      assert.deepEqual(records, here.records);
    }
  });

  it('keeps its workers from one read to the next, and reads with a new one in place of one that died', async () => {
    const here = await inThread(jobs);
    const starts = ws.p('starts.txt');
    const kept = new KeptWorkers(1, countingWorker(ws, starts, { diesAfterReplies: Infinity }));
    try {
      for (let read = 0; read < 3; read++) {
        const r = await pooled(jobs, { keptWorkers: kept });
        assert.ok(r.batches.some((b) => b.workers === 1), `read ${read} was read by the kept worker`);
        assert.deepEqual(r.records, here.records);
      }
      assert.equal(workerStarts(starts), 1, 'one worker for the three reads');
    } finally {
      await kept.close();
    }

    // One that dies after its first reply: the rest of that read comes from the calling thread,
    // and the next read has a new worker.
    const dying = new KeptWorkers(1, countingWorker(ws, starts, { diesAfterReplies: 1 }));
    try {
      for (let read = 0; read < 2; read++) {
        const r = await pooled(jobs, { keptWorkers: dying });
        assert.equal(r.batches[0].workers, 1, `read ${read} began in a worker`);
        assert.equal(r.batches[r.batches.length - 1].workers, 0, `read ${read} ended in the calling thread`);
        assert.deepEqual(r.records, here.records, 'nothing lost or repeated');
      }
      assert.equal(workerStarts(starts), 3, 'the dead worker was replaced');
    } finally {
      await dying.close();
    }
  });

  it('closes kept workers left idle, and starts them again for the next read', async () => {
    const starts = ws.p('starts.txt');
    const kept = new KeptWorkers(1, countingWorker(ws, starts, { diesAfterReplies: Infinity }), 50);
    try {
      await pooled(jobs, { keptWorkers: kept });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const r = await pooled(jobs, { keptWorkers: kept });
      assert.ok(r.batches.some((b) => b.workers === 1));
      assert.equal(workerStarts(starts), 2);
    } finally {
      await kept.close();
    }
    assert.ok((await pooled(jobs, { keptWorkers: kept })).batches.every((b) => b.workers === 0), 'closed for good: read here');
  });

  it('reads the updates of 1024+ files of an index through its kept worker, replaced when it died, and loses none of them', async () => {
    const starts = ws.p('starts.txt');
    const index = createIndex({ folders: [ws.dir], readInWorkers: true, readWorkerFile: countingWorker(ws, starts, { diesAfterReplies: 2 }) });
    try {
      let artifacts = (await index.build()).artifacts;
      assert.equal(workerStarts(starts), 0, 'a build of a few files reads them here');
      for (let update = 0; update < 3; update++) {
        const hexes: string[] = [];
        for (let i = 0; i < 1100; i++) hexes.push(ws.artifact('runtime', 'requests', { update, i }));
        await index.update(hexes.map((hex) => ws.p(`runtime/artifacts/requests/${hex}.json`)));
        artifacts += hexes.length;
        assert.equal(index.stats().artifacts, artifacts, `update ${update}: every artifact`);
        for (const hex of [hexes[0], hexes[hexes.length - 1]]) assert.ok(isResolvedTarget(index.resolve(`sha256:${hex}`)));
        assert.equal(workerStarts(starts), update + 1, `update ${update} began in a worker of its own: the last one had died`);
      }
    } finally {
      await index.close();
    }
  });

  it('resumes an appended log from its previous record', async () => {
    const rel = 'runtime/logs/audit.jsonl';
    const first = (await inThread(jobs)).records.find((r) => r.path === ws.p(rel))!;
    ws.appendAudit(rel, first.events![1].hash!, [{ event_type: 'run_finished', run_id: 'r1' }]);
    const withPrevious = jobs.map((j) => (j.path === ws.p(rel) ? { ...j, previous: first } : j));
    const here = await inThread(withPrevious);
    const there = await pooled(withPrevious);
    assert.deepEqual(there.records, here.records);
    const resumed = there.records.find((r) => r.path === ws.p(rel))!;
    assert.equal(resumed.events?.length, 3);
    assert.equal(resumed.events![0], first.events![0], 'the events before the resume point are the previous record’s own');
  });

  it('holds the refs of a batch packed in a worker as it holds those read in the calling thread', async () => {
    // Each batch's refs cross as rows with the batch's own tables, every file holding its window of them: forms, namespaces, invalid refs and text not derived from a key included.
    const hexes = artifactChain(ws);
    for (let i = 0; i < 40; i++) {
      const hex = hexes[i * 7];
      ws.artifact('runtime', i % 2 ? 'prompt_templates' : 'tool_io', {
        i,
        template: `prompt_templates/sha256:${hex}`,
        upper: `sha256:${hex.toUpperCase()}`,
        input_hash: hex,
        short: `sha256:${hex.slice(0, 12)}`,
        object: { $artifact: `obj-${i}` },
        payload: `blake3:${hex}`,
        bad: `prompt_templates/../sha256:${hex}`,
      });
      ws.write(`notes/n${i}.md`, `see sha256:${hex} and ns/sub/sha256:${hexes[i]}\n`);
    }
    const pooledIndex = createIndex({ folders: [ws.dir], readInWorkers: true });
    const threadIndex = createIndex({ folders: [ws.dir] });
    try {
      await buildsChain(pooledIndex, ws, hexes);
      await buildsChain(threadIndex, ws, hexes);
      const files = discover({ folders: [ws.dir] }).files;
      assert.ok(files.length > 1100);
      for (const f of files) assert.deepEqual(pooledIndex.occurrences(f.path), threadIndex.occurrences(f.path), f.path);
      assert.deepEqual(pooledIndex.problems(undefined, true), threadIndex.problems(undefined, true));
      for (const hex of hexes.slice(0, 300)) assert.deepEqual(pooledIndex.references(`sha256:${hex}`), threadIndex.references(`sha256:${hex}`));
    } finally {
      await pooledIndex.close();
      await threadIndex.close();
    }
  });

  it('indexes a workspace too large for the calling thread through the pool', async () => {
    const hexes = artifactChain(ws);
    const index = createIndex({ folders: [ws.dir], readInWorkers: true });
    try {
      await buildsChain(index, ws, hexes);
    } finally {
      await index.close();
    }
  });
});

const realReadWorker = path.join(__dirname, '..', '..', 'shared', 'index', 'readWorker.js');

/**
 * A read worker that writes a line to `starts` as it starts and, after `diesAfterReplies`
 * replies, exits at the next batch it is sent (with that batch and any queued behind it owed).
 */
function countingWorker(ws: Workspace, starts: string, { diesAfterReplies }: { diesAfterReplies: number }): string {
  return ws.write(
    `counting-worker-${diesAfterReplies}.js`,
    [
      "const { parentPort, threadId } = require('node:worker_threads');",
      `require('node:fs').appendFileSync(${JSON.stringify(starts)}, threadId + '\\n');`,
      'let replies = 0;',
      'const post = parentPort.postMessage.bind(parentPort);',
      'parentPort.postMessage = (m) => { post(m); replies++; };',
      `parentPort.on('message', () => { if (replies >= ${diesAfterReplies}) process.exit(3); });`,
      `require(${JSON.stringify(realReadWorker)});`,
    ].join('\n'),
  );
}

function workerStarts(starts: string): number {
  return fs.existsSync(starts) ? fs.readFileSync(starts, 'utf8').split('\n').filter(Boolean).length : 0;
}
