// A large buffer given back when its reader or writer is done with it: its memory goes at the
// next young-generation collection even once the buffer lived long enough to be promoted, and a
// slice of a shared buffer (Node's pool) is never emptied.
import * as assert from 'node:assert/strict';
import { collectGarbage, collectYoungGarbage } from '../../shared/heapGrowth';
import { releaseBuffer } from '../../shared/releaseBuffer';

const rssMb = () => process.memoryUsage.rss() / (1024 * 1024);

describe('server: buffers given back', () => {
  it('frees a promoted buffer at the next young-generation collection', async () => {
    // 48 MB: above the largest size glibc's malloc serves from its heap, so its pages go back to the system when freed.
    const big = Buffer.alloc(48 * 1024 * 1024, 1);
    // Promoted (a full collection moves what lives to the old generation): left alone it would stay until the next full one.
    collectGarbage();
    const before = rssMb();
    releaseBuffer(big);
    assert.equal(big.length, 0, 'emptied');
    await new Promise((resolve) => setImmediate(resolve));
    collectYoungGarbage();
    // Array buffers are swept on a helper thread after the collection.
    for (let i = 0; i < 50 && rssMb() > before - 40; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(rssMb() <= before - 40, `RSS ${before.toFixed(1)} -> ${rssMb().toFixed(1)} MB`);
  });

  it('leaves slices of a shared buffer whole', () => {
    const pooled = Buffer.from('sha256:abc', 'utf8');
    const whole = Buffer.alloc(64 * 1024, 7);
    const slice = whole.subarray(1024);
    releaseBuffer(pooled);
    releaseBuffer(slice);
    assert.equal(pooled.toString('utf8'), 'sha256:abc');
    assert.equal(slice.length, 63 * 1024);
    assert.equal(whole[0], 7);
  });
});
