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
import { WINDOW_ROWS } from '../../shared/index/placedRows';
import { KEPT_BUFFER_BYTES, RecordsReader } from '../../shared/index/recordsFile';
import { StringTable } from '../../shared/index/stringTable';
import { artifactRecord, digestOf as digest } from './fixture';

const ROOT = '/ws/runtime';
const OPTIONS = 'full-load-test';
/** A private field of a table, read to tell whether it was replaced (grown). */
const field = <T>(o: object, name: string) => (o as Record<string, T>)[name];

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
    const t = store.tableSizes();
    const tables = Object.fromEntries(Object.entries(t).map(([k, n]) => [k, Math.round(n * scale)])) as unknown as typeof t;
    const counts: SavedCounts = { artifacts: Math.round(c.artifacts * scale), refs: Math.round(c.refs * scale), dangling: 0, events: Math.round(c.events * scale), blobs: 0, problems: 0, tables };
    const source = { derivedOf: () => [], keysOf: (f: StoredFile, into: KeySink) => store.keysAnsweredBy(f, into), rows: store.rowColumns };
    const table = [...store.files].map(([p, f]) => ({ path: p, size: f.record.size, mtimeMs: f.record.mtimeMs, role: f.record.role, root: ROOT }));
    const records = await saveCache(dir, OPTIONS, store.files, new Set(Array.from({ length: BUCKETS }, (_, b) => b)), counts, source, { entries: table, count: table.length }, async () => undefined);
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

  it('sizes the file columns, path names, digests, key ids, key texts, lookups by key, event refs and summary bytes once, from the table sizes the save told: a fifth spare where an agent writes, a tenth elsewhere', async () => {
    // Artifacts in folders of many depths, the logs' digests and keys besides the artifacts'.
    const files = [log('/ws/runtime/a.jsonl', 4000, 3), log('/ws/runtime/b.jsonl', 10, 1), ...Array.from({ length: 6000 }, (_, n) => artifactRecord(`${ROOT}/${'d'.repeat(n % 40)}`, n))];
    const { store } = await save(files);
    const told = store.tableSizes();
    assert.equal(told.files, files.length);
    // The logs' 12k digests (the artifacts' refs among them) and the artifacts' own 6k; as keys, the refs and the 7 run ids.
    assert.equal(told.digests, 18_000);
    assert.equal(told.keys, 12_007);
    // The 7 run ids' bytes (`run-<n>`) and the logs' names, the other keys being digest keys.
    assert.ok(told.textBytes! >= 35 && told.textBytes! < 100, String(told.textBytes));
    // A file that came and went is not in the records: the told names are the held files'.
    const gone = artifactRecord(`${ROOT}/${'x'.repeat(200)}`, 99_999);
    store.set(gone.path, { record: gone, root: ROOT });
    store.remove(gone.path);
    assert.equal(store.tableSizes().nameBytes, told.nameBytes);
    const loaded = new MemoryIndex();
    const tables = () => {
      const files = field<object>(loaded, 'fileColumns');
      const paths = field<object>(files, 'paths');
      const digests = field<object>(loaded, 'digests');
      const strings = field<object>(loaded, 'strings');
      const events = field<EventRows>(field<object>(loaded, 'eventRows'), 'd');
      return {
        summaries: events.summaryBytes,
        artifactFiles: field<Int32Array>(field<object>(loaded, 'artifacts'), 'file'),
        refKeys: events.refKey, ranges: field<Int32Array>(files, 'ranges'), names: field<Uint8Array>(paths, 'bytes'), pathSlots: field<Int32Array>(paths, 'slots'), digests: field<Uint8Array>(digests, 'bytes'), digestSlots: field<Int32Array>(digests, 'slots'), where: field<Int32Array>(strings, 'where'), digestKeys: field<Int32Array>(strings, 'idOfDigestSlot'), texts: field<Uint8Array>(field<object>(strings, 'texts'), 'bytes'), keyFiles: field<Int32Array>(field<object>(field<object>(loaded, 'filesByKey'), 'slots'), 'slots'), keyFileLists: field<Int32Array>(field<object>(loaded, 'filesByKey'), 'pool'), refRowLists: field<Int32Array>(field<object>(field<object>(loaded, 'eventRows'), 'byRef'), 'pool') };
    };
    let sized: ReturnType<typeof tables> | undefined;
    const sink = {
      expectSaved: (c: SavedCounts) => {
        loaded.expectSaved(c);
        sized = tables();
      },
      setSaved: loaded.setSaved.bind(loaded),
    };
    assert.equal(loadRecords(dir, OPTIONS, sink).files, files.length);
    const after = tables();
    for (const [name, table] of Object.entries(after)) assert.equal(table, sized![name as keyof typeof after], `${name} grew during the load`);
    const tenth = (n: number) => Math.ceil(n * 1.1);
    // The tables an agent's files, artifacts and events land in (never written, room takes no memory).
    const fifth = (n: number) => Math.ceil(n * 1.2);
    assert.equal(after.ranges.length, 6 * fifth(told.files));
    assert.equal(after.names.length, fifth(told.nameBytes));
    assert.equal(after.artifactFiles.length, fifth(6000));
    assert.equal(after.digests.length, 32 * tenth(told.digests));
    assert.equal(after.where.length, tenth(told.keys));
    assert.equal(after.digestKeys.length, tenth(told.digests));
    assert.equal(after.summaries.length, fifth(told.summaryBytes));
    assert.equal(after.refKeys.length, fifth(told.eventRefs));
    assert.equal(after.texts.length, Math.max(1024, tenth(told.textBytes!)));
    assert.equal(after.keyFiles.length, tenth(told.keys));
    assert.equal(after.keyFileLists.length, Math.max(4096, tenth(told.keyFileWords!)));
    assert.equal(after.refRowLists.length, Math.max(4096, tenth(told.refRowWords!)));
    assert.deepEqual(loaded.tableSizes(), told);
    loaded.settle();
    for (const f of files) assert.deepEqual(loaded.eventsIn(f.path), store.eventsIn(f.path), f.path);
    for (const f of files.slice(2, 50)) assert.deepEqual(loaded.artifactsByKey.get(f.artifacts![0].key), store.artifactsByKey.get(f.artifacts![0].key));
    // An agent's writes past a tenth of what was loaded (a sixth more artifacts) are taken without copying those columns.
    const written = Array.from({ length: 1000 }, (_, n) => artifactRecord(ROOT, 10_000 + n));
    for (const f of written) loaded.set(f.path, { record: f, root: ROOT });
    const grown = tables();
    for (const name of ['ranges', 'names', 'artifactFiles'] as const) assert.equal(grown[name], after[name], `${name} was copied to grow`);
    assert.deepEqual(loaded.artifactsByKey.get(written[999].artifacts![0].key)?.map((a) => a.digest), [written[999].artifacts![0].digest]);
  });

  /** The byte lengths of the buckets of the records file `records`. */
  function bucketSizes(records: string): number[] {
    const reader = RecordsReader.open(path.join(dir, records), BUCKETS)!;
    const sizes = Array.from({ length: BUCKETS }, (_, b) => reader.byteLength(b));
    reader.close();
    return sizes;
  }

  it('loads a big bucket in windows of rows, a log of several windows as one range, with the strings and extras of every window', async function () {
    this.timeout(180000);
    // More rows (and occurrences, a ref a row) than two windows, and enough summary bytes to make the bucket big.
    const big = log('/ws/runtime/big.jsonl', 2 * WINDOW_ROWS + 123, 1);
    for (const e of big.events!) e.summary = { n: e.line, note: 'x'.repeat(250) };
    // Occurrences kept with extras (an invalid ref's reason) on both sides of each window's edge.
    for (const i of [0, WINDOW_ROWS - 1, WINDOW_ROWS, 2 * WINDOW_ROWS, big.occurrences!.length - 1]) big.occurrences![i].invalid = `reason ${i}`;
    const files = [big, log('/ws/runtime/small.jsonl', 50, 2), ...Array.from({ length: 300 }, (_, n) => artifactRecord(ROOT, n))];
    const { store, records } = await save(files);
    assert.ok(bucketSizes(records)[bucketOf(big.path)] > KEPT_BUFFER_BYTES);
    assertLoadsAsHeld(files, store);
  });

  it("loads none of a big bucket whose bytes are damaged, says so, and loads every other bucket", async () => {
    const big = log('/ws/runtime/big.jsonl', 20_000, 1);
    for (const e of big.events!) e.summary = { n: e.line, note: 'x'.repeat(900) };
    const files = [big, ...Array.from({ length: 300 }, (_, n) => artifactRecord(ROOT, n))];
    const { records } = await save(files);
    const b = bucketOf(big.path);
    const sizes = bucketSizes(records);
    assert.ok(sizes[b] > KEPT_BUFFER_BYTES);
    // One byte in the middle of the bucket's events flipped.
    const at = 8 + 8 * BUCKETS + sizes.slice(0, b).reduce((x, y) => x + y, 0) + (sizes[b] >> 1);
    const fd = fs.openSync(path.join(dir, records), 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    byte[0] ^= 0xff;
    fs.writeSync(fd, byte, 0, 1, at);
    fs.closeSync(fd);
    const loaded = new MemoryIndex();
    const result = loadRecords(dir, OPTIONS, loaded);
    assert.deepEqual(result.damaged, [b]);
    const inBucket = files.filter((f) => bucketOf(f.path) === b).length;
    assert.equal(result.files, files.length - inBucket);
    assert.deepEqual(loaded.eventsIn(big.path), []);
    for (const f of files) if (bucketOf(f.path) !== b) for (const a of f.artifacts ?? []) assert.equal(loaded.artifactsByKey.get(a.key)?.length, 1, a.key);
  });

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
