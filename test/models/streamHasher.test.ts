import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FollowingHasher, InlineHasher } from '../../shared/models/streamHasher';
import { content, sha256, tempDir } from './helpers';

describe('model pull: stream hashers', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a worker following a file as it is written (40 MiB, without a pause) digests what an inline hasher does', async () => {
    const file = path.join(dir, 'x.part');
    const fd = fs.openSync(file, 'w');
    const piece = content(700 * 1024); // not a multiple of the worker's 1 MiB reads
    const worker = new FollowingHasher(file);
    const inline = new InlineHasher();
    let size = 0;
    // Written and announced without yielding: the worker reads the file itself, at its own pace.
    for (let i = 0; i < 60; i++) {
      piece[0] = i; // the writer reuses its buffer: the worker must hash the file, not the buffer
      fs.writeSync(fd, piece, 0, piece.length, size);
      size += piece.length;
      inline.appended(piece);
      worker.appended(piece, size);
    }
    fs.closeSync(fd);
    assert.equal(worker.bytes, 60 * piece.length);
    assert.equal(await worker.digest(), await inline.digest());
  });

  it('starts inside a file (a resume) from disk, inline or in the worker', async () => {
    const file = path.join(dir, 'x.part');
    const bytes = content(3_000_000);
    fs.writeFileSync(file, bytes);
    const worker = new FollowingHasher(file);
    worker.startAt(1_000_000);
    worker.appended(Buffer.alloc(0), bytes.length);
    const inline = new InlineHasher(file);
    inline.startAt(1_000_000);
    inline.appended(bytes.subarray(1_000_000));
    assert.equal(await worker.digest(), sha256(bytes));
    assert.equal(await inline.digest(), sha256(bytes));
  });

  it('fails, rather than digesting less, when the file is shorter than announced', async () => {
    const file = path.join(dir, 'x.part');
    fs.writeFileSync(file, content(1000));
    const worker = new FollowingHasher(file);
    worker.appended(Buffer.alloc(0), 2000);
    await assert.rejects(worker.digest(), /ended at 1000 bytes, short of the 2000/);
  });

  it('an empty input digests to the sha256 of nothing in both', async () => {
    const file = path.join(dir, 'empty.part');
    fs.writeFileSync(file, '');
    assert.equal(await new FollowingHasher(file).digest(), sha256(Buffer.alloc(0)));
    assert.equal(await new InlineHasher().digest(), sha256(Buffer.alloc(0)));
  });
});
