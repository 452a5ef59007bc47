// The warm-up's last step, a full collection of what the start left: it must collect for real
// (a hint V8 may ignore would leave the marking and mark-compact pause to the first hovers).
import * as assert from 'node:assert/strict';
import { collectGarbage } from '../../../shared/heapGrowth';

describe('server: warm-up', () => {
  it('collects what nothing holds any more, each time it runs', async () => {
    for (let round = 0; round < 2; round++) {
      const dropped = new WeakRef({ rows: new Array<number>(10_000).fill(round) });
      // A WeakRef's target is kept to the end of the job that made it.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      assert.equal(dropped.deref(), undefined, `round ${round}`);
    }
  });
});
