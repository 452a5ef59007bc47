import * as assert from 'node:assert/strict';
import { comparedDocument, maskDiff } from '../../shared/preview/diffPreview';
import type { DiffResult } from '../../shared/protocol';

// Built at run time so no credential-shaped literal sits in the source.
const token = ['ghp', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');

describe('compare previews are masked', () => {
  it('masks a credential in a changed value, in a structure holding one, and leaves other values alone', async () => {
    const d: DiffResult = {
      a: { root: 'A' },
      b: { root: 'B' },
      pairs: [{ status: 'changed', changes: [{ path: '$.auth', a: `token ${token}`, b: 'none' }, { path: '$.env', b: { GITHUB_TOKEN: token } }, { path: '$.n', a: 1, b: 2 }] }],
    };
    await maskDiff(d, { maskSecrets: true, hidePreviewsAt: 'secret' }, () => undefined);
    const [auth, env, n] = d.pairs[0].changes!;
    assert.ok(!JSON.stringify(d).includes(token));
    assert.match(String(auth.a), /\[masked: [^\]]+\]/);
    assert.equal(auth.b, 'none');
    assert.match(String(env.b), /\[masked: /);
    assert.deepEqual([n.a, n.b], [1, 2]);
  });

  it('masking off shows the value; the diff editor document is pretty JSON, masked', async () => {
    const d: DiffResult = { a: { root: 'A' }, b: { root: 'B' }, pairs: [{ status: 'changed', changes: [{ path: '$', a: token }] }] };
    await maskDiff(d, { maskSecrets: false, hidePreviewsAt: 'secret' }, () => undefined);
    assert.equal(d.pairs[0].changes![0].a, token);
    const doc = await comparedDocument(JSON.stringify({ key: token, n: 1 }), { maskSecrets: true });
    assert.ok(doc.startsWith('{\n  "key": '));
    assert.ok(!doc.includes(token));
    assert.equal(await comparedDocument('plain text', { maskSecrets: false }), 'plain text');
  });

  it('withholds every value of a pair whose artifact (or a child of its step) is labelled at or above the threshold', async () => {
    const labelled = new Map([['sha256:' + 'c'.repeat(64), 'secret'], ['sha256:' + 'd'.repeat(64), 'internal']]);
    const pair = (childRef: string) => ({
      status: 'changed' as const,
      a: { eventType: 'tool_output_written', ref: 'sha256:' + 'a'.repeat(64) },
      b: { eventType: 'tool_output_written', ref: 'sha256:' + 'b'.repeat(64), children: [{ ref: childRef }] },
      changes: [{ path: '$.out', a: `plain ${token}`, b: 'note' }],
    });
    const d: DiffResult = { a: { root: 'A' }, b: { root: 'B' }, pairs: [pair('sha256:' + 'c'.repeat(64)), pair('sha256:' + 'd'.repeat(64))] };
    await maskDiff(d, { maskSecrets: false, hidePreviewsAt: 'secret' }, (ref) => labelled.get(ref));
    const [secret, internal] = d.pairs;
    assert.equal(secret.withheld, 'secret');
    assert.deepEqual([secret.changes![0].a, secret.changes![0].b], ['[withheld: sensitivity secret]', '[withheld: sensitivity secret]']);
    // Below the threshold nothing is withheld (and with masking off the value shows as it is).
    assert.equal(internal.withheld, undefined);
    assert.equal(internal.changes![0].b, 'note');
    // A lower threshold withholds the internal pair too.
    const again: DiffResult = { a: { root: 'A' }, b: { root: 'B' }, pairs: [pair('sha256:' + 'd'.repeat(64))] };
    await maskDiff(again, { maskSecrets: true, hidePreviewsAt: 'internal' }, (ref) => labelled.get(ref));
    assert.equal(again.pairs[0].withheld, 'internal');
    assert.ok(!JSON.stringify(again).includes(token));
  });
});
