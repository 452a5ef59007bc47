import * as assert from 'node:assert/strict';
import { InlineHasher, WorkerHasher } from '../../shared/models/streamHasher';
import { content, sha256 } from './helpers';

describe('model pull: stream hashers', function () {
  this.timeout(30_000);

  it('a worker hasher fed 80 MiB without a pause (it blocks until it catches up) digests what an inline one does', async () => {
    const piece = content(700 * 1024); // not a multiple of the 1 MiB batch
    const worker = new WorkerHasher();
    const inline = new InlineHasher();
    // Fed 120 pieces (80 MiB) without yielding, nothing is hashed unless update waits for the worker.
    for (let i = 0; i < 120; i++) {
      piece[0] = i; // the caller reuses its buffer: the hasher must have copied the last one
      inline.update(piece);
      worker.update(piece);
    }
    assert.equal(worker.bytes, 120 * piece.length);
    assert.equal(await worker.digest(), await inline.digest());
  });

  it('an empty input digests to the sha256 of nothing in both', async () => {
    assert.equal(await new WorkerHasher().digest(), sha256(Buffer.alloc(0)));
    assert.equal(await new InlineHasher().digest(), sha256(Buffer.alloc(0)));
  });
});
