import * as assert from 'node:assert/strict';
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
});
