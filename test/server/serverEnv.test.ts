import * as assert from 'node:assert/strict';
import { serverEnv } from '../../shared/serverEnv';

describe('the language server environment', () => {
  it("adds glibc's malloc threshold to the starter's environment and keeps the rest", () => {
    const env = serverEnv({ PATH: '/bin', HOME: '/home/u' });
    assert.deepEqual(env, { PATH: '/bin', HOME: '/home/u', MALLOC_MMAP_THRESHOLD_: '131072' });
  });

  it('keeps a threshold the user set', () => {
    assert.equal(serverEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536');
  });
});
