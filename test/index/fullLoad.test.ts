// A full load of the saved index (the language server's warm start) sizes the row columns once
// from the summary's counts instead of growing them by doubling (issue 9: at 1M events, seconds
// of copies and the load's peak). The counts only size room: a summary whose counts are wrong
// still loads every row and artifact.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventEntry, FileRecord, Occurrence } from '../../shared/records';
import { initReaders } from '../../shared/readers';
import { EventRows } from '../../shared/index/eventColumns';
import { ByteWriter } from '../../shared/index/byteCodec';
import { MemoryIndex, type StoredFile } from '../../shared/index/memoryIndex';
import type { KeySink } from '../../shared/index/keyIndex';
import { BUCKETS, bucketOf, loadRecords, saveCache, type SavedCounts } from '../../shared/index/persist';
import { KEPT_BUFFER_BYTES, RecordsReader } from '../../shared/index/recordsFile';
import { StringTable } from '../../shared/index/stringTable';
import { artifactRecord, digestOf as digest } from './fixture';

const ROOT = '/ws/runtime';
const OPTIONS = 'full-load-test';

/** A log of `rows` events, each naming `refs` digests and carrying a summary, with an occurrence per ref. */
function log(file: string, rows: number, refs: number): FileRecord {
  const events: EventEntry[] = [];
  const occurrences: Occurrence[] = [];
  for (let i = 0; i < rows; i++) {
    const keys = Array.from({ length: refs }, (_, k) => `sha256:${digest(i * refs + k)}`);
    events.push({ source: 'audit', file, line: i, eventType: 'provider_request_written', runId: `run-${i % 7}`, refs: keys.map((key) => ({ key, field: 'artifact_ref' })), summary: { n: i, model: 'm' } });
    keys.forEach((key) => occurrences.push({ line: i, col: 20, endCol: 20 + key.length, form: 'canonical', key, text: key }));
  }
  return { path: file, size: rows * 100, mtimeMs: 1, role: 'auditLog', events, occurrences, problems: [] };
}

describe('index full load', function () {
  this.timeout(60000);
  let dir: string;
  before(initReaders);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-full-load-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('grows the row columns of a load that expects its rows once, and its refs and summary bytes at most twice', () => {
    const rows = new EventRows();
    rows.expect(20_000);
    const file = rows.file;
    const refKeys = new Set([rows.refKey]);
    const summaries = new Set([rows.summaryBytes]);
    const strings = new StringTable();
    const names = new StringTable();
    const summary = new ByteWriter(64);
    for (const e of log('/ws/runtime/a.jsonl', 20_000, 3).events!) {
      rows.reserveFor([e]);
      rows.push(e, strings, names, summary);
      refKeys.add(rows.refKey);
      summaries.add(rows.summaryBytes);
    }
    assert.equal(rows.file, file, 'the row columns were sized once, by expect');
    // The first rows' room (before any row says how many refs a row has), then room for all at their share.
    assert.ok(refKeys.size <= 3, `the ref columns grew ${refKeys.size - 1} times`);
    assert.ok(summaries.size <= 3, `the summary bytes grew ${summaries.size - 1} times`);
    rows.trim();
    assert.equal(rows.file, file, 'trim leaves columns with a tenth to spare as they are');
  });

  /** Saves `files` (held in a store) with the summary's counts scaled by `scale`; returns the store and the records file's name. */
  async function save(files: FileRecord[], scale = 1): Promise<{ store: MemoryIndex; records: string }> {
    const store = new MemoryIndex();
    for (const f of files) store.set(f.path, { record: structuredClone(f), root: ROOT });
    const c = store.counts();
    const counts: SavedCounts = { artifacts: Math.round(c.artifacts * scale), refs: Math.round(c.refs * scale), dangling: 0, events: Math.round(c.events * scale), blobs: 0, problems: 0 };
    const source = { derivedOf: () => [], keysOf: (f: StoredFile, into: KeySink) => store.keysAnsweredBy(f, into), rows: store.rowColumns };
    const table = [...store.files].map(([p, f]) => ({ path: p, size: f.record.size, mtimeMs: f.record.mtimeMs, role: f.record.role, root: ROOT }));
    const records = await saveCache(dir, OPTIONS, store.files, new Set(Array.from({ length: BUCKETS }, (_, b) => b)), counts, source, table, async () => undefined);
    return { store, records };
  }

  /** A full load of what save() saved holds every file's rows and artifacts as `store` does. */
  function assertLoadsAsHeld(files: FileRecord[], store: MemoryIndex): void {
    const loaded = new MemoryIndex();
    assert.equal(loadRecords(dir, OPTIONS, loaded).files, files.length);
    loaded.settle();
    for (const f of files) {
      assert.deepEqual(loaded.eventsIn(f.path), store.eventsIn(f.path), f.path);
      assert.deepEqual(loaded.occurrencesIn(f.path), store.occurrencesIn(f.path), f.path);
      for (const a of f.artifacts ?? []) assert.deepEqual(loaded.artifactsByKey.get(a.key), store.artifactsByKey.get(a.key), a.key);
    }
    assert.deepEqual(loaded.counts(), store.counts());
  }

  for (const [name, scale] of [['right', 1], ['too low', 0], ['too high', 5]] as const) {
    it(`loads every row and artifact when the summary's counts are ${name}`, async () => {
      const files = [log('/ws/runtime/a.jsonl', 3000, 2), log('/ws/runtime/b.jsonl', 10, 1), log('/ws/runtime/c.jsonl', 5000, 4), ...Array.from({ length: 3000 }, (_, n) => artifactRecord(ROOT, n))];
      const { store } = await save(files, scale);
      assertLoadsAsHeld(files, store);
    });
  }

  it('loads a bucket bigger than the reader keeps a buffer for (a big log) first, in a buffer of its own, and every bucket after it whole', async () => {
    // Most of its bytes are its events' summaries: few rows to compare.
    const big = log('/ws/runtime/big.jsonl', 20_000, 1);
    for (const e of big.events!) e.summary = { n: e.line, note: 'x'.repeat(900) };
    const files = [big, log('/ws/runtime/small.jsonl', 50, 2), ...Array.from({ length: 400 }, (_, n) => artifactRecord(ROOT, n))];
    const { store, records } = await save(files);
    const reader = RecordsReader.open(path.join(dir, records), BUCKETS)!;
    const sizes = Array.from({ length: BUCKETS }, (_, b) => reader.byteLength(b));
    reader.close();
    assert.ok(sizes[bucketOf(big.path)] > KEPT_BUFFER_BYTES, `the log's bucket is ${sizes[bucketOf(big.path)]} bytes`);
    assert.ok(sizes.filter((n) => n > 0).length > 100, 'other buckets are read after it');
    assertLoadsAsHeld(files, store);
  });
});
