// Locations packed for an unstreamed references answer read as the plain array they were made
// from: length, each element, iteration and JSON (what the client receives).
import * as assert from 'node:assert/strict';
import type { Location } from 'vscode-languageserver';
import { packedLocations } from '../../server/services/packedLocations';

describe('server: packed locations', () => {
  const plain: Location[] = Array.from({ length: 3000 }, (_, i) => ({
    uri: `file:///work/notes/note-${i % 11}.md`,
    range: { start: { line: i >> 2, character: i % 5 }, end: { line: (i >> 2) + (i % 3 === 0 ? 1 : 0), character: 70 + (i % 5) } },
  }));

  it('reads as the plain array: length, elements, iteration and JSON', () => {
    const packed = packedLocations(plain.values());
    assert.equal(packed.length, plain.length);
    assert.ok(Array.isArray(packed));
    assert.deepEqual(packed[0], plain[0]);
    assert.deepEqual(packed[2999], plain[2999]);
    assert.equal(packed[3000], undefined);
    assert.ok(2999 in packed && !(3000 in packed));
    assert.deepEqual([...packed], plain);
    assert.equal(JSON.stringify(packed), JSON.stringify(plain));
  });

  it('packs no locations as an empty array', () => {
    const packed = packedLocations([]);
    assert.equal(packed.length, 0);
    assert.equal(JSON.stringify(packed), '[]');
  });
});
