// A manifest's `path` relative to its own folder (`by-hash/<file>`) or to the state dir
// (`models/by-hash/<file>`) names its blob; every other path stays invalid (CONTRACT 1.5).
import * as assert from 'node:assert/strict';
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
    `/elsewhere/models/by-hash/${file}`,
    file, // <state>/models/<file> or <state>/<file>
  ]) {
    it(`invalid: "${declared}"`, () => {
      const m = read(declared);
      assert.ok(m.error, declared);
      assert.equal(m.blobPath, undefined);
    });
  }

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
