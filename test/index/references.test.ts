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
});
