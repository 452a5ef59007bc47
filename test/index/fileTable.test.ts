import * as assert from 'node:assert/strict';
import type { DiscoveredFile } from '../../shared/index/discovery';
import { FileTable } from '../../shared/index/fileTable';

const FILES: DiscoveredFile[] = [
  { path: '/ws/runtime/artifacts/requests/aa.json', role: 'artifact', root: '/ws/runtime', size: 120, mtimeMs: 1700000000123.25 },
  { path: '/ws/runtime/logs/audit.jsonl', role: 'auditLog', root: '/ws/runtime', size: 5_000_000_000, mtimeMs: 1700000000999.5 },
  { path: '/ws/notes ü\n.md', role: 'text', root: '/ws', size: 0, mtimeMs: 0 },
];

describe('index saved file table', () => {
  const table = FileTable.decode(Uint8Array.from(FileTable.encode(FILES)));

  it('gives back the paths and recognises the same files, listed in order or not', () => {
    assert.deepEqual(table.pathList(), FILES.map((f) => f.path));
    assert.equal(table.size, 3);
    assert.ok(table.matches(FILES));
    assert.ok(table.matches([FILES[2], FILES[0], FILES[1]]));
  });

  it('trusts an artifact that was not stat\'ed, nothing else', () => {
    assert.ok(table.matches([{ ...FILES[0], size: NaN, mtimeMs: NaN }, FILES[1], FILES[2]]));
    assert.ok(!table.matches([FILES[0], { ...FILES[1], size: NaN, mtimeMs: NaN }, FILES[2]]));
  });

  it('sees a changed stamp, role or root, an added or a missing file', () => {
    assert.ok(!table.matches([FILES[0], { ...FILES[1], mtimeMs: FILES[1].mtimeMs + 1 }, FILES[2]]));
    assert.ok(!table.matches([FILES[0], FILES[1], { ...FILES[2], role: 'eventsJsonl' }]));
    assert.ok(!table.matches([{ ...FILES[0], root: '/ws' }, FILES[1], FILES[2]]));
    assert.ok(!table.matches(FILES.slice(1)));
    assert.ok(!table.matches([...FILES, { ...FILES[2], path: '/ws/other.md' }]));
    assert.ok(!table.matches([FILES[0], FILES[1], { ...FILES[2], path: '/ws/other.md' }]));
  });

  it('refuses bytes that are not a table', () => {
    const bytes = FileTable.encode(FILES);
    assert.throws(() => FileTable.decode(bytes.subarray(0, bytes.length - 1)));
    assert.throws(() => FileTable.decode(Buffer.alloc(24)));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 1;
    assert.throws(() => FileTable.decode(flipped), /checksum/);
  });
});
