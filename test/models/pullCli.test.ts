import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { startFaultServer, type FaultServer } from './faultServer';
import { CLI, content, modelsListing, sha256, tempDir, waitFor } from './helpers';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const run = (args: string[]) => start(args).done;

describe('model pull: CLI and crashes', function () {
  let server: FaultServer;
  let state: string;
  const file = content(600 * 1024);
  const digest = sha256(file);

  beforeEach(async () => {
    state = tempDir();
    server = await startFaultServer({ content: file });
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(state, { recursive: true, force: true });
  });

  const pullArgs = (id: string, extra: string[] = []) => ['pull', '--id', id, '--url', server.url, '--sha256', digest, '--state', state, '--json', ...extra];

  it('prints the result as JSON and exits 0; a malformed --sha256 exits 2 before any request', async () => {
    const bad = await run(['pull', '--id', 'm', '--url', server.url, '--sha256', 'xyz', '--state', state, '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /sha256/);
    const missing = await run(['pull', '--id', 'm', '--state', state]);
    assert.equal(missing.code, 2);
    assert.equal(server.requests.length, 0);
    const ok = await run(pullArgs('m', ['--provider', 'test']));
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout);
    assert.equal(result.status, 'downloaded');
    assert.equal(result.manifest.provider, 'test');
    assert.equal(result.bytes, file.length);
  });

  it('reports a failure as {"error": code, "message"} and exits 1', async () => {
    server.config.getStatus = 404;
    const r = await run(pullArgs('m'));
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.error, 'http_error');
    assert.match(out.message, /404/);
    const wrong = await run(['pull', '--id', 'm', '--url', server.url, '--sha256', 'e'.repeat(64), '--state', state, '--json']);
    server.config.getStatus = undefined;
    assert.equal(wrong.code, 1);
  });

  it('resumes with Range after the process is SIGKILLed mid-transfer (taking over its dead lock)', async () => {
    server.config.trickleBytesPerSec = 300_000;
    const first = start(pullArgs('m'));
    const part = path.join(state, 'models', `${digest}.part`);
    await waitFor(() => fs.existsSync(part) && fs.statSync(part).size >= 64 * 1024, 'some bytes on disk');
    first.child.kill('SIGKILL');
    assert.equal((await first.done).signal, 'SIGKILL');
    assert.ok(fs.existsSync(path.join(state, 'models', `${digest}.lock`)), 'the killed process left its lock');
    const kept = fs.statSync(part).size;
    server.config.trickleBytesPerSec = undefined;
    const second = await run(pullArgs('m'));
    assert.equal(second.code, 0, second.stderr);
    const gets = server.gets();
    assert.equal(gets.length, 2);
    const from = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1]);
    assert.ok(from > 0 && from <= kept, `resumed from ${gets[1].headers.range} with ${kept} bytes kept`);
    assert.deepEqual(fs.readFileSync(path.join(state, 'models', 'by-hash', `${digest}.bin`)), file);
    assert.deepEqual(modelsListing(state), ['by-hash', `by-hash/${digest}.bin`, 'm.json']);
  });

  it('3 processes pulling one digest: one transfer, one blob, all exit 0', async () => {
    server.config.trickleBytesPerSec = 2_000_000;
    const runs = await Promise.all(['p1', 'p2', 'p3'].map((id) => run(pullArgs(id))));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(runs.map((r) => JSON.parse(r.stdout).status).sort(), ['cached', 'cached', 'downloaded']);
    assert.equal(server.gets().length, 1);
    assert.deepEqual(modelsListing(state), ['by-hash', `by-hash/${digest}.bin`, 'p1.json', 'p2.json', 'p3.json']);
  });

  it('a manifest write killed at any moment leaves the old or the new manifest, never a truncated one', async () => {
    const models = path.join(state, 'models');
    fs.mkdirSync(models, { recursive: true });
    const manifestModule = path.join(__dirname, '..', '..', 'shared', 'models', 'manifest.js');
    const pathsModule = path.join(__dirname, '..', '..', 'shared', 'models', 'storePaths.js');
    const writer = `
      const { writeManifest } = require(${JSON.stringify(manifestModule)});
      const { storePaths } = require(${JSON.stringify(pathsModule)});
      const paths = storePaths(${JSON.stringify(state)});
      for (let i = 0; ; i++) {
        const pad = 'x'.repeat(i % 2 ? 100000 : 10);
        writeManifest(paths, { id: 'm', file: 'f', path: 'p', sha256: String(i % 2), cas: 'sha256', bytes: i, provider: pad, verified: true });
      }`;
    const target = path.join(models, 'm.json');
    for (let round = 0; round < 5; round++) {
      const child = spawn(process.execPath, ['-e', writer], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('close', resolve));
      await waitFor(() => fs.existsSync(target) && JSON.parse(fs.readFileSync(target, 'utf8')).bytes > round * 3, 'the writer to loop');
      child.kill('SIGKILL');
      await exited;
      const m = JSON.parse(fs.readFileSync(target, 'utf8'));
      assert.equal(m.provider.length, m.bytes % 2 ? 100000 : 10, 'the manifest is one whole write');
    }
  });
});
