import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { blake3 } from 'hash-wasm';
import { initReaders, readFileRecord } from '../../shared/readers';
import { ctxFor, makeTmp, removeTmp, snapshotTree, write } from './tmpWorkspace';

const OUT = 'sha256:' + 'b'.repeat(64);

interface Row {
  type: string;
  payload: string;
  digest?: Uint8Array | null;
  subject?: [string, string];
}

async function eventStore(SQL: SqlJsStatic, file: string, rows: Row[]): Promise<void> {
  const db = new SQL.Database();
  db.run(`CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_type TEXT, subject_kind TEXT, subject_id TEXT,
    actor TEXT, payload TEXT, payload_digest BLOB, created_at TEXT)`);
  for (const [i, r] of rows.entries()) {
    const digest = r.digest !== undefined ? r.digest : Buffer.from(await blake3(Buffer.from(r.payload, 'utf8')), 'hex');
    db.run('INSERT INTO events (event_type, subject_kind, subject_id, actor, payload, payload_digest, created_at) VALUES (?,?,?,?,?,?,?)', [
      r.type,
      r.subject?.[0] ?? 'package',
      r.subject?.[1] ?? `p${i}`,
      'svc',
      r.payload,
      digest,
      `2025-01-01 00:00:0${i}`,
    ]);
  }
  write(file, Buffer.from(db.export()));
  db.close();
}

describe('readers: SQLite event stores', () => {
  let root: string;
  let SQL: SqlJsStatic;
  before(async () => {
    await initReaders();
    SQL = await initSqlJs();
  });
  beforeEach(() => (root = makeTmp('sqlite')));
  afterEach(() => removeTmp(root));

  it('reads events with subject, actor, time, BLAKE3 payload digests and payload refs', async () => {
    const file = path.join(root, 'store.sqlite3');
    const payload = JSON.stringify({ run_id: 'run-3', output: { artifact_ref: OUT }, note: 'é' });
    await eventStore(SQL, file, [
      { type: 'v1.package.created', payload },
      { type: 'v1.package.finalized', payload: '{"manifest_digest":"' + 'c'.repeat(64) + '"}', subject: ['run', 'run-4'] },
    ]);
    const before = snapshotTree(root);
    const rec = readFileRecord(file, 'sqlite', ctxFor(root));
    assert.equal(snapshotTree(root), before);
    assert.deepEqual(rec.problems, []);
    const [a, b] = rec.events!;
    assert.deepEqual([a.source, a.sequence, a.eventType, a.subject, a.actor, a.time, a.runId, a.verified], ['sqlite', 1, 'v1.package.created', 'package:p0', 'svc', '2025-01-01 00:00:00', 'run-3', true]);
    assert.equal(a.payloadDigest, await blake3(Buffer.from(payload, 'utf8')));
    assert.deepEqual(a.refs, [{ key: OUT, field: 'payload.output.artifact_ref' }]);
    assert.deepEqual(b.refs, [{ key: 'sha256:' + 'c'.repeat(64), field: 'payload.manifest_digest', role: 'fingerprint' }]);
    assert.equal(b.runId, 'run-4');
  });

  it('reports a payload whose digest is not its BLAKE3, by sequence', async () => {
    const file = path.join(root, 'events.db');
    await eventStore(SQL, file, [
      { type: 'a', payload: '{"x":1}' },
      { type: 'b', payload: '{"x":2}', digest: new Uint8Array(32).fill(7) },
      { type: 'c', payload: '{"x":3}', digest: null },
    ]);
    const rec = readFileRecord(file, 'sqlite', ctxFor(root));
    assert.deepEqual(rec.problems.map((p) => [p.code, p.sequence]), [['digest-mismatch', 2], ['digest-mismatch', 3]]);
    assert.match(rec.problems[0].message, /0707070707/);
    assert.match(rec.problems[0].message, new RegExp(await blake3('{"x":2}')));
    assert.deepEqual(rec.events!.map((e) => e.verified), [true, false, false]);
  });

  it('a database without an events table (a file-store catalog) yields no events and no problem', () => {
    const db = new SQL.Database();
    db.run('CREATE TABLE artifacts (artifact_id TEXT PRIMARY KEY, run_id TEXT); CREATE TABLE event_log (x)');
    const file = write(path.join(root, 'artifacts', 'artifact_catalog.sqlite3'), Buffer.from(db.export()));
    db.close();
    const rec = readFileRecord(file, 'sqlite', ctxFor(root));
    assert.deepEqual([rec.events, rec.problems], [undefined, []]);
  });

  describe('bad input', () => {
    it('a file that is not SQLite', () => {
      const rec = readFileRecord(write(path.join(root, 'x.db'), 'hello, not a database'), 'sqlite', ctxFor(root));
      assert.equal(rec.problems[0].code, 'unreadable');
      assert.match(rec.problems[0].message, /not a SQLite database/);
    });

    it('a corrupt SQLite file (valid header, garbage pages)', async () => {
      const file = path.join(root, 'corrupt.sqlite');
      await eventStore(SQL, file, [{ type: 'a', payload: '{}' }]);
      const bytes = fs.readFileSync(file);
      bytes.fill(0xa5, 100);
      fs.writeFileSync(file, bytes);
      const before = snapshotTree(root);
      const rec = readFileRecord(file, 'sqlite', ctxFor(root));
      assert.equal(snapshotTree(root), before);
      assert.equal(rec.problems[0].code, 'unreadable');
      assert.match(rec.problems[0].message, /cannot read the SQLite database/);
    });

    it('an empty file', () => {
      const rec = readFileRecord(write(path.join(root, 'empty.sqlite3'), ''), 'sqlite', ctxFor(root));
      assert.match(rec.problems[0].message, /empty/);
    });
  });
});
