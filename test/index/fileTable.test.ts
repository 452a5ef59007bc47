import * as assert from 'node:assert/strict';
import type { DiscoveredFile } from '../../shared/index/discovery';
import { FileTable } from '../../shared/index/fileTable';

const FILES: DiscoveredFile[] = [
  { path: '/ws/runtime/artifacts/requests/aa.json', role: 'artifact', root: '/ws/runtime', size: 120, mtimeMs: 1700000000123.25 },
  { path: '/ws/runtime/logs/audit.jsonl', role: 'auditLog', root: '/ws/runtime', size: 5_000_000_000, mtimeMs: 1700000000999.5 },
  { path: '/ws/notes ü\n.md', role: 'text', root: '/ws', size: 0, mtimeMs: 0 },
];

const noPause = async () => undefined;

/** The bytes FileTable.write writes, piece by piece at their offsets, as a file would hold them. */
async function encode(entries: DiscoveredFile[], pause: () => Promise<void>): Promise<Buffer> {
  const pieces: [Buffer, number][] = [];
  await FileTable.write({ entries, count: entries.length }, pause, (bytes, at) => pieces.push([Buffer.from(bytes), at]));
  const out = Buffer.alloc(pieces.reduce((end, [b, at]) => Math.max(end, at + b.length), 0));
  for (const [b, at] of pieces) b.copy(out, at);
  return out;
}

describe('index saved file table', () => {
  let table: FileTable;
  before(async () => (table = FileTable.decode(Uint8Array.from(await encode(FILES, noPause)))));

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

  it('tells a listed path apart from a saved one it is the start or the end of', () => {
    const shorter = { ...FILES[0], path: FILES[0].path.slice(0, -5) };
    assert.ok(!table.matches([shorter, FILES[1], FILES[2]]));
    // Its path and the next saved one's, joined as the table joins them: one path, one file short.
    assert.ok(!table.matches([{ ...FILES[0], path: `${FILES[0].path}\0${FILES[1].path}` }, FILES[2], FILES[2]]));
    assert.ok(!table.matches([FILES[0], FILES[1], { ...FILES[2], path: FILES[2].path + '.bak' }]));
  });

  it('encodes many files a few thousand at a time, with a pause between, as the one list of paths they make', async () => {
    // 2 MB of paths: written in several pieces, a piece ending wherever a path does not fit.
    const many: DiscoveredFile[] = Array.from({ length: 10_000 }, (_, i) => ({ ...FILES[i % 3], path: `/ws/runtime/ü-${i}/${'x'.repeat(150)}/${FILES[i % 3].path}` }));
    let pauses = 0;
    const bytes = await encode(many, async () => void pauses++);
    assert.ok(pauses >= 10_000 / 4096, `${pauses} pauses`);
    const back = FileTable.decode(bytes);
    assert.deepEqual(back.pathList(), many.map((f) => f.path));
    assert.ok(back.matches(many));
    // The paths as one NUL-separated run of UTF-8 right after the header.
    const paths = Buffer.from(many.map((f) => f.path).join('\0'), 'utf8');
    assert.deepEqual(bytes.subarray(24, 24 + paths.length), paths);
  });

  it('writes the paths out as they come, not once every file is listed', async () => {
    const many: DiscoveredFile[] = Array.from({ length: 10_000 }, (_, i) => ({ ...FILES[i % 3], path: `/ws/${i}/${'y'.repeat(400)}` }));
    let listed = 0;
    const writtenAt: number[] = [];
    function* entries() {
      for (const f of many) {
        listed++;
        yield f;
      }
    }
    await FileTable.write({ entries: entries(), count: many.length }, noPause, () => writtenAt.push(listed));
    // ~4 MB of paths in pieces of 1 MB: the first written by the time a third of the files were listed.
    assert.ok(writtenAt[0] < many.length / 3, `first piece written after ${writtenAt[0]} files`);
  });

  it('keeps a path longer than a piece whole, between others', async () => {
    const long = `/ws/${'ü'.repeat(600_000)}.json`;
    const files = [FILES[0], { ...FILES[1], path: long }, FILES[2]];
    assert.deepEqual(FileTable.decode(await encode(files, noPause)).pathList(), files.map((f) => f.path));
  });

  it('refuses to save other than the told number of files', async () => {
    const out = () => undefined;
    await assert.rejects(FileTable.write({ entries: FILES, count: 2 }, noPause, out), /more files/);
    await assert.rejects(FileTable.write({ entries: FILES, count: 4 }, noPause, out), /not the 4 told/);
  });

  it('refuses bytes that are not a table', async () => {
    const bytes = await encode(FILES, noPause);
    assert.throws(() => FileTable.decode(bytes.subarray(0, bytes.length - 1)));
    assert.throws(() => FileTable.decode(Buffer.alloc(24)));
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 1;
    assert.throws(() => FileTable.decode(flipped), /checksum/);
  });
});
