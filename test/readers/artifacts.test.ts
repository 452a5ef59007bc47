import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFileRecord } from '../../shared/readers';
import { bytesMatchName } from '../../shared/readers/artifactReader';
import { ctxFor, makeTmp, removeTmp, sha256Hex, snapshotTree, write, writeArtifact } from './tmpWorkspace';
import { skipOutsideCi } from '../skipOutsideCi';

describe('readers: artifacts', () => {
  let root: string;
  beforeEach(() => (root = makeTmp('artifacts')));
  afterEach(() => removeTmp(root));

  it("bytesMatchName hashes a file's bytes again against its name, below, at and above one read's 1 MiB", () => {
    for (const size of [0, 1000, 1024 * 1024 - 1, 1024 * 1024, 3 * 1024 * 1024 + 7]) {
      const bytes = Buffer.alloc(size, size % 251);
      const file = write(path.join(root, 'artifacts', 'blobs', `${sha256Hex(bytes)}.bin`), bytes);
      assert.ok(bytesMatchName(file), `${size} bytes`);
      if (size === 0) continue;
      bytes[size >> 1] ^= 1;
      fs.writeFileSync(file, bytes);
      assert.ok(!bytesMatchName(file), `${size} bytes, one flipped`);
    }
    assert.ok(!bytesMatchName(path.join(root, 'artifacts', 'blobs', `${'0'.repeat(64)}.json`)), 'a file gone');
  });

  it('verifies canonical bytes and copies well-known fields and refs', () => {
    const out = writeArtifact(root, 'outputs', { text: 'done' });
    const req = writeArtifact(root, 'requests', {
      schema: 'provider_request.v1',
      created_at: '2025-01-01T00:00:00Z',
      run_id: 'run-7',
      turn_id: 't1',
      provider: 'openai',
      model: 'gpt-x',
      labels: ['a'],
      sensitivity: 'internal',
      output_ref: `sha256:${out.digest}`,
    });
    const rec = readFileRecord(req.file, 'artifact', ctxFor(root));
    assert.deepEqual(rec.problems, []);
    const a = rec.artifacts![0];
    assert.equal(a.key, `sha256:${req.digest}`);
    assert.equal(a.verification, 'verified');
    assert.equal(a.kind, 'requests');
    assert.equal(a.namespace, 'requests');
    assert.equal(a.size, fs.statSync(req.file).size);
    assert.equal(rec.size, a.size);
    assert.deepEqual(
      [a.schema, a.createdAt, a.runId, a.turnId, a.provider, a.model, a.sensitivity],
      ['provider_request.v1', '2025-01-01T00:00:00Z', 'run-7', 't1', 'openai', 'gpt-x', 'internal'],
    );
    assert.deepEqual(a.labels, ['a']);
    assert.deepEqual(rec.occurrences.map((o) => o.key), [`sha256:${out.digest}`]);
  });

  it('accepts a pretty-printed file whose canonical form hashes to its name, keeping float lexemes', () => {
    // A Python writer hashed `{"p":1.0,...}`: JS would print 1.0 as 1, so only the lexeme-keeping form matches.
    const canonical = '{"b":[1.0,2],"p":1.0}';
    const digest = sha256Hex(canonical);
    const file = write(path.join(root, 'artifacts', 'ns', 'sub', `${digest}.json`), '{\n  "p": 1.0,\n  "b": [1.0, 2]\n}\n');
    const rec = readFileRecord(file, 'artifact', ctxFor(root));
    assert.equal(rec.artifacts![0].verification, 'canonical');
    assert.equal(rec.artifacts![0].namespace, 'ns/sub');
    assert.equal(rec.artifacts![0].kind, 'sub');
    assert.deepEqual(rec.problems, []);
  });

  it('reports a tampered artifact as a mismatch naming both digests', () => {
    const a = writeArtifact(root, 'responses', { text: 'original' });
    fs.writeFileSync(a.file, JSON.stringify({ text: 'tampered' }));
    const rec = readFileRecord(a.file, 'artifact', ctxFor(root));
    const entry = rec.artifacts![0];
    const actual = sha256Hex(fs.readFileSync(a.file));
    assert.equal(entry.verification, 'mismatch');
    assert.equal(entry.actualDigest, actual);
    const p = rec.problems.find((x) => x.code === 'hash-mismatch')!;
    assert.equal(p.severity, 'error');
    assert.ok(p.message.includes(actual) && p.message.includes(a.digest), p.message);
  });

  it('fills run info for capsules: run, mode, time, tool count, refs grouped by section with paths', () => {
    const tmpl = writeArtifact(root, 'prompt_templates', { t: 'hi' });
    const inRef = 'sha256:' + 'a'.repeat(64);
    const outRef = 'sha256:' + 'b'.repeat(64);
    const cap = writeArtifact(root, 'run_capsules', {
      schema: 'run_capsule.v1',
      created_at: '2025-01-02T00:00:00Z',
      run: { run_id: 'run-9', mode: 'live' },
      audit: { audit_head_hash: 'c'.repeat(64) },
      state: { initial_state_hash: 'sha256:' + 'd'.repeat(64) },
      context: { prompt_template_refs: [`prompt_templates/sha256:${tmpl.digest}`] },
      tool_io: [{ tool_id: 'search', input_ref: inRef, output_ref: outRef }],
    });
    const rec = readFileRecord(cap.file, 'artifact', ctxFor(root));
    assert.equal(rec.artifacts![0].runId, 'run-9');
    const run = rec.run!;
    assert.deepEqual([run.type, run.ref, run.runId, run.mode, run.time, run.toolCount], ['capsule', `sha256:${cap.digest}`, 'run-9', 'live', '2025-01-02T00:00:00Z', 1]);
    const groups = Object.fromEntries(run.groups.map((g) => [g.label, g.refs]));
    assert.deepEqual(groups.tool_io, [
      { ref: inRef, path: 'tool_io[0].input_ref' },
      { ref: outRef, path: 'tool_io[0].output_ref' },
    ]);
    assert.deepEqual(groups.context, [{ ref: `prompt_templates/sha256:${tmpl.digest}`, path: 'context.prompt_template_refs[0]' }]);
    assert.deepEqual(groups.audit, [{ ref: 'sha256:' + 'c'.repeat(64), path: 'audit.audit_head_hash' }]);
    assert.ok(groups.state);
  });

  it('fills run info for snapshots', () => {
    const snap = writeArtifact(root, 'snapshots', { created_at: 'T', prompts: { main: 'sha256:' + 'e'.repeat(64) } });
    const run = readFileRecord(snap.file, 'artifact', ctxFor(root)).run!;
    assert.equal(run.type, 'snapshot');
    assert.deepEqual(run.groups, [{ label: 'prompts', refs: [{ ref: 'sha256:' + 'e'.repeat(64), path: 'prompts.main' }] }]);
  });

  it('hashes a 50 MB artifact without parsing it above the cap', function () {
    this.timeout(20000);
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    big.write('{"x":"sha256:' + 'f'.repeat(64) + '"}');
    const digest = sha256Hex(big);
    const file = write(path.join(root, 'artifacts', 'outputs', `${digest}.json`), big);
    const rec = readFileRecord(file, 'artifact', ctxFor(root, { maxParseBytes: 1024 * 1024 }));
    assert.equal(rec.artifacts![0].verification, 'verified');
    assert.equal(rec.size, big.length);
    assert.equal(rec.occurrences.length, 0);
    assert.equal(rec.problems.map((p) => p.code).join(), 'too-large');
    fs.appendFileSync(file, 'x');
    const changed = readFileRecord(file, 'artifact', ctxFor(root, { maxParseBytes: 1024 * 1024 }));
    assert.equal(changed.artifacts![0].verification, 'mismatch');
  });

  describe('bad input: a clear problem, no throw, nothing written', () => {
    let before: string;
    const read = (file: string) => {
      before = snapshotTree(root);
      const rec = readFileRecord(file, 'artifact', ctxFor(root));
      assert.equal(snapshotTree(root), before);
      return rec;
    };

    it('malformed JSON: a problem at the line that broke', () => {
      const text = '{\n  "a": 1,\n  "b": ]\n}';
      const rec = read(write(path.join(root, 'artifacts', 'outputs', `${sha256Hex(text)}.json`), text));
      assert.equal(rec.artifacts![0].verification, 'verified');
      const p = rec.problems.find((x) => x.code === 'malformed')!;
      assert.equal(p.line, 2);
      assert.match(p.message, /not valid JSON/);
    });

    it('a byte order mark before the JSON is tolerated', () => {
      const text = '\uFEFF{"run_id":"r1"}';
      const rec = read(write(path.join(root, 'artifacts', 'outputs', `${sha256Hex(text)}.json`), text));
      assert.deepEqual([rec.problems, rec.artifacts![0].runId], [[], 'r1']);
    });

    it('a binary file named .json', () => {
      const bytes = Buffer.from([0x7b, 0x00, 0xff, 0x01, 0x7d]);
      const rec = read(write(path.join(root, 'artifacts', 'outputs', `${sha256Hex(bytes)}.json`), bytes));
      assert.equal(rec.artifacts![0].verification, 'verified');
      assert.match(rec.problems[0].message, /binary content/);
    });

    it('100k-deep nesting', () => {
      const text = '['.repeat(100_000) + ']'.repeat(100_000);
      const file = write(path.join(root, 'artifacts', 'outputs', `${'1'.repeat(64)}.json`), text);
      const rec = read(file);
      assert.equal(rec.artifacts![0].verification, 'mismatch');
      assert.ok(rec.problems.some((p) => p.code === 'hash-mismatch'));
      // Its canonical form is itself, so a correctly named copy is verified outright.
      const named = write(path.join(root, 'artifacts', 'outputs', `${sha256Hex(text)}.json`), ' ' + text);
      assert.equal(read(named).artifacts![0].verification, 'canonical');
    });

    it('invalid UTF-8', () => {
      const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const rec = read(write(path.join(root, 'artifacts', 'outputs', `${sha256Hex(bytes)}.json`), bytes));
      assert.equal(rec.artifacts![0].verification, 'verified');
      assert.ok(rec.problems.some((p) => /not valid UTF-8/.test(p.message)));
    });

    it('an empty file', () => {
      const rec = read(write(path.join(root, 'artifacts', 'outputs', `${sha256Hex('')}.json`), ''));
      assert.equal(rec.artifacts![0].verification, 'verified');
      assert.match(rec.problems.find((p) => p.code === 'malformed')!.message, /empty/);
    });

    it('an unreadable file (a directory named like an artifact)', () => {
      const dir = path.join(root, 'artifacts', 'outputs', `${'2'.repeat(64)}.json`);
      fs.mkdirSync(dir, { recursive: true });
      const rec = read(dir);
      assert.equal(rec.artifacts, undefined);
      assert.equal(rec.problems[0].code, 'unreadable');
      assert.match(rec.problems[0].message, /not a regular file/);
    });

    it('an unreadable file (permission denied), read as an unprivileged user', () => {
      const a = writeArtifact(root, 'outputs', { a: 1 });
      fs.chmodSync(a.file, 0o000);
      const problems = process.getuid?.() === 0 ? readAsNobody(root, a.file) : read(a.file).problems;
      assert.equal(problems[0].code, 'unreadable');
      assert.match(problems[0].message, /permission denied/);
    });

    it('a FIFO named like an artifact does not hang the reader', function () {
      const fifo = path.join(root, 'artifacts', 'outputs', `${'4'.repeat(64)}.json`);
      fs.mkdirSync(path.dirname(fifo), { recursive: true });
      if (spawnSync('mkfifo', [fifo]).status !== 0) skipOutsideCi(this, 'mkfifo is not available here');
      const rec = read(fifo);
      assert.match(rec.problems[0].message, /not a regular file/);
    });

    it('a file that vanished before it was read', () => {
      const rec = readFileRecord(path.join(root, 'artifacts', 'outputs', `${'3'.repeat(64)}.json`), 'artifact', ctxFor(root));
      assert.match(rec.problems[0].message, /gone/);
    });

    it('a symlinked artifact is not followed', () => {
      const target = write(path.join(root, 'outside.json'), '{}');
      const link = path.join(root, 'artifacts', 'outputs', `${sha256Hex('{}')}.json`);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(target, link);
      const rec = read(link);
      assert.match(rec.problems[0].message, /symbolic link/);
    });
  });
});

/**
 * Root reads through chmod 000 (CI runs as root), so the reader runs in a child process as
 * `nobody`, with the folders above the file opened for it to reach the file.
 */
function readAsNobody(root: string, file: string): { code: string; message: string }[] {
  for (let dir = path.dirname(file); dir.startsWith(root); dir = path.dirname(dir)) fs.chmodSync(dir, 0o755);
  const readers = path.join(__dirname, '..', '..', 'shared', 'readers');
  const script = `const { readFileRecord } = require(${JSON.stringify(readers)});
    const rec = readFileRecord(${JSON.stringify(file)}, 'artifact', { root: ${JSON.stringify(root)}, maxParseBytes: 8 << 20 });
    process.stdout.write(JSON.stringify(rec.problems));`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code: string; message: string }[];
}
