import * as assert from 'node:assert/strict';
import { keyHash } from '../../shared/index/keyIndex';
import { PathTable } from '../../shared/index/pathTable';

const hex = (i: number) => i.toString(16).padStart(64, '0');

describe('index path table', () => {
  it('gives each path one id and the same string back, whatever its characters', () => {
    const table = new PathTable();
    const paths = [
      '/ws/runtime/artifacts/outputs/' + hex(1) + '.json',
      '/ws/runtime/artifacts/outputs/' + hex(2) + '.json',
      '/ws/größe/модель/模型.json',
      '/ws/emoji/😀 file 🎉.txt',
      '/ws/lone/\ud800x\udc00.txt',
      '/ws/lone/\udc00\ud800.txt',
      '/ws/back\\slash/name',
      'no-separator',
      '/ws/trailing/',
      '/',
      '',
      '/ws/é',
      // The units of é's two UTF-8 bytes, as Latin-1 characters: the same bytes were they stored as units.
      '/ws/\u00c3\u00a9',
      '/ws/e\u0301',
    ];
    const ids = paths.map((p) => table.id(p));
    assert.equal(new Set(ids).size, paths.length);
    assert.equal(table.size, paths.length);
    paths.forEach((p, i) => {
      assert.equal(table.pathOf(ids[i]), p);
      assert.equal(table.id(p), ids[i]);
      assert.equal(table.find(p), ids[i]);
    });
    assert.equal(table.size, paths.length);
    assert.equal(table.find('/ws/runtime/artifacts/outputs/' + hex(3) + '.json'), undefined);
    assert.equal(table.find('/elsewhere/' + hex(1) + '.json'), undefined);
    assert.equal(table.find('/ws/lone/\ud800x\udc01.txt'), undefined);
  });

  it("keeps a name's leading 64 lower-case hex digits as 32 bytes, and tells such names from every other", () => {
    const table = new PathTable();
    const digest = 'ab'.repeat(32);
    const names = [
      `${digest}.json`,
      digest,
      `${digest}0.json`,
      `${digest}${digest}.bin`,
      `${digest}.größe`,
      `${digest}\ud800.json`,
      // Not 64 lower-case hex digits first: kept as WTF-8.
      `${digest.toUpperCase()}.json`,
      `${digest.slice(0, 63)}.json`,
      `${digest.slice(0, 63)}g.json`,
      `x${digest}.json`,
      // The bytes a digest's 32 would be, as characters.
      `\u00ff${Buffer.from(digest, 'hex').toString('latin1')}.json`,
    ];
    const ids = names.map((n) => table.id(`/ws/a/${n}`));
    assert.equal(new Set(ids).size, names.length);
    names.forEach((n, i) => {
      assert.equal(table.pathOf(ids[i]), `/ws/a/${n}`);
      assert.equal(table.find(`/ws/a/${n}`), ids[i]);
    });
    assert.equal(table.nameBytesOf(ids[0]), 1 + 32 + '.json'.length);
    assert.equal(table.nameBytesOf(ids[6]), 64 + '.json'.length);
    assert.equal(table.find(`/ws/a/${'ab'.repeat(31)}ac.json`), undefined);
    assert.equal(table.find(`/ws/b/${digest}.json`), undefined);
  });

  it('adds a path find() just missed in the slot it found empty, and only that path', () => {
    const table = new PathTable();
    const a = '/ws/runtime/artifacts/outputs/' + hex(1) + '.json';
    const b = '/ws/runtime/artifacts/outputs/' + hex(2) + '.json';
    table.id('/ws/runtime/artifacts/outputs/' + hex(0) + '.json');
    // A store holding a file: find() first (none held there), then id() of the same path.
    assert.equal(table.find(a), undefined);
    assert.equal(table.id(a.slice(0, 10) + a.slice(10)), 1);
    assert.equal(table.id(a), 1);
    // Missed, then another path added in between: the slot found empty for `b` may be taken.
    assert.equal(table.find(b), undefined);
    assert.equal(table.id(a), 1);
    const c = '/ws/runtime/artifacts/outputs/' + hex(3) + '.json';
    assert.equal(table.find(b), undefined);
    assert.equal(table.id(c), 2);
    assert.equal(table.id(b), 3);
    // Missed in a folder with no paths yet, then a lookup of another path, then the first added.
    assert.equal(table.find('/new/x'), undefined);
    assert.equal(table.find(c), 2);
    assert.equal(table.id('/new/x'), 4);
    // Many misses then adds, through the slots' growth.
    for (let i = 10; i < 5000; i++) {
      const p = `/ws/many/${hex(i)}.json`;
      assert.equal(table.find(p), undefined);
      assert.equal(table.id(p), i - 5);
    }
    for (let i = 10; i < 5000; i++) assert.equal(table.find(`/ws/many/${hex(i)}.json`), i - 5);
    [a, b, c, '/new/x'].forEach((p) => assert.equal(table.pathOf(table.find(p)!), p));
  });

  it('answers a path asked again right after it missed without a stale answer once anything is added', () => {
    const table = new PathTable();
    const a = '/ws/runtime/artifacts/outputs/' + hex(1) + '.json';
    const b = '/ws/runtime/artifacts/outputs/' + hex(2) + '.json';
    table.id('/ws/runtime/artifacts/outputs/' + hex(0) + '.json');
    // A cold store asks twice (does it hold a file there? remove any there), then adds it.
    assert.equal(table.find(a), undefined);
    assert.equal(table.find(a), undefined);
    assert.equal(table.find(a.slice(0, 10) + a.slice(10)), undefined);
    assert.equal(table.id(a), 1);
    assert.equal(table.find(a), 1);
    // Missed, then added under another string of the same text: found.
    assert.equal(table.find(b), undefined);
    assert.equal(table.id(b.slice(0, 10) + b.slice(10)), 2);
    assert.equal(table.find(b), 2);
    // Missed, then another path asked (of the same length, held): that one is found.
    const c = '/ws/runtime/artifacts/outputs/' + hex(3) + '.json';
    assert.equal(table.find(c), undefined);
    assert.equal(table.find(a), 1);
    assert.equal(table.find(c), undefined);
    assert.equal(table.find(b), 2);
    // Missed, then the slots grown for a load (8 times over, each time): still a miss, then added
    // where the new slots say, so found again after.
    const grown: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = `/ws/grown/${hex(100 + i)}.json`;
      assert.equal(table.find(p), undefined);
      table.expect(6000 * 8 ** i);
      assert.equal(table.find(p), undefined);
      assert.equal(table.id(p), 3 + i);
      grown.push(p);
    }
    [a, b, ...grown].forEach((p, i) => assert.equal(table.find(p), i + 1));
  });

  it('keeps 30k paths in deep folders and in one folder, through its growth', () => {
    const table = new PathTable();
    let deep = '/ws';
    const paths: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      if (i % 300 === 0) deep += `/level${i / 300}`;
      // Half in one folder, half in ever deeper ones; names that differ only at the end.
      paths.push(i % 2 ? `/ws/one/${hex(i)}.json` : `${deep}/${hex(i)}`);
    }
    paths.forEach((p, i) => assert.equal(table.id(p), i));
    paths.forEach((p, i) => {
      assert.equal(table.find(p), i);
      assert.equal(table.pathOf(i), p);
    });
    assert.equal(table.size, 30_000);
  });

  it('keeps every path when told how many to expect, past that number and with names longer than the first ones', () => {
    const table = new PathTable();
    table.id('/ws/before');
    table.expect(5000);
    // Short names first (the room planned for the name bytes is too small for the long ones after), then past the expected count.
    const paths = Array.from({ length: 9000 }, (_, i) => (i < 3000 ? `/ws/a/${i}` : `/ws/b/${hex(i)}.json`));
    paths.forEach((p, i) => assert.equal(table.id(p), i + 1));
    paths.forEach((p, i) => {
      assert.equal(table.find(p), i + 1);
      assert.equal(table.pathOf(i + 1), p);
    });
    assert.equal(table.pathOf(0), '/ws/before');
    assert.equal(table.size, 9001);
  });

  it("hashes each path as keyHash hashes its string, whatever its name's characters, without making it", () => {
    const table = new PathTable();
    const paths = [
      '/ws/runtime/artifacts/outputs/' + hex(1) + '.json',
      '/ws/runtime/artifacts/outputs/' + hex(0xabcdef) + '.json',
      '/ws/runtime/artifacts/outputs/' + hex(7),
      '/ws/runtime/artifacts/outputs/' + hex(7).toUpperCase() + '.json',
      '/ws/runtime/artifacts/outputs/' + hex(9) + '-größe.json',
      '/ws/runtime/artifacts/outputs/' + hex(9).slice(1) + '.json',
      '/ws/größe/модель/模型.json',
      '/ws/größe/plain.json',
      '/ws/emoji/😀 file 🎉.txt',
      '/ws/lone/\ud800x\udc00.txt',
      '/ws/\u00c3\u00a9',
      '/ws/é',
      'no-separator',
      '/ws/trailing/',
      '/',
      '',
    ];
    const ids = paths.map((p) => table.id(p));
    paths.forEach((p, i) => assert.equal(table.pathHash(ids[i]), keyHash(p), p));
    // Asked again (each folder's hash is kept from its first path), and for paths added after.
    paths.forEach((p, i) => assert.equal(table.pathHash(ids[i]), keyHash(p), p));
    const later = table.id('/ws/größe/later-' + hex(3));
    assert.equal(table.pathHash(later), keyHash('/ws/größe/later-' + hex(3)));
  });
});
