// The data commands (CONTRACT 4) driven as a user drives them: `node dist/cli.js ...` as a
// child process on the demo workspace, checking stdout JSON shapes, exit codes and the cache.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { skipOutsideCi } from '../skipOutsideCi';

const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Run): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not one JSON document (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

const STATS_KEYS = ['ready', 'artifacts', 'refs', 'dangling', 'events', 'blobs', 'roots', 'indexMs'];
const RESOLVE_KEYS = ['ref', 'digest', 'kind', 'verification', 'referencedBy', 'refs'];

describe('cli data commands', function () {
  // Each cold build is two process starts (shared/cli/mallocChild.ts): 2-2.5 s at a load of 7 on 2 cores.
  this.timeout(20000);
  let tmp: string;
  let demo: string;
  let cache: string;
  let faults: { kind: string; fault: boolean; file?: string; line?: number; sequence?: number; ref?: string }[];
  let demoArtifacts: number;
  let newestRequest: string;
  const data = (args: string[]) => cli([...args, '--workspace', demo, '--cache', cache]);

  before(function () {
    this.timeout(120000);
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-cli-')));
    demo = path.join(tmp, 'demo');
    cache = path.join(tmp, 'cache');
    const r = cli(['demo', demo, '--json']);
    assert.equal(r.status, 0, r.stderr);
    // The demo says what it wrote and planted; the index is checked against that, not against itself.
    const summary = json(r) as { artifacts: { total: number }; sidecars: number; faults: typeof faults; newestRequest: string };
    faults = summary.faults;
    newestRequest = summary.newestRequest;
    assert.ok(faults.filter((f) => f.fault).length >= 5, r.stdout);
    demoArtifacts = summary.artifacts.total + summary.sidecars;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('index --json prints the stats; a second run reuses the cache and reads nothing', () => {
    const first = data(['index', '--json']);
    assert.equal(first.status, 0, first.stderr);
    const s = json(first) as Record<string, unknown>;
    for (const k of STATS_KEYS) assert.ok(k in s, `stats lacks ${k}`);
    assert.equal(s.ready, true);
    assert.equal(s.artifacts, demoArtifacts);
    assert.equal(s.blobs, 4);
    assert.ok((s.events as number) > 0 && (s.refs as number) > (s.artifacts as number));
    assert.ok((s.roots as string[]).length >= 3 && (s.roots as string[]).every((r) => r.startsWith(demo + path.sep)));
    assert.ok((s.filesRead as number) > demoArtifacts);
    assert.ok(fs.readdirSync(cache).length > 0);

    const second = json(data(['index', '--json'])) as Record<string, unknown>;
    assert.equal(second.filesRead, 0);
    assert.deepEqual({ ...second, indexMs: 0 }, { ...s, indexMs: 0, filesRead: 0 });
  });

  it('index takes the workspace as DIR, keeps its cache under XDG_CACHE_HOME by default, prints text without --json', () => {
    const xdg = path.join(tmp, 'xdg');
    const r = cli(['index', demo], { XDG_CACHE_HOME: xdg });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${demoArtifacts} artifacts, `));
    assert.ok(r.stdout.includes(path.join(demo, 'agent-a', 'runtime')));
    assert.equal(fs.readdirSync(path.join(xdg, 'refscope')).length, 1);
  });

  it('index with a cache dir that cannot be made still answers, says why nothing was saved, and does not hang', function () {
    // procfs refuses new folders with ENOENT, where Node's recursive mkdir used to loop forever.
    if (!fs.existsSync('/proc/self')) skipOutsideCi(this, 'no procfs here');
    const r = cli(['index', demo, '--json', '--cache', '/proc/refscope-test/cache']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((json(r) as { artifacts: number }).artifacts, demoArtifacts);
    assert.match(r.stderr, /could not save the index in \/proc\/refscope-test\/cache/);
  });

  it('index --list-requests --json lists requests newest first', () => {
    const list = json(data(['index', '--list-requests', '--json'])) as { ref: string; time?: string; uri: string }[];
    assert.ok(list.length >= 3);
    const times = list.map((r) => Date.parse(r.time!));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.ok(list.every((r) => /^sha256:[0-9a-f]{64}$/.test(r.ref) && r.uri.startsWith('file://')));
  });

  it('show --json answers what refscope/resolve answers, exit 0', () => {
    const [req] = json(data(['index', '--list-requests', '--json'])) as { ref: string; uri: string }[];
    const r = data(['show', req.ref, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const res = json(r) as Record<string, unknown>;
    for (const k of RESOLVE_KEYS) assert.ok(k in res, `resolve lacks ${k}`);
    assert.equal(res.ref, req.ref);
    assert.equal(res.kind, 'requests');
    assert.equal(res.uri, req.uri);
    assert.equal(res.verification, 'verified');
    assert.equal((res.producedBy as { eventType: string }).eventType, 'provider_request_written');
    const text = data(['show', req.ref.slice(0, 20)]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /verification: verified/);
  });

  it('show exits 1 on dangling and invalid refs, still answering in JSON', () => {
    const dangling = data(['show', `sha256:${'0123'.repeat(16)}`, '--json']);
    assert.equal(dangling.status, 1);
    assert.equal((json(dangling) as { error: string }).error, 'dangling');
    const invalid = data(['show', `../../etc/sha256:${'0123'.repeat(16)}`, '--json']);
    assert.equal(invalid.status, 1);
    assert.equal((json(invalid) as { error: string }).error, 'invalid');
    const text = data(['show', 'not-a-ref']);
    assert.equal(text.status, 1);
    assert.match(text.stderr, /invalid/);
  });

  it('show tells each planted piece of evidence for what it is', () => {
    const expected: Record<string, { status: number; verification?: string; error?: string }> = {
      'canonical-bytes': { status: 0, verification: 'canonical' },
      'tampered-artifact': { status: 0, verification: 'mismatch' },
      'pruned-artifact': { status: 0, verification: 'pruned' },
      'dangling-ref': { status: 1, error: 'dangling' },
      'traversal-ref': { status: 1, error: 'invalid' },
    };
    let checked = 0;
    for (const f of faults) {
      const want = expected[f.kind];
      if (!want || !f.ref) continue;
      // A file-store id is written as `artifact:<id>` on the command line.
      const ref = /^[0-9a-f]{32}$/.test(f.ref) ? `artifact:${f.ref}` : f.ref;
      const r = data(['show', ref, '--json']);
      assert.equal(r.status, want.status, `${f.kind}: ${r.stdout}${r.stderr}`);
      const res = json(r) as { verification?: string; error?: string };
      assert.equal(res.verification, want.verification, `${f.kind}: ${r.stdout}`);
      assert.equal(res.error, want.error, `${f.kind}: ${r.stdout}`);
      checked++;
    }
    assert.ok(checked >= 5, `only ${checked} planted refs checked`);
  });

  it('trace --json answers what refscope/trace answers', () => {
    const [req] = json(data(['index', '--list-requests', '--json'])) as { ref: string }[];
    const r = data(['trace', req.ref, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const t = json(r) as { root: string; steps: { eventType?: string; time?: string; deltaMs?: number; children?: { ref?: string }[] }[] };
    assert.equal(t.root, req.ref);
    assert.equal(t.steps[0].eventType, 'provider_request_written');
    assert.equal(t.steps[0].children?.[0].ref, req.ref);
    assert.ok(t.steps.length >= 2 && t.steps.slice(1).every((s) => typeof s.deltaMs === 'number' && s.deltaMs >= 0));
    assert.equal(data(['trace', `sha256:${'0123'.repeat(16)}`]).status, 1);
  });

  it('verify lists every planted fault with its place and exits 1', () => {
    const r = data(['verify']);
    assert.equal(r.status, 1, r.stderr);
    for (const f of faults.filter((x) => x.fault)) {
      // verify prints `file:line:col:` (1-based line) or `file#sequence:` or `file:`.
      const expected = f.line !== undefined ? `${f.file}:${f.line}:` : f.sequence !== undefined ? `${f.file}#${f.sequence}:` : `${f.file}`;
      assert.ok(r.stdout.split('\n').some((line) => line.startsWith(expected)), `verify does not list ${f.kind} at ${expected}:\n${r.stdout}`);
    }
    const j = json(data(['verify', '--json'])) as { ok: boolean; errors: number; problems: { file: string; code: string }[] };
    assert.equal(j.ok, false);
    assert.ok(j.errors >= 5);
    assert.ok(j.problems.some((p) => p.code === 'broken-chain'));
  });

  it('verify under a warm cache finds an artifact rewritten in place (same name, other bytes)', function () {
    // Six runs of the command.
    this.timeout(60000);
    // A copy of its own: the rewrite must not reach the other tests' demo and cache.
    const ws = path.join(tmp, 'rewritten');
    fs.cpSync(demo, ws, { recursive: true });
    const own = (args: string[]) => cli([...args, '--workspace', ws, '--cache', path.join(tmp, 'rewritten-cache')]);
    // Twice: the second start is warm and leaves the folder stamps a rewrite in place does not move.
    for (let i = 0; i < 2; i++) assert.equal(own(['index', '--json']).status, 0);
    const hex = newestRequest.slice('sha256:'.length);
    const rel = (fs.readdirSync(ws, { recursive: true }) as string[]).find((f) => path.basename(f) === `${hex}.json`)!;
    assert.ok(rel, `no artifact named ${hex}.json in the demo`);
    const mismatch = `${rel}: error hash-mismatch`;
    assert.ok(!own(['verify']).stdout.includes(mismatch));
    fs.writeFileSync(path.join(ws, rel), JSON.stringify({ rewritten: true }));
    const r = own(['verify']);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.split('\n').some((line) => line.startsWith(mismatch)), `verify does not see ${rel} rewritten:\n${r.stdout}`);
    // Seen again from the save the first verify made, and in JSON.
    const j = json(own(['verify', '--json'])) as { problems: { file: string; code: string }[] };
    assert.ok(j.problems.some((p) => p.file === path.join(ws, rel) && p.code === 'hash-mismatch'), JSON.stringify(j.problems));
  });

  it('exits 2 on usage errors', () => {
    assert.equal(cli(['show']).status, 2);
    assert.equal(cli(['show', 'a', 'b']).status, 2);
    assert.equal(cli(['index', '--bogus']).status, 2);
    assert.equal(cli(['index', path.join(tmp, 'no-such-folder')]).status, 2);
    assert.equal(cli(['trace']).status, 2);
  });
});
