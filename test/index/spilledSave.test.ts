// A save spills each bucket into its file as it is encoded, a buffer at a time, instead of
// holding it whole (a big log's bucket is ~60 MB): the pieces joined are exactly the bytes a
// whole write gives, alignment counts from the bucket's start, the rows cross chunk boundaries
// and files unchanged, and a damaged piece of a bucket written in pieces costs only its files.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventEntry, FileRecord, Occurrence } from '../../shared/records';
import { initReaders } from '../../shared/readers';
import { ByteWriter } from '../../shared/index/byteCodec';
import { MemoryIndex, type StoredFile } from '../../shared/index/memoryIndex';
import type { KeySink } from '../../shared/index/keyIndex';
import { BUCKETS, bucketOf, loadRecords, saveCache, type SavedCounts } from '../../shared/index/persist';
import { RecordsReader, SLICE_BYTES } from '../../shared/index/recordsFile';
import { BucketWriter, decodeBucket } from '../../shared/index/savedBucket';

const ROOT = '/ws/runtime';
const OPTIONS = 'spilled-save-test';
const COUNTS: SavedCounts = { artifacts: 0, refs: 0, dangling: 0, events: 0, blobs: 0, problems: 0, tables: { files: 0, nameBytes: 0, digests: 0, keys: 0, eventRefs: 0, summaryBytes: 0 } };
const digest = (n: number) => n.toString(16).padStart(64, '0');

/** A log of `rows` events, each naming a digest of its own (and every third a namespaced one), with a summary. */
function log(file: string, rows: number, first = 0): FileRecord {
  const events: EventEntry[] = [];
  const occurrences: Occurrence[] = [];
  for (let i = first; i < first + rows; i++) {
    const key = `sha256:${digest(i)}`;
    events.push({ source: 'audit', file, line: i, eventType: 'provider_request_written', runId: `run-${i % 7}`, time: `2024-05-01T10:00:${String(i % 60).padStart(2, '0')}Z`, refs: [{ key, field: 'artifact_ref' }], summary: { n: i, note: 'x'.repeat(i % 13) } });
    occurrences.push(i % 3 ? { line: i, col: 20, endCol: 20 + key.length, form: 'canonical', key, text: key } : { line: i, col: 20, endCol: 40 + key.length, form: 'namespaced', key, namespace: `ns${i % 5}`, text: `ns${i % 5}/${key}` });
  }
  return { path: file, size: rows * 100, mtimeMs: 1, role: 'auditLog', events, occurrences, problems: [] };
}

function storeOf(records: FileRecord[]): MemoryIndex {
  const store = new MemoryIndex();
  for (const record of records) store.set(record.path, { record: structuredClone(record), root: ROOT });
  return store;
}

/** The same writes into a whole writer and into one spilling through a `room`-byte buffer. */
function bothWays(room: number, write: (w: ByteWriter) => void): { whole: Buffer; pieces: Buffer[]; spilled: ByteWriter } {
  const whole = new ByteWriter(16);
  write(whole);
  const pieces: Buffer[] = [];
  const spilled = new ByteWriter(room);
  spilled.reset((bytes) => pieces.push(Buffer.from(bytes)));
  write(spilled);
  spilled.flush();
  return { whole: Buffer.from(whole.bytes()), pieces, spilled };
}

describe('index spilled save', function () {
  this.timeout(120000);
  let dir: string;
  before(initReaders);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-spilled-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a spilling writer's pieces, joined, are the bytes a whole writer writes, aligned from the output's start", () => {
    const { whole, pieces, spilled } = bothWays(64, (w) => {
      for (let i = 0; i < 50; i++) {
        w.uint(i * 977);
        // Odd lengths before each align, so the spills fall at every offset modulo 8.
        w.string(`s${'é'.repeat(i % 5)}${i}`);
        w.align(8);
        w.raw(Float64Array.from({ length: i % 4 }, (_, k) => k / 3));
        w.align(4);
        w.raw(Uint8Array.from({ length: i }, (_, k) => k * 31));
        w.value({ i, list: [true, null, -i, 1.5], name: `n${i % 3}` });
      }
      // A column of several buffers' worth, and a string longer than the buffer.
      w.raw(Int32Array.from({ length: 1000 }, (_, k) => k * 7919));
      w.string('long '.repeat(40));
    });
    assert.deepEqual(Buffer.concat(pieces), whole);
    assert.equal(spilled.length, whole.length);
    assert.ok(pieces.length > 50, `${pieces.length} pieces`);
    // Spilled at every offset modulo 8, so alignment must count what went before.
    let spilledBefore = 0;
    const offsets = new Set(pieces.map((p) => (spilledBefore += p.length) % 8));
    assert.equal(offsets.size, 8);
    // Every piece but the one holding the long string fits the buffer: the writer never grows to a column's size.
    assert.equal(pieces.filter((p) => p.length > 64).length, 1);
  });

  it('spills a saved bucket (rows across chunk boundaries, several files) into the bytes written whole, which load back', async () => {
    // Three logs of rows that end mid-chunk (chunks of 4096 rows), and a small one.
    const records = [log('/ws/runtime/logs/a.jsonl', 5000), log('/ws/runtime/logs/b.jsonl', 3100, 5000), log('/ws/runtime/logs/c.jsonl', 9, 9000), log('/ws/runtime/logs/d.jsonl', 4200, 9100)];
    const store = storeOf(records);
    const files = records.map((r) => store.get(r.path)!);
    const whole = new ByteWriter(16);
    await new BucketWriter(store.rowColumns).write(whole, files, () => [], async () => undefined);
    const pieces: Buffer[] = [];
    const spilled = new ByteWriter(1000);
    spilled.reset((bytes) => pieces.push(Buffer.from(bytes)));
    await new BucketWriter(store.rowColumns).write(spilled, files, () => [], async () => undefined);
    spilled.flush();
    assert.deepEqual(Buffer.concat(pieces), Buffer.from(whole.bytes()));
    assert.ok(pieces.length > 100, `${pieces.length} pieces`);
    // Read back into a store of its own: every file's rows as they were.
    const decoded = decodeBucket(Buffer.concat(pieces));
    const loaded = new MemoryIndex();
    for (const f of decoded.files) loaded.setSaved(f, decoded.rows);
    for (const r of records) {
      assert.deepEqual(loaded.occurrencesIn(r.path), store.occurrencesIn(r.path), r.path);
      assert.deepEqual(loaded.eventsIn(r.path), store.eventsIn(r.path), r.path);
    }
  });

  it('a bucket saved in pieces damaged past its first piece costs only its own files', async () => {
    // A big log in one bucket (several MB: many pieces), a small one in another.
    const big = log('/ws/runtime/logs/big.jsonl', 30000);
    let small = log('/ws/runtime/logs/small-0.jsonl', 5, 50000);
    for (let i = 1; bucketOf(small.path) === bucketOf(big.path); i++) small = log(`/ws/runtime/logs/small-${i}.jsonl`, 5, 50000);
    const store = storeOf([big, small]);
    const source = { derivedOf: () => [], keysOf: (f: StoredFile, into: KeySink) => store.keysAnsweredBy(f, into), rows: store.rowColumns };
    const table = [...store.files].map(([p, f]) => ({ path: p, size: f.record.size, mtimeMs: f.record.mtimeMs, role: f.record.role, root: ROOT }));
    const all = new Set(Array.from({ length: BUCKETS }, (_, b) => b));
    const records = await saveCache(dir, OPTIONS, store.files, all, COUNTS, source, { entries: table, count: table.length });
    const file = path.join(dir, records);
    // Whole, it loads whole: each bucket's checksum taken over its pieces.
    const before = loadRecords(dir, OPTIONS, new MemoryIndex());
    assert.deepEqual({ files: before.files, damaged: before.damaged }, { files: 2, damaged: [] });
    const reader = RecordsReader.open(file, BUCKETS)!;
    const length = reader.bucket(bucketOf(big.path)).data!.length;
    // Where the big bucket starts, as the header says.
    const { offset: at } = reader.place(bucketOf(big.path));
    reader.close();
    assert.ok(length > 2 * SLICE_BYTES, `the big log's bucket is ${length} bytes`);
    const fd = fs.openSync(file, 'r+');
    const flip = at + SLICE_BYTES + 12345;
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, flip);
    fs.writeSync(fd, Buffer.from([byte[0] ^ 0x40]), 0, 1, flip);
    fs.closeSync(fd);
    const loaded = new MemoryIndex();
    const result = loadRecords(dir, OPTIONS, loaded);
    assert.deepEqual({ files: result.files, damaged: result.damaged }, { files: 1, damaged: [bucketOf(big.path)] });
    assert.equal(loaded.get(big.path), undefined);
    assert.deepEqual(loaded.eventsIn(small.path), store.eventsIn(small.path));
    assert.deepEqual(loaded.occurrencesIn(small.path), store.occurrencesIn(small.path));
  });
});
