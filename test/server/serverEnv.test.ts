import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { serverEnv } from '../../shared/serverEnv';

describe('the language server environment', () => {
  it("adds glibc's malloc threshold and V8's semi-space to the starter's environment and keeps the rest", () => {
    const env = serverEnv({ PATH: '/bin', HOME: '/home/u' });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/home/u', MALLOC_MMAP_THRESHOLD_: '131072', NODE_OPTIONS: '--max-semi-space-size=4' });
  });

  it("keeps the starter's own node options after the semi-space, and a semi-space the user set", () => {
    assert.equal(serverEnv({ NODE_OPTIONS: '--trace-warnings' }).NODE_OPTIONS, '--max-semi-space-size=4 --trace-warnings');
    assert.equal(serverEnv({ NODE_OPTIONS: '--max-semi-space-size=32' }).NODE_OPTIONS, '--max-semi-space-size=32');
  });

  it('a node started with it has the smaller young generation', function () {
    this.timeout(20000); // two node starts on a loaded machine
    // A young generation is two semi-spaces: the new space's size counts both, once the allocations grew it.
    const script = "const v8 = require('v8'); const a = []; for (let i = 0; i < 2e6; i++) a.push({ i }); console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)";
    const newSpace = (env: NodeJS.ProcessEnv) => Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
    const plain = { ...process.env };
    delete plain.NODE_OPTIONS;
    assert.ok(newSpace(serverEnv(plain)) <= 2 * 4 * 1024 * 1024, 'at most two semi-spaces of 4 MB');
    assert.ok(newSpace(plain) > 2 * 4 * 1024 * 1024, 'more by default (the check can fail)');
  });

  it('keeps a threshold the user set', () => {
    assert.equal(serverEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536');
  });
});
