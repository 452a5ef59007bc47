// CONTRACT 1.1 discovery settings: `refscope.runtimeRoots`, `refscope.stateDirs` and
// `files.exclude` as users write them (relative to the workspace folder), honoured alike by
// the language server (workspace/configuration) and the CLI (the workspace's
// .vscode/settings.json, with comments and trailing commas, plus flags).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson } from '../../shared/canonicalJson';
import { type StatsResult, StatsRequest } from '../../shared/protocol';
import { cliPath, LspTestClient } from '../server/lspClient';
import { sha256 } from './workspace';

function put(file: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** A folder whose runtime root and state dir have names discovery does not know, and a folder to exclude. */
function unusualFolder(dir: string): void {
  const event = { event_type: 'run_started', ts: '2026-01-01T00:00:00Z' };
  const prev = 'sha256:' + '0'.repeat(64);
  put(path.join(dir, 'agents', 'custom', 'logs', 'audit.jsonl'), JSON.stringify({ algo_version: 2, prev_hash: prev, hash: 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event })), event }) + '\n');
  const blob = Buffer.from('weights');
  put(path.join(dir, '.arw', 'models', 'by-hash', sha256(blob)), blob);
  const text = canonicalJson({ schema: 'old' });
  put(path.join(dir, 'old', 'runtime', 'artifacts', 'requests', `${sha256(text)}.json`), text);
}

describe('contract: discovery settings', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => (tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-settings-')))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the server takes relative runtimeRoots and stateDirs in the workspace folder that holds them', async () => {
    const first = path.join(tmp, 'first');
    const second = path.join(tmp, 'second');
    fs.mkdirSync(first);
    unusualFolder(second);
    const client = await LspTestClient.start(first, {
      moreFolders: [second],
      configuration: { refscope: { runtimeRoots: ['agents/custom'], stateDirs: ['.arw'] }, 'files.exclude': { old: true } },
    });
    try {
      const s = await client.request(StatsRequest.type, {});
      assert.deepEqual(s.roots, [path.join(second, 'agents', 'custom')]);
      assert.deepEqual(s.stateDirs, [path.join(second, '.arw')]);
      assert.deepEqual([s.events, s.blobs, s.artifacts, s.problems], [1, 1, 0, 0]);
    } finally {
      await client.stop();
    }
  });

  it('the CLI reads the workspace settings file (comments, trailing commas) and adds the flags', () => {
    unusualFolder(tmp);
    put(
      path.join(tmp, '.vscode', 'settings.json'),
      ['{', '  // where our agent writes', '  "refscope.runtimeRoots": ["agents/custom",],', '  "refscope": { "stateDirs": [".arw"] },', '  "files.exclude": { "old": true, "agents": false }, /* old runs */', '}', ''].join('\n'),
    );
    const index = (...extra: string[]) => {
      const r = spawnSync(process.execPath, [cliPath, 'index', tmp, '--cache', path.join(tmp, `.cache-${extra.length}`), '--json', ...extra], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as StatsResult;
    };
    const s = index();
    assert.deepEqual([s.roots, s.stateDirs, s.events, s.blobs, s.artifacts], [[path.join(tmp, 'agents', 'custom')], [path.join(tmp, '.arw')], 1, 1, 0]);
    // A flag adds a root the settings file does not name; an excluded folder stays out.
    put(path.join(tmp, 'more', 'ledger_r1.jsonl'), '');
    put(path.join(tmp, 'elsewhere', 'logs', 'a.jsonl'), '');
    const more = index('--runtime-root', 'elsewhere', '--exclude', 'more');
    assert.deepEqual(more.roots, [path.join(tmp, 'agents', 'custom'), path.join(tmp, 'elsewhere')]);
  });

  it("excludes in VS Code's glob dialect (braces, classes, ?, **) keep the same roots out of the server and the CLI", async () => {
    for (const name of ['a1', 'b1', 'c22', 'scratch', 'deep/x/tmp']) {
      const text = canonicalJson({ schema: name });
      put(path.join(tmp, 'runs', name, 'runtime', 'artifacts', 'requests', `${sha256(text)}.json`), text);
    }
    // `runs/[!a]?` drops b1 (not c22: two characters); `{scratch,tmp}` drops both at any depth.
    const exclude = ['runs/[!a]?', '{scratch,tmp}'];
    const kept = [path.join(tmp, 'runs', 'a1', 'runtime'), path.join(tmp, 'runs', 'c22', 'runtime')];
    const client = await LspTestClient.start(tmp, { configuration: { refscope: { exclude } } });
    try {
      const s = await client.request(StatsRequest.type, {});
      assert.deepEqual([...s.roots].sort(), kept);
    } finally {
      await client.stop();
    }
    put(path.join(tmp, '.vscode', 'settings.json'), JSON.stringify({ 'refscope.exclude': [exclude[0]] }));
    const r = spawnSync(process.execPath, [cliPath, 'index', tmp, '--cache', path.join(tmp, '.cache'), '--json', '--exclude', exclude[1]], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual([...(JSON.parse(r.stdout) as StatsResult).roots].sort(), kept);
  });

  it('a malformed settings file is ignored with a warning on stderr, never a crash', () => {
    unusualFolder(tmp);
    put(path.join(tmp, '.vscode', 'settings.json'), '{"refscope.runtimeRoots": [');
    const r = spawnSync(process.execPath, [cliPath, 'index', tmp, '--cache', path.join(tmp, '.cache'), '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /ignoring .*settings\.json/);
    assert.deepEqual((JSON.parse(r.stdout) as StatsResult).roots, [path.join(tmp, 'old', 'runtime')]);
  });
});
