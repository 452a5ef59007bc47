import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pullModel, PullError, type PullProgress } from '../../shared/models';
import { startFaultServer, type FaultServer } from './faultServer';
import { content, modelsListing, sha256, tempDir, waitFor } from './helpers';

describe('model pull: single-flight, locks, admission', function () {
  let server: FaultServer;
  let state: string;
  const file = content(400 * 1024);
  const digest = sha256(file);

  beforeEach(async () => {
    state = tempDir();
    server = await startFaultServer({ content: file });
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(state, { recursive: true, force: true });
  });

  const base = () => ({ stateDir: state, url: server.url, sha256: digest, stallTimeoutMs: 2000, backoffMs: 10 });

  it('10 concurrent pulls of one digest make exactly one GET, and all see progress', async () => {
    server.config.trickleBytesPerSec = 2_000_000;
    const seen: PullProgress[][] = Array.from({ length: 10 }, () => []);
    const results = await Promise.all(seen.map((log, i) => pullModel({ ...base(), id: `m${i}`, onProgress: (p) => log.push(p) })));
    assert.equal(server.gets().length, 1);
    assert.ok(results.every((r) => r.status === 'downloaded' && r.sha256 === digest && r.path === results[0].path));
    for (const log of seen) assert.ok(log.some((p) => p.status === 'downloading' && p.received > 0), 'every waiter saw download progress');
    assert.equal(fs.readdirSync(path.join(state, 'models', 'by-hash')).length, 1);
    for (let i = 0; i < 10; i++) assert.ok(fs.existsSync(path.join(state, 'models', `m${i}.json`)));
  });

  it('one waiter cancelling does not stop the others; all cancelling aborts and removes the partial', async () => {
    server.config.trickleBytesPerSec = 1_000_000;
    const quitter = new AbortController();
    const stayer = pullModel({ ...base(), id: 'stays' });
    const leaver = pullModel({ ...base(), id: 'leaves', signal: quitter.signal });
    await waitFor(() => fs.existsSync(path.join(state, 'models', `${digest}.part`)), 'the transfer to start');
    quitter.abort();
    await assert.rejects(leaver, (e: unknown) => e instanceof PullError && e.code === 'cancelled');
    assert.equal((await stayer).status, 'downloaded');
    assert.ok(!fs.existsSync(path.join(state, 'models', 'leaves.json')));

    fs.rmSync(path.join(state, 'models'), { recursive: true });
    const a = new AbortController();
    const b = new AbortController();
    const pa = pullModel({ ...base(), id: 'a', signal: a.signal });
    const pb = pullModel({ ...base(), id: 'b', signal: b.signal });
    await waitFor(() => fs.existsSync(path.join(state, 'models', `${digest}.part`)), 'the second transfer to start');
    a.abort();
    b.abort();
    await assert.rejects(pa, /cancelled/);
    await assert.rejects(pb, /cancelled/);
    await waitFor(() => !fs.existsSync(path.join(state, 'models', `${digest}.lock`)), 'the aborted transfer to release its lock');
    assert.deepEqual(modelsListing(state), ['by-hash']);
  });

  it('takes over the lock of a dead process, and waits for a live one', async () => {
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    const lock = path.join(state, 'models', `${digest}.lock`);
    fs.writeFileSync(lock, '999999999\n');
    assert.equal((await pullModel({ ...base(), id: 'm' })).status, 'downloaded');
    assert.ok(!fs.existsSync(lock));

    fs.rmSync(path.join(state, 'models'), { recursive: true });
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    fs.writeFileSync(lock, `${process.ppid}\n`); // a live process that is not us
    const statuses: string[] = [];
    const waiting = pullModel({ ...base(), id: 'm', onProgress: (p) => statuses.push(p.status) });
    await waitFor(() => statuses.includes('waiting'), 'the pull to wait for the lock owner');
    assert.equal(server.gets().length, 1, 'no transfer while the owner lives');
    assert.ok(fs.existsSync(lock), 'a live owner keeps its lock');
    fs.rmSync(lock);
    assert.equal((await waiting).status, 'downloaded');
  });

  it('refuses up front with admission_denied when the recorded throughput cannot meet the budget; corrupt metrics mean no record', async () => {
    fs.writeFileSync(path.join(state, 'downloads.metrics.json'), JSON.stringify({ ewma_mbps: 0.1, downloads: 3 }));
    await assert.rejects(pullModel({ ...base(), id: 'm', timeBudgetMs: 1000 }), (e: unknown) => e instanceof PullError && e.code === 'admission_denied');
    assert.equal(server.gets().length, 0);
    fs.writeFileSync(path.join(state, 'downloads.metrics.json'), '{"ewma_mbps": ');
    assert.equal((await pullModel({ ...base(), id: 'm', timeBudgetMs: 1000 })).status, 'downloaded');
    const metrics = JSON.parse(fs.readFileSync(path.join(state, 'downloads.metrics.json'), 'utf8'));
    assert.equal(metrics.downloads, 1);
    assert.ok(metrics.ewma_mbps > 0, 'the transfer was folded into the EWMA');
  });

  it('treats an orphan blob (killed between rename and manifest) as cached after checking its bytes', async () => {
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    fs.writeFileSync(path.join(state, 'models', 'by-hash', `${digest}.bin`), file);
    const r = await pullModel({ ...base(), id: 'm' });
    assert.equal(r.status, 'cached');
    assert.equal(server.gets().length, 0);
    assert.equal(JSON.parse(fs.readFileSync(path.join(state, 'models', 'm.json'), 'utf8')).sha256, digest);

    // A blob whose bytes do not match its name is not trusted: it is downloaded again.
    fs.writeFileSync(path.join(state, 'models', 'by-hash', `${digest}.bin`), Buffer.alloc(10));
    fs.rmSync(path.join(state, 'models', 'm.json'));
    assert.equal((await pullModel({ ...base(), id: 'm' })).status, 'downloaded');
    assert.deepEqual(fs.readFileSync(path.join(state, 'models', 'by-hash', `${digest}.bin`)), file);
  });
});
