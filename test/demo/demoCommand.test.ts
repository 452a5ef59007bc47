// `refscope demo` as a user runs it: same bytes every time, --runs scales the workspace, a
// folder holding someone's files is refused (and left as it was), bad arguments exit 2.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DemoSummary } from '../../shared/demo/demoWorkspace';
import { listFiles, readLines, runDemoCli, sha256Hex } from './demoFixture';

function treeDigest(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, sha256Hex(fs.readFileSync(path.join(dir, f)))]));
}

describe('demo command', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-democli-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes byte-identical workspaces on every run', () => {
    const dir = path.join(tmp, 'ws');
    assert.equal(runDemoCli([dir]).status, 0);
    const first = treeDigest(dir);
    fs.rmSync(dir, { recursive: true });
    assert.equal(runDemoCli([dir]).status, 0);
    assert.deepEqual(treeDigest(dir), first);
    assert.ok(first.size > 80);
  });

  it('scales with --runs, one capsule and one chained record per write', () => {
    const small = runDemoCli([path.join(tmp, 'small'), '--json', '--runs', '2']);
    const large = runDemoCli([path.join(tmp, 'large'), '--json', '--runs', '60']);
    assert.equal(small.status, 0, small.stderr);
    assert.equal(large.status, 0, large.stderr);
    const s = JSON.parse(small.stdout) as DemoSummary;
    const l = JSON.parse(large.stdout) as DemoSummary;
    assert.equal(s.runs.agentA, 2);
    assert.equal(l.runs.agentA, 60);
    const capsules = listFiles(path.join(tmp, 'large', 'agent-a/runtime/artifacts/run_capsules'));
    assert.equal(capsules.length, 60);
    assert.equal(l.artifacts.byKind.run_capsules, 60 + l.runs.serverd);
    // Every run writes at least a request, a response, an output and a capsule.
    assert.ok(l.artifacts.total - s.artifacts.total >= 58 * 4, `${l.artifacts.total} vs ${s.artifacts.total}`);
    const auditLines = (root: string) => readLines(path.join(tmp, 'large', root, 'runtime/logs/audit.jsonl')).length - 1;
    assert.equal(auditLines('agent-a') + auditLines('serverd'), l.events.audit);
    assert.equal(l.events.sqlite, 120);
    // The newest request is the one written last, whichever agent wrote it.
    const root = path.join(tmp, 'large');
    const requestTimes = listFiles(root)
      .filter((f) => /\/artifacts\/requests\/[0-9a-f]{64}\.json$/.test(f))
      .map((f) => ({ ref: 'sha256:' + path.basename(f, '.json'), at: (JSON.parse(fs.readFileSync(path.join(root, f), 'utf8')) as { created_at: string }).created_at }))
      .sort((a, b) => (a.at < b.at ? -1 : 1));
    assert.equal(l.newestRequest, requestTimes.at(-1)!.ref);
  });

  it('refuses a folder that holds anything, leaving it untouched, unless --force', () => {
    const dir = path.join(tmp, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'keep me');
    const refused = runDemoCli([dir]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not empty.*--force/);
    assert.deepEqual(fs.readdirSync(dir), ['mine.txt']);

    const forced = runDemoCli([dir, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'mine.txt'), 'utf8'), 'keep me');
    assert.ok(fs.existsSync(path.join(dir, 'README.md')));
    assert.equal(listFiles(tmp).filter((f) => !f.startsWith('busy/')).length, 0, 'nothing written outside DIR');
  });

  it('refuses --force when one of its own paths is a symlink that could carry writes outside DIR', () => {
    const dir = path.join(tmp, 'ws');
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(dir, 'agent-a'), { recursive: true });
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(dir, 'agent-a', 'runtime'));
    const r = runDemoCli([dir, '--force']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /symbolic link/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });

  it('prints counts, the newest request and each planted fault', () => {
    const r = runDemoCli([path.join(tmp, 'ws')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /artifacts: \d+ \(.*requests \d+.*\), plus \d+ sidecar entries/);
    assert.match(r.stdout, /newest request: sha256:[0-9a-f]{64}/);
    for (const kind of ['tampered-artifact', 'broken-chain', 'bad-blake3', 'dangling-ref', 'ambiguous-ref', 'traversal-ref', 'manifest-outside-store']) {
      assert.match(r.stdout, new RegExp(`^\\s+fault ${kind}\\s+\\S`, 'm'));
    }
    assert.match(r.stdout, /^\s+note\s+truncated-line\s+agent-a\/runtime\/logs\/replay\.jsonl:\d+$/m);
    assert.match(r.stdout, /^\s+note\s+pruned-artifact\s+agent-b\/runtime\/events\.jsonl:\d+$/m);
  });

  it('exits 2 on usage errors without writing anything', () => {
    const dir = path.join(tmp, 'ws');
    for (const args of [[], [dir, '--runs', '0'], [dir, '--runs', 'ten'], [dir, '--runs', '2.5'], [dir, dir + '2'], [dir, '--bogus']]) {
      const r = runDemoCli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /usage: refscope demo DIR/);
    }
    assert.deepEqual(fs.readdirSync(tmp), []);
  });
});
