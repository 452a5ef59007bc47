// A manifest's `path` relative to its own folder (`by-hash/<file>`) or to the state dir
// (`models/by-hash/<file>`) names its blob, and so does an absolute one written on another machine
// whose blob is in this store (a moved manifest); every other path stays invalid (CONTRACT 1.5).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileRecord } from '../../shared/readers';
import { ctxFor, makeTmp, removeTmp, sha256Hex, write } from './tmpWorkspace';

describe('readers: model manifest paths', () => {
  let state: string;
  let byHash: string;
  const body = Buffer.from('model weights');
  const digest = sha256Hex(body);
  const file = `${digest}.bin`;
  beforeEach(() => {
    state = makeTmp('model-paths');
    byHash = path.join(state, 'models', 'by-hash');
    write(path.join(byHash, file), body);
  });
  afterEach(() => removeTmp(state));

  const read = (declared: string) => {
    const manifest = { id: 'tiny', file, path: declared, sha256: digest, cas: 'sha256', bytes: body.length, provider: 'hf', verified: true };
    return readFileRecord(write(path.join(state, 'models', 'tiny.json'), JSON.stringify(manifest)), 'manifest', ctxFor(state)).manifest!;
  };

  for (const declared of [`by-hash/${file}`, `./by-hash/${file}`, `models/by-hash/${file}`, `../models/by-hash/${file}`]) {
    it(`valid: "${declared}" names the blob in by-hash/`, () => {
      const m = read(declared);
      assert.equal(m.error, undefined);
      assert.equal(m.blobPath, path.join(byHash, file));
    });
  }

  for (const declared of [
    `../by-hash/${file}`, // <state>/by-hash or <state>/../by-hash
    `by-hash/../../${file}`,
    `by-hash/sub/${file}`,
    `../../elsewhere/models/by-hash/${file}`,
    `models/by-hash/../../../${file}`,
    `by-hash/${'0'.repeat(64)}.bin`, // not the manifest's file
    `/elsewhere/models/by-hash/${'0'.repeat(64)}.bin`, // absolute, and not the manifest's file
    `/elsewhere/by-hash/${file}`, // absolute, but not under models/by-hash/
    file, // <state>/models/<file> or <state>/<file>
  ]) {
    it(`invalid: "${declared}"`, () => {
      const m = read(declared);
      assert.ok(m.error, declared);
      assert.equal(m.blobPath, undefined);
    });
  }

  for (const declared of [`/elsewhere/models/by-hash/${file}`, `/srv/a/../b/state/models/by-hash/${file}`, `C:\\Users\\me\\state\\models\\by-hash\\${file}`]) {
    it(`moved: "${declared}" resolves to this store's blob, as information (CONTRACT 1.5)`, () => {
      const manifest = { id: 'tiny', file, path: declared, sha256: digest, cas: 'sha256', bytes: body.length, provider: 'hf', verified: true };
      const rec = readFileRecord(write(path.join(state, 'models', 'tiny.json'), JSON.stringify(manifest)), 'manifest', ctxFor(state));
      assert.equal(rec.manifest!.error, undefined);
      assert.equal(rec.manifest!.blobPath, path.join(byHash, file));
      assert.equal(rec.manifest!.writtenUnder, declared);
      assert.deepEqual(rec.problems.map((p) => [p.code, p.severity]), [['moved-manifest', 'information']]);
      assert.match(rec.problems[0].message, /written under another path/);
    });
  }

  it('moved: the original path is never opened, and without the blob here the manifest stays invalid', () => {
    const elsewhere = makeTmp('model-paths-orig');
    try {
      // A FIFO at the original path: opening it would block this test until it times out.
      const original = path.join(elsewhere, 'state', 'models', 'by-hash', file);
      fs.mkdirSync(path.dirname(original), { recursive: true });
      execFileSync('mkfifo', [original]);
      assert.equal(read(original).blobPath, path.join(byHash, file));
      fs.rmSync(path.join(byHash, file));
      const m = read(original);
      assert.match(m.error!, /outside/);
      assert.equal(m.blobPath, undefined);
    } finally {
      removeTmp(elsewhere);
    }
  });

  it('invalid: a relative path whose blob is a symlink out of the store', () => {
    const elsewhere = makeTmp('model-paths-out');
    try {
      fs.rmSync(path.join(byHash, file));
      fs.symlinkSync(write(path.join(elsewhere, file), body), path.join(byHash, file));
      for (const declared of [`by-hash/${file}`, `models/by-hash/${file}`]) {
        const m = read(declared);
        assert.match(m.error!, /symbolic link/);
        assert.equal(m.blobPath, undefined);
      }
    } finally {
      removeTmp(elsewhere);
    }
  });

  it('invalid: a relative path when by-hash/ is a symlink out of the store', () => {
    const elsewhere = makeTmp('model-paths-out');
    try {
      write(path.join(elsewhere, file), body);
      fs.rmSync(byHash, { recursive: true });
      fs.symlinkSync(elsewhere, byHash);
      const m = read(`by-hash/${file}`);
      assert.match(m.error!, /symbolic link/);
      assert.equal(m.blobPath, undefined);
    } finally {
      removeTmp(elsewhere);
    }
  });
});
