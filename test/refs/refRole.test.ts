// CONTRACT 1.8: a digest is a pointer, a fingerprint or a run id by the JSON key it stands
// under; the scanner finds the key (also for array elements and JSON held in a JSON string),
// toOccurrences and refsInJson classify with the built-in lists plus the settings' ones.
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { refsInJson } from '../../shared/readers/jsonRefs';
import { KeyRules, keyLists } from '../../shared/refs/refRole';
import { refKey, scanRefs, toOccurrences } from '../../shared/refs/scanner';

const H = createHash('sha256').update('role').digest('hex');
const REF = `sha256:${H}`;

/** The role of each ref found in `text`, in order (`pointer` for none). */
function roles(text: string, rules?: KeyRules): string[] {
  return toOccurrences(text, scanRefs(text), rules).map((o) => o.role ?? 'pointer');
}

describe('ref roles (CONTRACT 1.8)', () => {
  it('keys of the pointer list, unlisted keys and free text hold pointers', () => {
    for (const key of ['ref', 'refs', 'artifact_ref', 'prompt_refs', 'artifactRef', 'toolRefs', 'compared_with', 'baseline']) {
      assert.deepEqual(roles(`{"${key}": "${REF}"}`), ['pointer'], key);
    }
    assert.deepEqual(roles(`wrote ${REF} to disk`), ['pointer']);
    assert.deepEqual(roles(`{"message": "wrote ${REF}"}`), ['pointer']);
  });

  it('keys of the fingerprint list hold fingerprints, bare digests included', () => {
    for (const key of ['hash', 'prev_hash', 'initial_state_hash', 'stateHash', 'digest', 'payload_digest', 'sha256', 'blob_sha256', 'checksum', 'etag', 'id', 'turn_id', 'toolId']) {
      assert.deepEqual(roles(`{"${key}": "${REF}"}`), ['fingerprint'], key);
    }
    assert.deepEqual(roles(`{"final_state_hash": "${H}"}`), ['fingerprint']);
  });

  it('run_id and runId hold run ids, also nested in a capsule and in JSON inside a JSON string', () => {
    assert.deepEqual(roles(`{"run_id": "${REF}"}`), ['run']);
    assert.deepEqual(roles(`{"runId" :\n  "${REF}"}`), ['run']);
    assert.deepEqual(roles(`{"run": {"run_id": "${REF}", "mode": "m"}}`), ['run']);
    assert.deepEqual(roles(`{"args": "{\\"run_id\\": \\"${REF}\\", \\"input_ref\\": \\"${REF}\\"}"}`), ['run', 'pointer']);
  });

  it('array elements take their array key, however long the array', () => {
    const many = Array.from({ length: 5000 }, () => `"${REF}"`).join(', ');
    assert.deepEqual(new Set(roles(`{"state_hashes_digest": [${many}]}`)), new Set(['fingerprint']));
    assert.equal(roles(`{"state_hashes_digest": [${many}]}`).length, 5000);
    assert.deepEqual(roles(`{"prompt_template_refs": [1, "x", "${REF}"], "hash": ["${REF}"]}`), ['pointer', 'fingerprint']);
    assert.deepEqual(roles(`{"x": {"checksum": 1}, "y": ["a", {"b": 2}, "${REF}"]}`), ['pointer']);
  });

  it('namespaced and object refs are pointers whatever the key', () => {
    assert.deepEqual(roles(`{"hash": "requests/${REF}"}`), ['pointer']);
    assert.deepEqual(roles(`{"id": {"$artifact": "abc123"}}`), ['pointer']);
  });

  it('the settings add names: exact ones beat patterns, the user lists beat the built-in ones', () => {
    const rules = new KeyRules(keyLists({ pointerKeys: ['parent_hash', '*_baseline'], fingerprintKeys: ['*_seen', 'artifact_ref', 42] }));
    assert.deepEqual(roles(`{"parent_hash": "${REF}", "old_hash": "${REF}", "x_baseline": "${REF}", "last_seen": "${REF}", "artifact_ref": "${REF}"}`, rules), ['pointer', 'fingerprint', 'pointer', 'fingerprint', 'fingerprint']);
    assert.deepEqual(keyLists({ pointerKeys: 'ref', fingerprintKeys: ['', ' a '] }), { fingerprintKeys: ['a'] });
  });

  it('refsInJson classifies event refs alike, array elements under their key', () => {
    const refs = refsInJson({ run_id: REF, state: { initial_state_hash: REF }, tool_io: [{ input_ref: REF }], context: { prompt_template_refs: [REF] }, parents_digest: [REF] });
    assert.deepEqual(
      refs.map((r) => [r.path, r.role ?? 'pointer']),
      [
        ['run_id', 'run'],
        ['state.initial_state_hash', 'fingerprint'],
        ['tool_io[0].input_ref', 'pointer'],
        ['context.prompt_template_refs[0]', 'pointer'],
        ['parents_digest[0]', 'fingerprint'],
      ],
    );
  });

  it('refsInJson finds what the scanner finds in each quoted key and value, however the trigger is written', () => {
    const B3 = `blake3:${H}`;
    const refs = refsInJson({
      // JSON.stringify writes the backspace as `\b`: the scanner then reads `\blake3:<hex>`.
      escaped: `\blake3:${H}`,
      glued: `\x1blake3:${H}`,
      bare_hash: H,
      list: { parent_digest: [H], sha256: H },
      plain: 'a long string with no ref in it at all',
      [`sha256:${H}`]: 1,
      obj: { $artifact: 'weights-v1' },
      b3: B3,
    });
    assert.deepEqual(
      refs.map((r) => [r.path, r.key]),
      [
        ['escaped', B3],
        ['bare_hash', REF],
        ['list.parent_digest[0]', REF],
        ['list.sha256', REF],
        ['', REF],
        ['obj', 'artifact:weights-v1'],
        ['b3', B3],
      ],
    );
  });

  it('refsInJson finds in a field exactly what the scanner finds in the field quoted, for keys and digests of every shape', () => {
    const keys = ['artifact_ref', 'request_hash', 'parent_digest', 'sha256', 'x_sha256', 'xsha256', 'x-sha256', 'hash', '_hash', 'sha256_hash', 'run_id', 'a.b', '', 'k"q', 'k\\', 'ns:sha256', 'é_hash', 'k'.repeat(250) + '_hash', 'sha256:abcdef0123'];
    const values = [REF, H, H.toUpperCase(), `SHA256:${H}`, `sha256:${H.toUpperCase()}`, `sha256:${H}x`, `${H}0`, H.slice(1), `ns/sha256:${H}`, `blake3:${H}`];
    const rules = new KeyRules(keyLists({ pointerKeys: [], fingerprintKeys: ['x_sha256'] }));
    for (const key of keys) {
      for (const value of values) {
        const scanned = scanRefs(JSON.stringify(key) + ':' + JSON.stringify(value)).filter((m) => !m.invalid);
        const expected = scanned.map((m) => [refKey(m), rules.roleOf(m.jsonKey)]);
        // The field's refs (a long key's own refs stand at the object's path).
        const found = refsInJson({ [key]: value }, '', rules)
          .filter((r) => r.path === key)
          .map((r) => [r.key, r.role ?? 'pointer']);
        assert.deepEqual(found, expected, `${key}: ${value}`);
      }
    }
  });
});
