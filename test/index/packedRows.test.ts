// A log read with its rows packed (ReadContext `packRows`, what the index asks for) on real
// files: the record keeps no Occurrence or EventEntry object, and the store holds exactly what
// it holds of the same log read as objects (every field of every row, the lookups, the counts),
// with the same resume point, so an appended log resumes as before. So does a log or event
// store a worker read (a CLI index: logReads.ts), its rows crossing threads packed.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRecord, FileRole } from '../../shared/records';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { LogReads } from '../../shared/index/logReads';
import { fromWire, PackedRows } from '../../shared/index/packedRows';
import { SPILL_ROWS } from '../../shared/index/spilledRows';
import { WINDOW_ROWS } from '../../shared/index/placedRows';
import { initReaders, readFileRecord } from '../../shared/readers';
import { Workspace } from './fixture';
import { readAll, type ReadOptions } from './readAll';

const MAX_PARSE = 16 * 1024 * 1024;

describe('index: a log read with its rows packed', () => {
  let ws: Workspace;
  before(() => initReaders());
  beforeEach(() => (ws = new Workspace('refscope-packed-')));
  afterEach(() => ws.remove());

  const hex = (c: string) => c.repeat(64);
  /** Lines with every kind of row field: forms, namespaces, an invalid ref, roles, text and ISO times, summaries, deletions, envelopes. */
  const events = [
    { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z', model: 'm1', status: 'ok' },
    { event_type: 'tool_called', run_id: 'r1', ts: 'yesterday at noon', artifact_ref: `sha256:${hex('a')}`, note: `see prompt_templates/sha256:${hex('b')} and sha256:${hex('c').toUpperCase()}` },
    { event_type: 'artifact.deleted', run_id: 'r1', artifact_ref: `sha256:${hex('a')}`, duration_ms: 12 },
    { run_id: 'r2', seq: 7, ts: '2024-05-01T10:00:01.5Z', event: { event_type: 'step', output_ref: `sha256:${hex('d')}`, input_hash: hex('e') } },
    { event_type: 'mention', text: `short sha256:abcdef12, bad ../sha256:${hex('f')}, blake3:${hex('1')}`, parent_hashes: [`sha256:${hex('2')}`] },
  ];

  function read(p: string, role: FileRole, packRows: boolean): FileRecord {
    return readFileRecord(p, role, { root: ws.dir, maxParseBytes: MAX_PARSE, packRows });
  }

  /** Reads `p` both ways, holds each in a store of its own, and compares what the stores answer with the objects. */
  function sameBothWays(p: string, role: FileRole, keys: string[], packed = read(p, role, true)): void {
    const objects = read(p, role, false);
    assert.ok(packed.rows, 'the rows are packed');
    assert.deepEqual([packed.occurrences.length, packed.events?.length ?? 0], [0, 0], 'no object is kept per ref or event');
    assert.ok((role === 'sqlite' || objects.occurrences.length > 5) && objects.events!.length >= events.length, 'the log has rows to compare');
    assert.deepEqual(packed.resume, objects.resume, 'the same resume point');
    assert.deepEqual(packed.problems, objects.problems);
    const occurrences = [...objects.occurrences];
    const entries = [...objects.events!];
    const a = new MemoryIndex();
    const b = new MemoryIndex();
    a.set(p, { record: packed, root: ws.dir });
    b.set(p, { record: objects, root: ws.dir });
    assert.deepEqual(a.occurrencesIn(p), occurrences, 'every occurrence as the reader made it');
    assert.deepEqual(a.eventsIn(p), entries, 'every event as the reader made it');
    assert.deepEqual(a.counts(), b.counts());
    assert.deepEqual(a.abbreviatedOccurrences(), b.abbreviatedOccurrences());
    for (const key of keys) {
      assert.deepEqual(a.occurrencesOf(key), b.occurrencesOf(key), `places of ${key}`);
      assert.deepEqual(a.eventsWithRef(key), b.eventsWithRef(key), `events naming ${key}`);
      assert.deepEqual(a.deletionsOf(key), b.deletionsOf(key), `deletions of ${key}`);
    }
    for (const e of entries) if (e.hash) assert.deepEqual(a.eventByKey(e.hash), b.eventByKey(e.hash), 'an event by its record hash');
    assert.deepEqual(a.eventsOfRun('r1'), b.eventsOfRun('r1'));
    assert.deepEqual(a.eventsOfRun('r2'), b.eventsOfRun('r2'));
  }

  const readWorker = path.join(__dirname, '..', '..', 'shared', 'index', 'readWorker.js');
  /** Where no worker reads records, the artifacts' bytes read ahead (a CLI index). */
  const bytesAhead: ReadOptions = { workers: 0, prefetch: true };
  /** Records read by workers (the language server). */
  const recordWorkers: ReadOptions = { workers: 1 };

  /** `p` read whole by the log worker of a read that hands records to the store, after an artifact. */
  async function readInWorker(p: string, role: FileRole, reading = bytesAhead, workerFile = readWorker): Promise<FileRecord> {
    const artifact = ws.artifact('runtime', 'requests', { see: `sha256:${hex('a')}` });
    const jobs = [{ path: ws.p(`runtime/artifacts/requests/${artifact}.json`), role: 'artifact' as const, root: ws.p('runtime') }, { path: p, role, root: ws.dir }];
    const { records } = await readAll(jobs, { maxParseBytes: MAX_PARSE, minPoolFiles: 0, packRows: true, workerFile, ...reading });
    assert.deepEqual([records[0].role, records[0].problems], ['artifact', []], 'the artifact read beside it');
    return records[1];
  }

  const keys = ['a', 'b', 'c', 'd', 'e', '2'].map((c) => `sha256:${hex(c)}`).concat(`blake3:${hex('1')}`);

  it('audit log (chained, with a malformed line and a line still being written): held as the objects would be', () => {
    const rel = 'runtime/logs/audit.jsonl';
    ws.auditLog(rel, events);
    fs.appendFileSync(ws.p(rel), `{not json sha256:${hex('a')}\n{"event": {"event_type": "half", "ref": "sha256:${hex('b')}"`);
    sameBothWays(ws.p(rel), 'auditLog', keys);
  });

  it('plain JSONL events: held as the objects would be', () => {
    const rel = ws.write('runtime/r1.events.jsonl', events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    sameBothWays(rel, 'eventsJsonl', keys);
  });

  it('an event store (its events packed as they are read, not held as objects to the end): held as the objects would be', async () => {
    const rel = 'runtime/events.db';
    await ws.sqliteEvents(rel, events.map((e, i) => ({ type: e.event_type ?? 'step', payload: e, at: `2024-05-01T10:00:0${i}Z` })));
    const packed = read(ws.p(rel), 'sqlite', true);
    assert.ok(packed.rows instanceof PackedRows, 'packed by the reader itself');
    sameBothWays(ws.p(rel), 'sqlite', keys, packed);
  });

  for (const [reading, name] of [[bytesAhead, 'artifact bytes read ahead (the CLI)'], [recordWorkers, 'records read by workers (the server)']] as const) {
    it(`a log and an event store read in a worker, ${name}: held as the objects would be`, async function () {
      this.timeout(30000); // worker starts on a loaded machine
      const rel = 'runtime/logs/audit.jsonl';
      ws.auditLog(rel, events);
      fs.appendFileSync(ws.p(rel), `{not json sha256:${hex('a')}\n`);
      const log = await readInWorker(ws.p(rel), 'auditLog', reading);
      assert.ok(log.rows && !(log.rows instanceof PackedRows), 'the rows came from the worker');
      sameBothWays(ws.p(rel), 'auditLog', keys, log);
      const store = ws.p('runtime/events.db');
      await ws.sqliteEvents('runtime/events.db', events.map((e, i) => ({ type: e.event_type ?? 'step', payload: e, at: `2024-05-01T10:00:0${i}Z` })));
      sameBothWays(store, 'sqlite', keys, await readInWorker(store, 'sqlite', reading));
      // A worker that dies owes nothing: the log is read in the calling thread.
      const dying = ws.write('dying-worker.js', "require('node:worker_threads').parentPort.on('message', () => process.exit(3));\n");
      const here = await readInWorker(ws.p(rel), 'auditLog', reading, dying);
      assert.ok(here.rows instanceof PackedRows, 'read in the calling thread');
      sameBothWays(ws.p(rel), 'auditLog', keys, here);
    });
  }

  it('the log worker ends once it has answered every log, before they are taken (its heap is not kept to the end of the read)', async function () {
    if (!fs.existsSync('/proc/self/task')) this.skip(); // threads counted as Linux lists them
    this.timeout(30000);
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const before = threads();
    const jobs = ['a', 'b'].map((n) => {
      const rel = `runtime-${n}/logs/audit.jsonl`;
      ws.auditLog(rel, events);
      return { path: ws.p(rel), role: 'auditLog' as const, root: ws.dir };
    });
    const reads = LogReads.start(path.join(__dirname, '..', '..', 'shared', 'index', 'readWorker.js'), jobs, MAX_PARSE, undefined)!;
    try {
      assert.equal(threads(), before + 1, 'its thread');
      for (const deadline = Date.now() + 10000; threads() > before; ) {
        assert.ok(Date.now() < deadline, 'the worker ended without its records being taken');
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const job of jobs) {
        const record = await reads.take(job)!;
        assert.ok(record?.rows && !(record.rows instanceof PackedRows), 'read in the worker');
        sameBothWays(job.path, 'auditLog', keys, record);
      }
    } finally {
      await reads.close();
    }
  });

  it('an event store and the logs are read in one worker, the store last, whose last record comes once it has ended', async function () {
    if (!fs.existsSync('/proc/self/task')) this.skip(); // threads counted as Linux lists them
    this.timeout(30000);
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const before = threads();
    const rel = 'runtime/logs/audit.jsonl';
    ws.auditLog(rel, events);
    await ws.sqliteEvents('runtime/events.db', events.map((e, i) => ({ type: e.event_type ?? 'step', payload: e, at: `2024-05-01T10:00:0${i}Z` })));
    // The store listed before the log, as a listing may have it.
    const jobs = [
      { path: ws.p('runtime/events.db'), role: 'sqlite' as const, root: ws.dir },
      { path: ws.p(rel), role: 'auditLog' as const, root: ws.dir },
    ];
    const reads = LogReads.start(path.join(__dirname, '..', '..', 'shared', 'index', 'readWorker.js'), jobs, MAX_PARSE, undefined)!;
    try {
      assert.equal(threads(), before + 1, 'one thread for the store and the log');
      const answered: string[] = [];
      const threadsWhenAnswered: number[] = [];
      const records = await Promise.all(jobs.map((job) => reads.take(job)!.then((record) => {
        answered.push(job.role);
        threadsWhenAnswered.push(threads());
        return record;
      })));
      assert.deepEqual(answered, ['auditLog', 'sqlite'], 'the store is read last');
      assert.equal(threadsWhenAnswered[1], before, 'the worker has ended when its last record is handed over');
      jobs.forEach((job, i) => {
        assert.ok(records[i]?.rows && !(records[i]!.rows instanceof PackedRows), 'read in the worker');
        sameBothWays(job.path, job.role, keys, records[i]);
      });
    } finally {
      await reads.close();
    }
  });

  it('a big log\'s rows written out by the log worker (a folder given) are held as the objects would be, appended a window at a time, and leave nothing behind', async function () {
    this.timeout(60000);
    const rel = 'runtime/logs/audit.jsonl';
    // More refs than a window holds (placedRows.ts WINDOW_ROWS), so that they come in several, and every kind of row field.
    const many = Array.from({ length: 30000 }, (_, i) => ({ ...events[i % events.length], seq: i }));
    ws.auditLog(rel, many);
    const job = { path: ws.p(rel), role: 'auditLog' as const, root: ws.dir };
    const spillDir = ws.p('cache/of/index');
    /** The rows files this process holds open in `spillDir`, each unlinked as soon as it was opened (Linux lists them so). */
    const spills = () => {
      const targets: string[] = [];
      for (const fd of fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd') : []) {
        try {
          targets.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
        } catch {
          // the listing's own descriptor, closed by now
        }
      }
      return targets.filter((t) => t.startsWith(spillDir));
    };
    const reads = LogReads.start(readWorker, [job], MAX_PARSE, undefined, spillDir)!;
    try {
      const record = await reads.take(job)!;
      assert.ok(record?.rows && !(record.rows instanceof PackedRows), 'read in the worker');
      assert.deepEqual(fs.readdirSync(spillDir), [], 'the folder made, its rows file unlinked at once');
      if (fs.existsSync('/proc/self/fd')) assert.match(spills().join(), /rows-[0-9a-f]+\.tmp \(deleted\)/, 'the rows are in a file, not posted');
      assert.ok(record.rows.occurrenceCount > WINDOW_ROWS, 'refs in more than one window');
      sameBothWays(job.path, 'auditLog', keys, record);
    } finally {
      await reads.close();
    }
    assert.deepEqual(spills(), [], 'the file closed with the reads');
  });

  it('a log with more rows than a window, written out a window at a time as it is read (its worker holds no more), lands as the objects would be, and so does one whose file could not take them', function () {
    this.timeout(60000);
    const rel = 'runtime/logs/audit.jsonl';
    // Two windows and a part of one (five rows an event), with every kind of row field (and rows of extras and text times) in each.
    const many = Array.from({ length: 28000 }, (_, i) => ({ ...events[i % events.length], seq: i }));
    ws.auditLog(rel, many);
    const p = ws.p(rel);
    /** `p` read with its rows written to `file` (opened with `flags`), crossed as a log worker posts them. */
    const readSpilled = (file: string, flags: string) => {
      const fd = fs.openSync(file, flags);
      const packed = readFileRecord(p, 'auditLog', { root: ws.dir, maxParseBytes: MAX_PARSE, packRows: true, spillFd: fd }).rows as PackedRows;
      const wire = packed.toSpilled()!;
      /** A record holding the rows as the calling thread gets them (each record once: a store takes its lists). */
      const record = () => ({ ...read(p, 'auditLog', true), rows: fromWire(structuredClone(wire)) });
      return { fd, chunks: wire.spilled.chunks, record };
    };
    const written = readSpilled(ws.p('rows.tmp'), 'w+');
    const held = readSpilled(ws.write('rows-read-only.tmp', ''), 'r');
    try {
      const whole = read(p, 'auditLog', true).rows as PackedRows;
      const rows = whole.occurrenceCount + whole.eventCount;
      assert.ok(rows > 2 * SPILL_ROWS && rows % SPILL_ROWS !== 0, `${rows} rows`);
      assert.equal(written.chunks.length, Math.ceil(rows / SPILL_ROWS), 'a chunk per window of rows');
      assert.ok(written.chunks.every((c) => c.held === undefined && c.occCount + c.evCount <= SPILL_ROWS + 10), 'each in the file, about a window each');
      // The last column's padding to 8 bytes is not written.
      assert.equal(Math.ceil(fs.statSync(ws.p('rows.tmp')).size / 8) * 8, written.chunks.at(-1)!.at + written.chunks.at(-1)!.bytes, 'one after another');
      assert.ok(held.chunks.every((c) => c.held !== undefined), 'the read-only file took none: each chunk holds its bytes');
      sameBothWays(p, 'auditLog', keys, written.record());
      sameBothWays(p, 'auditLog', keys, held.record());
      const posted = { ...read(p, 'auditLog', true), rows: fromWire(whole.toWire()) };
      const stores = [written.record(), posted].map((record) => {
        const store = new MemoryIndex();
        store.set(p, { record, root: ws.dir });
        return store;
      });
      assert.deepEqual(stores[0].occurrencesIn(p), stores[1].occurrencesIn(p), 'the same refs as the log posted whole');
      assert.deepEqual(stores[0].eventsIn(p), stores[1].eventsIn(p), 'the same events as the log posted whole');
    } finally {
      fs.closeSync(written.fd);
      fs.closeSync(held.fd);
    }
  });

  it('a packed log tells the store how many keys its rows may bring (its distinct strings, not one a row), read here or in a worker', async function () {
    this.timeout(30000); // worker start on a loaded machine
    // 3000 events naming three digests and one run: rows by the thousand, keys by the handful.
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ event_type: 'step', run_id: 'r1', artifact_ref: `sha256:${hex('abc'[i % 3])}` }));
    const rel = ws.write('runtime/r1.events.jsonl', lines.join('\n') + '\n');
    for (const record of [read(rel, 'eventsJsonl', true), await readInWorker(rel, 'eventsJsonl')]) {
      const rows = record.rows!;
      assert.ok(rows.occurrenceCount + rows.eventCount >= 6000, 'a row per ref and per event');
      const store = new MemoryIndex();
      const before = store.tableSizes().keys;
      store.set(rel, { record, root: ws.dir });
      const added = store.tableSizes().keys - before;
      assert.ok(added >= 4 && added <= rows.keyCount, `${added} keys added, ${rows.keyCount} told`);
      assert.ok(rows.keyCount <= 10, `${rows.keyCount} keys told`);
    }
  });

  it('a log read from where it stopped (a tail read) keeps objects, for the store to extend the log with', () => {
    const rel = 'runtime/logs/audit.jsonl';
    const hashes = ws.auditLog(rel, events.slice(0, 2));
    const first = read(ws.p(rel), 'auditLog', true);
    ws.appendAudit(rel, hashes[1], events.slice(2));
    const tail = readFileRecord(ws.p(rel), 'auditLog', { root: ws.dir, maxParseBytes: MAX_PARSE, packRows: true, previous: first, tailOnly: true });
    assert.deepEqual(tail.tailOf, { events: 2, occurrences: (first.rows as PackedRows).occurrenceCount, problems: 0 });
    assert.equal(tail.rows, undefined);
    assert.equal(tail.events?.length, events.length - 2);
    const store = new MemoryIndex();
    store.set(ws.p(rel), { record: first, root: ws.dir });
    assert.ok(store.extend(ws.p(rel), tail));
    const whole = read(ws.p(rel), 'auditLog', false);
    assert.deepEqual(store.eventsIn(ws.p(rel)), whole.events);
    assert.deepEqual(store.occurrencesIn(ws.p(rel)), whole.occurrences);
  });
});
