// A cold build runs in a child process with the malloc setting (shared/cli/mallocChild.ts),
// driven as a user or supervisor drives `node dist/cli.js`: what it prints and its exit code are
// those of a run in one process, and a signal sent to the command stops the build and ends the
// command as that signal would have.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
const MALLOC = 'MALLOC_MMAP_THRESHOLD_';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `env` is the command's whole environment (the malloc setting left out unless given). */
function cli(args: string[], env: NodeJS.ProcessEnv): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withoutSetting(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[MALLOC];
  return env;
}

/** The child processes of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  } catch {
    return []; // ended
  }
  return text ? text.split(' ').map(Number) : [];
}

function environOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cli: a cold build in a child with the malloc setting', function () {
  this.timeout(180000);
  let tmp: string;
  let demo: string;
  let big: string;
  let caches = 0;
  const freshCache = () => path.join(tmp, `cache-${caches++}`);

  before(function () {
    if (process.platform !== 'linux') this.skip(); // the setting is glibc's: elsewhere the build stays in one process
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-malloc-')));
    demo = path.join(tmp, 'demo');
    big = path.join(tmp, 'big');
    for (const [dir, runs] of [[demo, '6'], [big, '200']]) {
      const r = cli(['demo', dir, '--runs', runs, '--json'], withoutSetting());
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  it('prints what a build in one process prints, with its exit code', () => {
    for (const args of [['index', '--json'], ['index'], ['verify', '--json']]) {
      const inChild = cli([...args, demo, '--cache', freshCache()], withoutSetting());
      const here = cli([...args, demo, '--cache', freshCache()], { ...withoutSetting(), [MALLOC]: '131072' });
      const timeless = (s: string) => s.replace(/"indexMs":\d+/, '"indexMs":0').replace(/\(\d+ ms,/, '(0 ms,');
      assert.equal(inChild.status, here.status, args.join(' '));
      assert.equal(timeless(inChild.stdout), timeless(here.stdout), args.join(' '));
      assert.equal(inChild.stderr, here.stderr, args.join(' '));
    }
    // verify exits 1 on the demo's planted faults: the child's exit code is the command's.
    assert.equal(cli(['verify', demo, '--cache', freshCache()], withoutSetting()).status, 1);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} sent to the command ends the build in the child, and the command dies of ${signal}`, async () => {
      const cache = freshCache();
      const proc = spawn(process.execPath, [CLI, 'index', big, '--cache', cache, '--json'], { env: withoutSetting(), stdio: ['ignore', 'pipe', 'pipe'] });
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, sig) => resolve({ code, signal: sig })));
      let kids: number[] = [];
      for (let i = 0; i < 400 && kids.length === 0; i++) {
        await sleep(10);
        kids = childrenOf(proc.pid!);
      }
      assert.equal(kids.length, 1, 'the build runs in one child');
      // Between its fork and its exec a child still has this process's environment.
      let hasSetting = false;
      for (let i = 0; i < 200 && !hasSetting; i++) {
        hasSetting = environOf(kids[0]).includes(`${MALLOC}=131072`);
        if (!hasSetting) await sleep(10);
      }
      assert.ok(hasSetting, 'the child has the malloc setting');
      proc.kill(signal);
      const end = await ended;
      assert.deepEqual(end, { code: null, signal });
      assert.equal(fs.existsSync(`/proc/${kids[0]}`), false, 'the child is gone');
      // Stopped before its save: a later start is cold again, as after a build killed in one process.
      assert.equal(fs.existsSync(path.join(cache, 'summary.sqlite')), false);
    });
  }

  it('a warm start (a saved index) and a setting of the user stay in one process', async () => {
    const warm = freshCache();
    assert.equal(cli(['index', big, '--cache', warm], withoutSetting()).status, 0);
    for (const [cache, env] of [[warm, withoutSetting()], [freshCache(), { ...withoutSetting(), [MALLOC]: '65536' }]] as const) {
      const proc = spawn(process.execPath, [CLI, 'index', big, '--cache', cache, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const ended = new Promise((resolve) => proc.once('exit', resolve));
      let seen = 0;
      // Node's own helper threads are not processes: any child would be the build's.
      for (let i = 0; i < 100; i++) {
        await sleep(10);
        if (proc.exitCode !== null) break;
        seen = Math.max(seen, childrenOf(proc.pid!).length);
      }
      await ended;
      assert.equal(seen, 0);
    }
  });
});
