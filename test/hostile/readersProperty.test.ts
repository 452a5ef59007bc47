// Every reader takes whatever bytes a file holds (CONTRACT 1: a malformed file yields a
// diagnostic and never stops indexing): random bytes, random JSON and random JSON lines fed
// to the reader of every role never throw, and a file that vanishes between discovery and
// read becomes a problem while the rest of the index answers.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { FileRole } from '../../shared/records';
import { initReaders, readFileRecord } from '../../shared/readers';
import { createIndex } from '../../shared/index/workspaceIndex';

const ROLES: FileRole[] = ['artifact', 'sidecar', 'fileStoreBlob', 'auditLog', 'ledger', 'eventsJsonl', 'otlpLog', 'sqlite', 'runState', 'snapshotFile', 'manifest', 'blob', 'partial', 'text'];
/** A name each role's reader would meet (a manifest under models/, a sidecar's .meta...). */
const NAMES: Record<FileRole, string> = {
  artifact: `artifacts/outputs/${'a'.repeat(64)}.json`,
  sidecar: 'artifacts/x.meta',
  fileStoreBlob: 'artifacts/x.bin',
  auditLog: 'logs/audit.jsonl',
  ledger: 'ledger_r.jsonl',
  eventsJsonl: 'events.jsonl',
  otlpLog: 'traces.otlp.jsonl',
  sqlite: 'events.db',
  runState: 'run_r.json',
  snapshotFile: 'snapshot_r.json',
  manifest: 'state/models/m.json',
  blob: `state/models/by-hash/${'b'.repeat(64)}.bin`,
  partial: 'state/models/m.part',
  text: 'notes.md',
};

describe('hostile inputs: every reader, any bytes', function () {
  this.timeout(120000);
  let dir: string;
  before(async () => {
    await initReaders();
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-readers-prop-')));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const readAs = (role: FileRole, content: Buffer | string) => {
    const file = path.join(dir, NAMES[role]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    const rec = readFileRecord(file, role, { root: dir, maxParseBytes: 1 << 20, verifyBlobs: true });
    assert.equal(rec.path, file);
    assert.ok(Array.isArray(rec.problems) && Array.isArray(rec.occurrences));
    for (const p of rec.problems) assert.ok(p.message.length > 0 && !/^\s*at /m.test(p.message), p.message);
    return rec;
  };

  for (const role of ROLES) {
    it(`${role}: random bytes, random JSON and random JSON lines never throw`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => void readAs(role, Buffer.from(bytes))), { numRuns: 60 });
      fc.assert(fc.property(fc.jsonValue(), (value) => void readAs(role, JSON.stringify(value) ?? 'null')), { numRuns: 60 });
      fc.assert(fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), (values) => void readAs(role, values.map((v) => JSON.stringify(v)).join('\n'))), { numRuns: 40 });
      // Digests in random places: refs next to random keys and values.
      const ref = fc.constantFrom(`sha256:${'c'.repeat(64)}`, 'c'.repeat(64), `ns/../sha256:${'c'.repeat(64)}`, `blake3:${'d'.repeat(64)}`, 'sha256:cccccccc');
      fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(ref, fc.string(), fc.array(ref, { maxLength: 3 }))), (obj) => void readAs(role, JSON.stringify(obj))), { numRuns: 60 });
    });
  }

  it('a file that is gone when its reader comes is a problem, for every role', () => {
    for (const role of ROLES) {
      const file = path.join(dir, 'gone', NAMES[role]);
      const rec = readFileRecord(file, role, { root: dir, maxParseBytes: 1 << 20 });
      assert.equal(rec.path, file);
      // Blobs and partial downloads are only stat'ed (a .part may be gone mid-download): absent, the record is empty.
      if (!['fileStoreBlob', 'blob', 'partial'].includes(role)) assert.ok(rec.problems.some((p) => p.code === 'unreadable'), `${role}: ${JSON.stringify(rec.problems)}`);
    }
  });

  it('a file deleted between discovery and its read: the index says so and answers for the rest', async () => {
    const ws = path.join(dir, 'vanishing');
    const hexes: string[] = [];
    for (let i = 0; i < 600; i++) {
      const body = JSON.stringify({ i, note: 'kept' });
      const hex = crypto.createHash('sha256').update(body).digest('hex');
      hexes.push(hex);
      fs.mkdirSync(path.join(ws, 'runtime', 'artifacts', 'outputs'), { recursive: true });
      fs.writeFileSync(path.join(ws, 'runtime', 'artifacts', 'outputs', `${hex}.json`), body);
    }
    const victims = hexes.map((h) => path.join(ws, 'runtime', 'artifacts', 'outputs', `${h}.json`));
    let deleted = 0;
    const index = createIndex({
      folders: [ws],
      // The first progress report comes after discovery listed every file and before the last batches are read.
      onProgress: (_done, total) => {
        if (total === 0 || deleted > 0) return;
        for (const v of victims.slice(300)) {
          fs.rmSync(v);
          deleted++;
        }
      },
    });
    try {
      const stats = await index.build();
      assert.ok(deleted > 0);
      const problems = index.problems();
      // Each file is either indexed (read before it went) or a problem; none is lost, none stops the rest.
      assert.equal(stats.artifacts + problems.length, 600);
      assert.ok(problems.length > 0);
      assert.equal((index.resolve(`sha256:${hexes[0]}`) as { kind?: string }).kind, 'outputs');
      assert.ok(problems.length > 0 && problems.every((p) => p.code === 'unreadable' && /no such file|not found|gone|ENOENT/i.test(p.message)), JSON.stringify(problems.slice(0, 3)));
    } finally {
      await index.close();
    }
  });
});
