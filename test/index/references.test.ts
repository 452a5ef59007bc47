import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createIndex } from '../../shared/index/workspaceIndex';
import { Workspace } from './fixture';

describe('index references', () => {
  let ws: Workspace;
  beforeEach(() => (ws = new Workspace()));
  afterEach(() => ws.remove());

  it('finds every place in a file with many refs, and follows the file when it changes', async () => {
    const a = ws.artifact('runtime', 'outputs', { n: 'a' });
    const b = ws.artifact('runtime', 'outputs', { n: 'b' });
    const lines = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 2 ? `b sha256:${b}` : `line ${i}: sha256:${a}`)).join('\n');
    const log = ws.write('big.log', lines(300));
    const index = createIndex({ folders: [ws.dir] });
    try {
      await index.build();
      const refs = index.references(`sha256:${a}`);
      assert.equal(refs.length, 200);
      assert.ok(refs.every((r) => r.path === log && r.line % 3 !== 2 && r.endCol - r.col === 71));
      assert.equal(index.references(`sha256:${b}`).length, 100);
      fs.writeFileSync(log, lines(30));
      await index.update([log]);
      assert.equal(index.references(`sha256:${a}`).length, 20);
      assert.equal(index.references(`sha256:${b}`).length, 10);
    } finally {
      await index.close();
    }
  });

  it('finds every file naming a key when a file names more distinct keys than a row buffer holds (70k), and none once it is gone', async function () {
    this.timeout(60000);
    const a = ws.artifact('runtime', 'outputs', { n: 'a' });
    const key = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
    // Each line names a key of its own and the artifact: the artifact's key comes first and again at every line.
    const lines = Array.from({ length: 70_000 }, (_, i) => `sha256:${a} ${key(i + 1)}`).join('\n');
    const big = ws.write('big.log', lines);
    const small = ws.write('small.log', `${key(1)} ${key(69_999)} ${key(70_000)}`);
    const index = createIndex({ folders: [ws.dir] });
    try {
      await index.build();
      assert.equal(index.references(`sha256:${a}`).length, 70_000);
      for (const i of [1, 69_999, 70_000]) assert.deepEqual(index.references(key(i)).map((r) => r.path).sort(), [big, small].sort(), key(i));
      assert.deepEqual(index.references(key(35_000)).map((r) => r.path), [big]);
      fs.rmSync(big);
      await index.update([big]);
      assert.equal(index.references(`sha256:${a}`).length, 0);
      assert.deepEqual(index.references(key(70_000)).map((r) => r.path), [small]);
      assert.deepEqual(index.references(key(35_000)), []);
    } finally {
      await index.close();
    }
  });
});
