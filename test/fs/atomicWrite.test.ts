import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicFrom } from '../../shared/fs/atomicWrite';

const TEMP = /^\.target\.bin\.\d+\.[0-9a-f]{8}\.tmp$/;

describe('atomic file writes', () => {
  let dir: string;
  let target: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-atomic-'));
    target = path.join(dir, 'target.bin');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the file, then replaces it, leaving nothing else in the folder', () => {
    writeFileAtomic(target, 'first');
    assert.equal(fs.readFileSync(target, 'utf8'), 'first');
    writeFileAtomic(target, Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3]);
    assert.deepEqual(fs.readdirSync(dir), ['target.bin']);
  });

  it('writes piece by piece into a temp file beside the target, which appears only when complete', async () => {
    writeFileAtomic(target, 'old');
    await writeFileAtomicFrom(target, async (fd) => {
      fs.writeSync(fd, 'new ');
      await new Promise((resolve) => setImmediate(resolve));
      // Mid-write: the target still holds the old content, and the bytes go to a dot-name temp in the same folder.
      assert.equal(fs.readFileSync(target, 'utf8'), 'old');
      const temps = fs.readdirSync(dir).filter((n) => n !== 'target.bin');
      assert.equal(temps.length, 1);
      assert.match(temps[0], TEMP);
      assert.equal(fs.fstatSync(fd).ino, fs.statSync(path.join(dir, temps[0])).ino);
      fs.writeSync(fd, 'content');
    });
    assert.equal(fs.readFileSync(target, 'utf8'), 'new content');
    assert.deepEqual(fs.readdirSync(dir), ['target.bin']);
  });

  it('a write that fails part way leaves the old file intact and no temp file', async () => {
    writeFileAtomic(target, 'old');
    await assert.rejects(
      writeFileAtomicFrom(target, async (fd) => {
        fs.writeSync(fd, 'half of the new');
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    assert.equal(fs.readFileSync(target, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['target.bin']);
  });

  it('a rename that fails (the target is a folder) removes the temp file and leaves the folder as it was', () => {
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'kept');
    assert.throws(() => writeFileAtomic(target, 'new'), (err: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(err.code!));
    assert.deepEqual(fs.readdirSync(dir), ['target.bin']);
    assert.equal(fs.readFileSync(path.join(target, 'inside'), 'utf8'), 'kept');
  });

  it('a missing folder is an error, and nothing is written anywhere else', () => {
    const inMissing = path.join(dir, 'missing', 'target.bin');
    assert.throws(() => writeFileAtomic(inMissing, 'x'), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('two writers at once each use their own temp file; the target is one of them, whole', async () => {
    const big = (c: string) => Buffer.alloc(1 << 20, c);
    const writer = (c: string) =>
      writeFileAtomicFrom(target, async (fd) => {
        for (let i = 0; i < 4; i++) {
          fs.writeSync(fd, big(c));
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
    await Promise.all([writer('a'), writer('b')]);
    const written = fs.readFileSync(target);
    assert.equal(written.length, 4 << 20);
    assert.ok(written.every((b) => b === written[0]), 'the content of a single writer');
    assert.deepEqual(fs.readdirSync(dir), ['target.bin']);
  });

  it('fsyncs the temp file before the rename and the folder after it, written whole or piece by piece (seen by strace)', function () {
    this.timeout(30000);
    if (spawnSync('sh', ['-c', 'command -v strace']).status !== 0) throw new Error('strace is not installed (apt-get install strace; .ci/run installs it)');
    const log = path.join(dir, 'strace.log');
    const whole = path.join(dir, 'whole.bin');
    const pieces = path.join(dir, 'pieces.bin');
    const script = `const a = require(${JSON.stringify(require.resolve('../../shared/fs/atomicWrite'))});
      a.writeFileAtomic(${JSON.stringify(whole)}, 'durable');
      a.writeFileAtomicFrom(${JSON.stringify(pieces)}, async (fd) => { require('node:fs').writeSync(fd, 'durable'); });`;
    const run = spawnSync('strace', ['-f', '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2', '-o', log, process.execPath, '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    // One line per call (an fsync on a worker thread may be split into "<unfinished ...>" and "resumed"); the pid dropped.
    const calls = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .map((l) => l.replace(/^\d+\s+/, ''))
      .filter((l) => /^(openat|fsync|fdatasync|rename)/.test(l));
    for (const target of [whole, pieces]) {
      const name = path.basename(target).replace('.', '\\.');
      const tempOpen = calls.findIndex((l) => new RegExp(`^openat\\(.*/\\.${name}\\.\\d+\\.[0-9a-f]{8}\\.tmp", O_WRONLY\\|O_CREAT\\|O_EXCL`).test(l));
      assert.ok(tempOpen >= 0, `no exclusive open of a temp file beside ${target} in:\n${calls.join('\n')}`);
      const tempFd = calls[tempOpen].match(/= (\d+)$/)![1];
      const rest = calls.slice(tempOpen + 1);
      const fsyncTemp = rest.findIndex((l) => l.startsWith(`fsync(${tempFd}`));
      const rename = rest.findIndex((l) => new RegExp(`^rename(at2?)?\\(.*\\.${name}\\.\\d+\\.[0-9a-f]{8}\\.tmp".*/${name}"`).test(l));
      assert.ok(fsyncTemp >= 0 && rename > fsyncTemp, `the temp file of ${target} is not fsynced before the rename in:\n${rest.join('\n')}`);
      const afterRename = rest.slice(rename + 1);
      const dirOpen = afterRename.findIndex((l) => l.startsWith(`openat(AT_FDCWD, ${JSON.stringify(dir)}, O_RDONLY`));
      assert.ok(dirOpen >= 0, `the folder is not opened after renaming ${target} in:\n${afterRename.join('\n')}`);
      const dirFd = afterRename[dirOpen].match(/= (\d+)$/)![1];
      assert.ok(afterRename.slice(dirOpen + 1).some((l) => l.startsWith(`fsync(${dirFd})`)), `the folder is not fsynced after renaming ${target} in:\n${afterRename.join('\n')}`);
      assert.equal(fs.readFileSync(target, 'utf8'), 'durable');
    }
  });
});
