import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { discover, newFileFinder } from '../../shared/index/discovery';
import { Workspace } from './fixture';

const HEX = 'a'.repeat(64);
const HEX2 = 'b'.repeat(64);

function roles(files: { path: string; role: string; root: string }[], base: string): Record<string, string> {
  return Object.fromEntries(files.map((f) => [path.relative(base, f.path), f.role]));
}

describe('index discovery', () => {
  let ws: Workspace;
  beforeEach(() => (ws = new Workspace()));
  afterEach(() => ws.remove());

  it('finds every kind of runtime root and state dir at any depth and gives each file its role', () => {
    ws.write(`a/deep/runtime/artifacts/requests/${HEX}.json`, '{}');
    ws.write(`a/deep/runtime/artifacts/ns/sub/${HEX2}.txt`, 'x');
    ws.write('a/deep/runtime/logs/audit.jsonl', '');
    ws.write('a/deep/runtime/logs/app.events.jsonl', '');
    ws.write('a/deep/runtime/events.db', '');
    ws.write('b/store/artifacts/0123.meta', '{}');
    ws.write('b/store/artifacts/0123.bin', 'x');
    ws.write('c/dedup/artifacts/refs/77.meta', '{}');
    ws.write(`c/dedup/artifacts/blobs/${HEX}.bin`, 'x');
    ws.write('c/dedup/artifacts/artifact_catalog.sqlite3', '');
    ws.write('d/runs/run_r1.json', '{}');
    ws.write('d/runs/ledger_r1.jsonl', '');
    ws.write('d/runs/snapshot_s1.json', '{}');
    ws.write('e/state/models/m.json', '{}');
    ws.write(`e/state/models/by-hash/${HEX}.gguf`, 'x');
    ws.write('e/state/models/big.part', 'x');
    ws.write('e/state/models/big.part.meta', '{}');
    ws.write('e/state/events.jsonl', '');
    ws.write('a/deep/runtime/traces/replay.jsonl', '');
    ws.write('notes/README.md', 'text');
    ws.write('notes/dataset.jsonl', '');
    ws.write(`notes/artifacts-like/${HEX}.json`, '{}');
    const d = discover({ folders: [ws.dir] });
    assert.deepEqual(d.roots, ['a/deep/runtime', 'b/store', 'c/dedup', 'd/runs'].map((r) => ws.p(r)));
    assert.deepEqual(d.stateDirs, [ws.p('e/state')]);
    assert.deepEqual(roles(d.files, ws.dir), {
      [`a/deep/runtime/artifacts/requests/${HEX}.json`]: 'artifact',
      [`a/deep/runtime/artifacts/ns/sub/${HEX2}.txt`]: 'artifact',
      'a/deep/runtime/logs/audit.jsonl': 'auditLog',
      'a/deep/runtime/logs/app.events.jsonl': 'eventsJsonl',
      'a/deep/runtime/events.db': 'sqlite',
      'b/store/artifacts/0123.meta': 'sidecar',
      'b/store/artifacts/0123.bin': 'fileStoreBlob',
      'c/dedup/artifacts/refs/77.meta': 'sidecar',
      [`c/dedup/artifacts/blobs/${HEX}.bin`]: 'fileStoreBlob',
      'c/dedup/artifacts/artifact_catalog.sqlite3': 'sqlite',
      'd/runs/run_r1.json': 'runState',
      'd/runs/ledger_r1.jsonl': 'ledger',
      'd/runs/snapshot_s1.json': 'snapshotFile',
      'e/state/models/m.json': 'manifest',
      [`e/state/models/by-hash/${HEX}.gguf`]: 'blob',
      'e/state/models/big.part': 'partial',
      'e/state/events.jsonl': 'eventsJsonl',
      'a/deep/runtime/traces/replay.jsonl': 'eventsJsonl',
      'notes/README.md': 'text',
      'notes/dataset.jsonl': 'text',
      [`notes/artifacts-like/${HEX}.json`]: 'text',
    });
    const artifact = d.files.find((f) => f.role === 'artifact')!;
    assert.equal(artifact.root, ws.p('a/deep/runtime'));
    assert.equal(d.files.find((f) => f.role === 'blob')!.root, ws.p('e/state'));
  });

  it('searches every folder of a multi-root workspace, plus configured roots and state dirs', () => {
    ws.write(`one/runtime/artifacts/requests/${HEX}.json`, '{}');
    ws.write(`two/runtime/artifacts/requests/${HEX2}.json`, '{}');
    ws.write(`elsewhere/custom/artifacts/outputs/${HEX}.json`, '{}');
    ws.write(`elsewhere/mystate/models/by-hash/${HEX}`, 'x');
    const d = discover({
      folders: [ws.p('one'), ws.p('two')],
      runtimeRoots: [ws.p('elsewhere/custom')],
      stateDirs: [ws.p('elsewhere/mystate')],
    });
    assert.deepEqual(d.roots, [ws.p('elsewhere/custom'), ws.p('one/runtime'), ws.p('two/runtime')]);
    assert.deepEqual(d.stateDirs, [ws.p('elsewhere/mystate')]);
    assert.equal(d.files.filter((f) => f.role === 'artifact').length, 3);
    assert.equal(d.files.filter((f) => f.role === 'blob').length, 1);
  });

  it('skips node_modules, .git and excluded folders and files', () => {
    ws.write(`runtime/artifacts/requests/${HEX}.json`, '{}');
    ws.write(`node_modules/pkg/runtime/artifacts/requests/${HEX2}.json`, '{}');
    ws.write('.git/objects/x', 'x');
    ws.write(`build/runtime/artifacts/requests/${HEX2}.json`, '{}');
    ws.write('logs/debug.log', 'x');
    ws.write('keep.md', 'x');
    const d = discover({ folders: [ws.dir], exclude: ['**/build', '*.log'] });
    assert.deepEqual(d.roots, [ws.p('runtime')]);
    assert.deepEqual(d.files.map((f) => path.relative(ws.dir, f.path)).sort(), ['keep.md', `runtime/artifacts/requests/${HEX}.json`]);
  });

  it('skips a folder it is told to (a cache folder) wherever it lies, without exclude patterns, and only that folder', () => {
    ws.write(`runtime/artifacts/requests/${HEX}.json`, '{}');
    ws.write(`runtime/artifacts/cache/x/${HEX2}.json`, '{}');
    ws.write(`runtime/artifacts/cache2/${HEX2}.json`, '{}');
    ws.write('cache/notes.md', 'x');
    const d = discover({ folders: [ws.dir], skipDirs: [ws.p('runtime/artifacts/cache')] });
    assert.deepEqual(d.files.map((f) => path.relative(ws.dir, f.path)).sort(), ['cache/notes.md', `runtime/artifacts/cache2/${HEX2}.json`, `runtime/artifacts/requests/${HEX}.json`]);
  });

  it('never follows symlinks: a loop ends, a link out of the workspace is not indexed, both are noted', () => {
    const outside = new Workspace('refscope-outside-');
    try {
      outside.write(`runtime/artifacts/requests/${HEX2}.json`, '{}');
      outside.write('secret.txt', 'sha256:' + HEX2);
      ws.write(`runtime/artifacts/requests/${HEX}.json`, '{}');
      fs.symlinkSync('..', ws.p('runtime/loop'));
      fs.symlinkSync(outside.dir, ws.p('outside'));
      fs.symlinkSync(outside.p('secret.txt'), ws.p('secret-link.txt'));
      const d = discover({ folders: [ws.dir] });
      assert.deepEqual(d.roots, [ws.p('runtime')]);
      assert.deepEqual(d.files.map((f) => f.path), [ws.p(`runtime/artifacts/requests/${HEX}.json`)]);
      const noted = d.problems.filter((p) => p.code === 'unsafe-path').map((p) => path.relative(ws.dir, p.file)).sort();
      assert.deepEqual(noted, ['outside', 'runtime/loop', 'secret-link.txt']);
      assert.ok(d.problems.every((p) => p.severity === 'information'));
    } finally {
      outside.remove();
    }
  });

  it('reports a missing workspace folder and goes on with the others', () => {
    ws.write(`runtime/artifacts/requests/${HEX}.json`, '{}');
    const d = discover({ folders: [ws.p('nope'), ws.dir] });
    assert.deepEqual(d.roots, [ws.p('runtime')]);
    assert.equal(d.problems.length, 1);
    assert.equal(d.problems[0].file, ws.p('nope'));
  });

  it('stats only the files asked for; the others have a size and mtime equal to nothing', () => {
    const known = ws.write(`runtime/artifacts/requests/${HEX}.json`, '{"a":1}');
    const fresh = ws.write(`runtime/artifacts/requests/${HEX2}.json`, '{}');
    const d = discover({ folders: [ws.dir], needsStat: (p) => p === known });
    const byPath = new Map(d.files.map((f) => [f.path, f]));
    assert.equal(byPath.get(known)?.size, 7);
    assert.equal(byPath.get(known)?.mtimeMs, fs.statSync(known).mtimeMs);
    const unstated = byPath.get(fresh)!;
    assert.equal(unstated.role, 'artifact', 'still listed with its role');
    assert.ok(Number.isNaN(unstated.size) && Number.isNaN(unstated.mtimeMs), 'NaN: never equal to a saved size or mtime');
  });

  describe('a file that appears after discovery (newFileFinder)', () => {
    it('gives a new artifact, log, ledger or run state in a known root the role and root a walk would', () => {
      ws.write(`w/runtime/artifacts/requests/${HEX}.json`, '{}');
      ws.write('w/runtime/logs/audit.jsonl', '');
      const d = discover({ folders: [ws.dir] });
      const options = { folders: [ws.dir] };
      const root = ws.p('w/runtime');
      const cases: [string, string][] = [
        [`w/runtime/artifacts/brand_new_kind/sub/${HEX2}.json`, 'artifact'],
        ['w/runtime/r2.events.jsonl', 'eventsJsonl'],
        ['w/runtime/logs/second.jsonl', 'auditLog'],
        ['w/runtime/ledger_r2.jsonl', 'ledger'],
        ['w/runtime/run_r2.json', 'runState'],
      ];
      for (const [rel, role] of cases) {
        const f = ws.write(rel, '{}');
        assert.deepEqual(newFileFinder(d, options)(f), { path: f, role, root, size: NaN, mtimeMs: NaN }, rel);
        // The same answer a fresh walk gives.
        const walked = discover({ folders: [ws.dir] }).files.find((x) => x.path === f);
        assert.equal(walked?.role, role, rel);
        assert.equal(walked?.root, root, rel);
      }
    });

    it('leaves to a fresh discovery what may change the roots or is skipped: new roots, sidecars, text, excluded and skipped folders', () => {
      ws.write(`w/runtime/artifacts/requests/${HEX}.json`, '{}');
      const d = discover({ folders: [ws.dir] });
      const options = { folders: [ws.dir], exclude: ['**/quarantine'], skipDirs: [ws.p('w/runtime/artifacts/cache')] };
      for (const rel of [
        `elsewhere/artifacts/requests/${HEX2}.json`, // would make `elsewhere` a root
        'elsewhere/run_r1.json',
        'w/runtime/artifacts/0123.meta',
        'w/runtime/notes.md',
        `w/runtime/artifacts/quarantine/${HEX2}.json`,
        `w/runtime/artifacts/requests/node_modules/${HEX2}.json`,
        `w/runtime/artifacts/cache/x/${HEX2}.json`,
      ]) {
        assert.equal(newFileFinder(d, options)(ws.write(rel, '{}')), undefined, rel);
      }
    });
  });
});

