import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { readFileRecord } from '../../shared/readers';
import { ctxFor, makeTmp, removeTmp, sha256Hex, snapshotTree, write } from './tmpWorkspace';

function scopedId(runId: string, bytes: Buffer): string {
  return createHash('sha256').update(runId + '\0').update(bytes).digest('hex').slice(0, 32);
}

describe('readers: file artifact stores', () => {
  let base: string;
  let arts: string;
  beforeEach(() => {
    base = makeTmp('filestore');
    arts = path.join(base, 'artifacts');
  });
  afterEach(() => removeTmp(base));

  const meta = (o: Record<string, unknown>) => JSON.stringify({ content_type: 'application/json', created_at: '2025-01-01T00:00:00Z', ...o });

  it('flat layout: verifies a content id and a run-scoped id, keeps metadata', () => {
    const bytes = Buffer.from('{"items":[1,2,3]}');
    const id = sha256Hex(bytes).slice(0, 32);
    write(path.join(arts, `${id}.bin`), bytes);
    const file = write(path.join(arts, `${id}.meta`), meta({ artifact_id: id, size_bytes: bytes.length, tags: { k: 'v' }, metadata: { m: 1 } }));
    const rec = readFileRecord(file, 'sidecar', ctxFor(base));
    assert.deepEqual(rec.problems, []);
    const a = rec.artifacts![0];
    assert.deepEqual([a.key, a.kind, a.verification, a.size, a.contentType, a.path, a.metaPath], [`artifact:${id}`, 'file-store', 'verified', bytes.length, 'application/json', path.join(arts, `${id}.bin`), file]);
    assert.deepEqual([a.tags, a.metadata, a.root], [{ k: 'v' }, { m: 1 }, base]);

    const sid = scopedId('run-1', bytes);
    write(path.join(arts, `${sid}.bin`), bytes);
    const scoped = readFileRecord(write(path.join(arts, `${sid}.meta`), meta({ artifact_id: sid, run_id: 'run-1', size_bytes: bytes.length })), 'sidecar', ctxFor(base));
    assert.equal(scoped.artifacts![0].verification, 'verified');
    assert.equal(scoped.artifacts![0].runId, 'run-1');
  });

  it('deduplicated layout: blob_id names the blob and must be its sha256', () => {
    const bytes = Buffer.from('report body');
    const blob = sha256Hex(bytes);
    write(path.join(arts, 'blobs', `${blob}.bin`), bytes);
    const file = write(path.join(arts, 'refs', 'my-report.meta'), meta({ artifact_id: 'my-report', blob_id: blob, size_bytes: bytes.length }));
    const rec = readFileRecord(file, 'sidecar', ctxFor(base));
    assert.deepEqual(rec.problems, []);
    assert.deepEqual([rec.artifacts![0].verification, rec.artifacts![0].blobId, rec.artifacts![0].root], ['verified', blob, base]);
    fs.writeFileSync(path.join(arts, 'blobs', `${blob}.bin`), 'altered');
    const bad = readFileRecord(file, 'sidecar', ctxFor(base));
    assert.equal(bad.artifacts![0].verification, 'mismatch');
    assert.match(bad.problems[0].message, /blob_id/);
  });

  it('a sidecar whose bytes are gone is pruned, not an error', () => {
    const file = write(path.join(arts, 'abcdef0123456789abcdef0123456789.meta'), meta({ artifact_id: 'abcdef0123456789abcdef0123456789', size_bytes: 12 }));
    const rec = readFileRecord(file, 'sidecar', ctxFor(base));
    assert.deepEqual(rec.problems, []);
    assert.deepEqual([rec.artifacts![0].verification, rec.artifacts![0].size, rec.artifacts![0].path], ['pruned', 12, undefined]);
  });

  it('a content id that does not match its bytes is a mismatch', () => {
    const id = 'f'.repeat(32);
    write(path.join(arts, `${id}.bin`), 'whatever');
    const rec = readFileRecord(write(path.join(arts, `${id}.meta`), meta({ artifact_id: id })), 'sidecar', ctxFor(base));
    assert.equal(rec.artifacts![0].verification, 'mismatch');
    assert.equal(rec.problems[0].code, 'hash-mismatch');
  });

  it('hostile ids and blob ids never become paths', () => {
    const idMeta = write(path.join(arts, 'x.meta'), meta({ artifact_id: '../../etc/passwd' }));
    const blobMeta = write(path.join(arts, 'refs', 'ok.meta'), meta({ artifact_id: 'ok', blob_id: '../../../etc/passwd' }));
    const before = snapshotTree(base);
    const evil = readFileRecord(idMeta, 'sidecar', ctxFor(base));
    assert.equal(evil.artifacts, undefined);
    assert.equal(evil.problems[0].code, 'unsafe-path');
    const blob = readFileRecord(blobMeta, 'sidecar', ctxFor(base));
    assert.equal(blob.problems[0].code, 'unsafe-path');
    assert.equal(blob.artifacts![0].path, undefined);
    assert.equal(snapshotTree(base), before);
  });

  it('a malformed sidecar is a problem at its line', () => {
    const rec = readFileRecord(write(path.join(arts, 'a.meta'), '{\n"artifact_id": }'), 'sidecar', ctxFor(base));
    assert.deepEqual([rec.problems[0].code, rec.problems[0].line], ['malformed', 1]);
  });

  it('run states and snapshot files: runs with their $artifact refs grouped by section', () => {
    const state = {
      run_id: 'run-5',
      workflow_id: 'wf',
      status: 'completed',
      created_at: '2025-01-01T00:00:00Z',
      vars: { doc: { $artifact: 'a1b2' }, list: [{ $artifact: 'c3' }] },
      output: { result_ref: { $artifact: 'd4' } },
    };
    const file = write(path.join(base, `run_run-5.json`), JSON.stringify(state, null, 2));
    const rec = readFileRecord(file, 'runState', ctxFor(base));
    const run = rec.run!;
    assert.deepEqual([run.type, run.ref, run.runId, run.status, run.time], ['runState', file, 'run-5', 'completed', '2025-01-01T00:00:00Z']);
    assert.deepEqual(run.groups, [
      { label: 'vars', refs: [{ ref: 'artifact:a1b2', path: 'vars.doc' }, { ref: 'artifact:c3', path: 'vars.list[0]' }] },
      { label: 'output', refs: [{ ref: 'artifact:d4', path: 'output.result_ref' }] },
    ]);
    assert.deepEqual(rec.occurrences.map((o) => o.key), ['artifact:a1b2', 'artifact:c3', 'artifact:d4']);

    const snap = write(path.join(base, 'snapshot_s1.json'), JSON.stringify({ snapshot_id: 's1', created_at: 'T', run_state: state }));
    const srun = readFileRecord(snap, 'snapshotFile', ctxFor(base)).run!;
    assert.deepEqual([srun.type, srun.runId, srun.status, srun.time], ['snapshot', 'run-5', 'completed', 'T']);
    assert.equal(srun.groups[0].label, 'run_state');
    assert.equal(srun.groups[0].refs.length, 3);
  });

  it('a .bin on its own yields an empty record with its size', () => {
    const file = write(path.join(arts, 'x.bin'), '12345');
    const rec = readFileRecord(file, 'fileStoreBlob', ctxFor(base));
    assert.deepEqual([rec.size, rec.occurrences, rec.problems, rec.artifacts], [5, [], [], undefined]);
  });
});

describe('readers: model store', () => {
  let state: string;
  let models: string;
  let byHash: string;
  const body = Buffer.from('model weights');
  const digest = sha256Hex(body);
  beforeEach(() => {
    state = makeTmp('state');
    models = path.join(state, 'models');
    byHash = path.join(models, 'by-hash');
    write(path.join(byHash, `${digest}.gguf`), body);
  });
  afterEach(() => removeTmp(state));

  const manifest = (o: Record<string, unknown> = {}) => ({
    id: 'tiny',
    file: `${digest}.gguf`,
    path: path.join(byHash, `${digest}.gguf`),
    sha256: digest,
    cas: 'sha256',
    bytes: body.length,
    provider: 'hf',
    verified: true,
    ...o,
  });
  const read = (o: Record<string, unknown> | string) =>
    readFileRecord(write(path.join(models, 'tiny.json'), typeof o === 'string' ? o : JSON.stringify(o)), 'manifest', ctxFor(state));

  it('a valid manifest resolves to its blob (absolute or relative path)', () => {
    const rec = read(manifest({ name: 'Tiny', url: 'https://x/y' }));
    assert.deepEqual(rec.problems, []);
    const m = rec.manifest!;
    assert.deepEqual([m.stateDir, m.id, m.name, m.sha256, m.bytes, m.provider, m.url, m.verified, m.blobPath], [state, 'tiny', 'Tiny', digest, body.length, 'hf', 'https://x/y', true, path.join(byHash, `${digest}.gguf`)]);
    assert.deepEqual(rec.occurrences.map((o) => o.key), [`sha256:${digest}`]);
    assert.equal(read(manifest({ path: `models/by-hash/${digest}.gguf` })).manifest!.blobPath, path.join(byHash, `${digest}.gguf`));
  });

  for (const [why, o] of [
    ['path outside by-hash', { path: '/etc/passwd' }],
    ['path escaping with ..', { path: `models/by-hash/../../../etc/${digest}.gguf` }],
    ['path in a by-hash subfolder', { path: `models/by-hash/sub/${digest}.gguf` }],
    ['file not named by its sha256', { file: `${'0'.repeat(64)}.gguf` }],
    ['path and file disagree', { path: `models/by-hash/${'0'.repeat(64)}.gguf` }],
    ['sha256 not 64 hex', { sha256: 'abc' }],
    ['cas not sha256', { cas: 'md5' }],
    ['missing provider', { provider: undefined }],
  ] as const) {
    it(`invalid: ${why}`, () => {
      const rec = read(manifest(o));
      assert.ok(rec.manifest!.error, why);
      assert.equal(rec.manifest!.blobPath, undefined);
      assert.equal(rec.problems[0].code, 'invalid-manifest');
    });
  }

  it('invalid: by-hash is a symlink leading out of the store', () => {
    const elsewhere = makeTmp('elsewhere');
    try {
      write(path.join(elsewhere, `${digest}.gguf`), body);
      fs.rmSync(byHash, { recursive: true });
      fs.symlinkSync(elsewhere, byHash);
      const rec = read(manifest());
      assert.match(rec.manifest!.error!, /symbolic link/);
      assert.equal(rec.manifest!.blobPath, undefined);
    } finally {
      removeTmp(elsewhere);
    }
  });

  it('an unparseable or empty manifest is invalid', () => {
    assert.match(read('{"id": ').manifest!.error!, /not valid JSON/);
    assert.match(read('').manifest!.error!, /empty/);
  });

  it('blobs: size and mtime from lstat; hashed only when asked; symlinks never followed', () => {
    const file = path.join(byHash, `${digest}.gguf`);
    const rec = readFileRecord(file, 'blob', ctxFor(state));
    assert.deepEqual([rec.blob!.digest, rec.blob!.size, rec.blob!.stateDir], [digest, body.length, state]);
    fs.writeFileSync(file, 'tampered!!!!!');
    assert.deepEqual(readFileRecord(file, 'blob', ctxFor(state)).problems, []);
    assert.equal(readFileRecord(file, 'blob', ctxFor(state, { verifyBlobs: true })).problems[0].code, 'hash-mismatch');
    const link = path.join(byHash, `${'e'.repeat(64)}.bin`);
    fs.symlinkSync('/etc/hostname', link);
    const l = readFileRecord(link, 'blob', ctxFor(state, { verifyBlobs: true }));
    assert.equal(l.blob, undefined);
    assert.equal(l.problems[0].code, 'unsafe-path');
  });

  it('partial downloads: bytes so far and meta; a corrupt meta is a warning', () => {
    const part = write(path.join(models, 'tiny.gguf.part'), 'abc');
    write(`${part}.meta`, JSON.stringify({ url: 'https://h/m', total: 10, sha256: digest, etag: '"e"' }));
    const rec = readFileRecord(part, 'partial', ctxFor(state));
    assert.deepEqual(rec.partial, { stateDir: state, name: 'tiny.gguf', path: part, bytes: 3, url: 'https://h/m', total: 10, sha256: digest });
    assert.deepEqual(readFileRecord(`${part}.meta`, 'partial', ctxFor(state)).partial, undefined);
    fs.writeFileSync(`${part}.meta`, '{garbage');
    const bad = readFileRecord(part, 'partial', ctxFor(state));
    assert.equal(bad.partial!.bytes, 3);
    assert.deepEqual([bad.problems[0].code, bad.problems[0].severity], ['malformed', 'warning']);
  });
});

describe('readers: text files', () => {
  let dir: string;
  beforeEach(() => (dir = makeTmp('text')));
  afterEach(() => removeTmp(dir));

  it('finds refs in any text; skips binary and oversized files without a problem; survives a symlink loop', () => {
    const ref = 'sha256:' + 'a'.repeat(64);
    const src = write(path.join(dir, 'main.py'), `# see\r\nREF = "${ref}"\n`);
    const rec = readFileRecord(src, 'text', ctxFor(dir));
    assert.deepEqual(rec.occurrences.map((o) => [o.key, o.line, o.col]), [[ref, 1, 7]]);
    const bin = write(path.join(dir, 'x.png'), Buffer.concat([Buffer.from([0x89, 0, 1]), Buffer.from(ref)]));
    assert.deepEqual([readFileRecord(bin, 'text', ctxFor(dir)).occurrences, readFileRecord(bin, 'text', ctxFor(dir)).problems], [[], []]);
    fs.symlinkSync(path.join(dir, 'loop-b'), path.join(dir, 'loop-a'));
    fs.symlinkSync(path.join(dir, 'loop-a'), path.join(dir, 'loop-b'));
    assert.match(readFileRecord(path.join(dir, 'loop-a'), 'text', ctxFor(dir)).problems[0].message, /symlink loop/);
    const big = write(path.join(dir, 'big.log'), ref + ' '.repeat(2000));
    const r = readFileRecord(big, 'text', ctxFor(dir, { maxParseBytes: 1000 }));
    assert.deepEqual([r.occurrences, r.problems, r.size], [[], [], 2071]);
  });
});
