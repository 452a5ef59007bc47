// Masking must cost the same on the 10,000th preview as on the first: secretlint's profiler
// would otherwise keep a performance mark per rule per call, and scan them all on each.
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { maskSecrets } from '../../shared/preview/secretMasker';

describe('preview: masking keeps no per-call state', () => {
  it('leaves no performance marks behind, call after call', async () => {
    const before = performance.getEntriesByType('mark').length;
    for (let i = 0; i < 200; i++) await maskSecrets(`{"i":${i},"note":"nothing secret here"}`);
    await new Promise((r) => setImmediate(r));
    assert.equal(performance.getEntriesByType('mark').length, before);
  });
});
