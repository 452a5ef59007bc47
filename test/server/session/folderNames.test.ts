// The watcher's names of a folder (folderNames.ts): content-addressed names kept as digests per
// extension and others as strings, through a listing again that finds what came and what went.
import * as assert from 'node:assert/strict';
import { FolderNames } from '../../../server/session/folderNames';

const hex = (n: number) => n.toString(16).padStart(64, '0');

describe('server: folder names', () => {
  it('keeps content-addressed names of several extensions and other names, and gives each back as written', () => {
    const names = new FolderNames();
    const written = [`${hex(1)}.json`, `${hex(2)}.json`, `${hex(1)}.bin`, hex(3), 'events.jsonl', `${hex(0xabc).toUpperCase()}.json`, `${hex(5).slice(1)}.json`];
    for (const n of written) names.add(n);
    assert.deepEqual([...names.names()].sort(), written.slice().sort());
    assert.deepEqual([...names.others()].sort(), ['events.jsonl', `${hex(0xabc).toUpperCase()}.json`, `${hex(5).slice(1)}.json`].sort());
  });

  it('a listing again tells the names that came from those held, and gives back those that went', () => {
    const names = new FolderNames();
    for (const n of [`${hex(1)}.json`, `${hex(2)}.json`, 'a.md', 'b.md']) names.add(n);
    names.startListing();
    assert.equal(names.mark(`${hex(1)}.json`), true);
    assert.equal(names.mark(`${hex(9)}.json`), false);
    assert.equal(names.mark('a.md'), true);
    assert.equal(names.mark('c.md'), false);
    assert.deepEqual(names.takeUnmarked().sort(), [`${hex(2)}.json`, 'b.md']);
    assert.deepEqual([...names.names()].sort(), [`${hex(1)}.json`, `${hex(9)}.json`, 'a.md', 'c.md'].sort());
    // Gone, then back: held again, and found by the next listing.
    names.delete(`${hex(9)}.json`);
    names.startListing();
    assert.equal(names.mark(`${hex(9)}.json`), false);
    assert.deepEqual(names.takeUnmarked().sort(), [`${hex(1)}.json`, 'a.md', 'c.md']);
    assert.deepEqual([...names.names()], [`${hex(9)}.json`]);
  });

  it('holds more content-addressed names than its first room', () => {
    const names = new FolderNames();
    for (let i = 0; i < 5000; i++) names.add(`${hex(i)}.json`);
    names.startListing();
    for (let i = 0; i < 5000; i += 2) assert.equal(names.mark(`${hex(i)}.json`), true);
    assert.equal(names.takeUnmarked().length, 2500);
    assert.equal([...names.names()].length, 2500);
  });
});
