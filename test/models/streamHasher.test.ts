import * as assert from 'node:assert/strict';
import { InlineHasher, WorkerHasher } from '../../shared/models/streamHasher';
import { content, sha256 } from './helpers';

describe('model pull: stream hashers', function () {
  this.timeout(30_000);

  it('a worker hasher asks the feeder to wait when it falls behind and digests what an inline one does', async () => {
    const piece = content(700 * 1024); // not a multiple of the 1 MiB batch
    const worker = new WorkerHasher();
    const inline = new InlineHasher();
    let waits = 0;
    for (let i = 0; i < 120; i++) {
      piece[0] = i; // the caller reuses its buffer: the hasher must have copied the last one
      inline.update(piece);
      const waiting = worker.update(piece);
      if (waiting) {
        waits++;
        await waiting;
      }
    }
    assert.ok(waits > 0, 'fed 80 MiB at once, the worker never asked to wait');
    assert.equal(worker.bytes, 120 * piece.length);
    assert.equal(await worker.digest(), await inline.digest());
  });

  it('an empty input digests to the sha256 of nothing in both', async () => {
    assert.equal(await new WorkerHasher().digest(), sha256(Buffer.alloc(0)));
    assert.equal(await new InlineHasher().digest(), sha256(Buffer.alloc(0)));
  });
});
