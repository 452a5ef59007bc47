// The refs of parsed JSON as capsules' groups and events' refs take them: each (key, path) once,
// in document order, however many refs a document holds.
import * as assert from 'node:assert/strict';
import { refsInJson } from '../../shared/readers/jsonRefs';
import { groupRefs } from '../../shared/readers/runInfo';

const A = 'sha256:' + 'a'.repeat(64);
const B = 'sha256:' + 'b'.repeat(64);
const C = 'sha256:' + 'c'.repeat(64);

describe('readers: refs in parsed JSON', () => {
  it('lists each key once per path, in document order, past the few a capsule holds too', () => {
    // 40 fields, each naming A twice and B once: 80 refs, the repeats dropped however many came before.
    const doc: Record<string, string> = {};
    for (let i = 0; i < 40; i++) doc[`f${i}`] = `${A} then ${A} and ${B}`;
    const refs = refsInJson(doc).map((r) => `${r.key}@${r.path}`);
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) expected.push(`${A}@f${i}`, `${B}@f${i}`);
    assert.deepEqual(refs, expected);
  });

  it('keeps a repeat at a path seen long before out, past the first 32 refs', () => {
    // A key naming A at the top level's path, then 40 refs, then the same key's ref again at that path
    // (a key "x.y" and a key "y" under "x" share the path `x.y`).
    const doc: Record<string, unknown> = { x: { y: A } };
    for (let i = 0; i < 40; i++) doc[`f${i}`] = C;
    doc['x.y'] = A;
    const refs = refsInJson(doc);
    assert.equal(refs.length, 41);
    assert.equal(refs.filter((r) => r.path === 'x.y').length, 1);
  });

  it('groups a capsule’s refs by top-level key, a section named twice (`a`, `a.b`) in one group', () => {
    const groups = groupRefs({ a: { x: A }, c: [B], 'a.b': C, [`see ${B}`]: 1 });
    assert.deepEqual(groups, [
      { label: 'a', refs: [{ ref: A, path: 'a.x' }, { ref: C, path: 'a.b' }] },
      { label: 'c', refs: [{ ref: B, path: 'c[0]' }] },
      { label: '(top)', refs: [{ ref: B, path: '' }] },
    ]);
  });
});
