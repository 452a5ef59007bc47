// A save lists a big log's keys and encodes its key bucket with its pause taken every few
// thousand rows (issue 9: a 435k-row audit log held the server for over a second twice): the
// big file's steps pause in proportion to its rows, a pause that throws gives the save up and
// leaves the previous save in place, and what the sliced save wrote loads back the same.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EventEntry, FileRecord, Occurrence } from '../../shared/records';
import { initReaders } from '../../shared/readers';
import { MemoryIndex, type StoredFile } from '../../shared/index/memoryIndex';
import { EVENT_REF, KeyBucket, KeyBucketWriter, keyHash, MENTION, RUN_EVENTS, type KeySink } from '../../shared/index/keyIndex';
import { BUCKETS, bucketOf, keysFileOf, loadRecords, saveCache, type SavedCounts, type SavePause } from '../../shared/index/persist';
import { RecordsReader, writeRecordsFiles } from '../../shared/index/recordsFile';

const ROOT = '/ws/runtime';
const LOG = '/ws/runtime/logs/audit.jsonl';
const OPTIONS = 'sliced-save-test';
const COUNTS: SavedCounts = { artifacts: 0, refs: 0, dangling: 0, events: 0, blobs: 0, problems: 0, tables: { files: 0, nameBytes: 0, digests: 0, keys: 0, eventRefs: 0, summaryBytes: 0 } };
const digest = (n: number) => n.toString(16).padStart(64, '0');

/** An audit log of `rows` events, each naming a digest of its own on a line of its own. */
function auditLog(rows: number): FileRecord {
  const events: EventEntry[] = [];
  const occurrences: Occurrence[] = [];
  for (let i = 0; i < rows; i++) {
    const key = `sha256:${digest(i)}`;
    events.push({ source: 'audit', file: LOG, line: i, eventType: 'provider_request_written', runId: `run-${i % 7}`, refs: [{ key, field: 'artifact_ref' }] });
    occurrences.push({ line: i, col: 20, endCol: 20 + key.length, form: 'canonical', key, text: key });
  }
  return { path: LOG, size: rows * 100, mtimeMs: 1, role: 'auditLog', events, occurrences, problems: [] };
}

function storeOf(record: FileRecord): MemoryIndex {
  const store = new MemoryIndex();
  store.set(record.path, { record, root: ROOT });
  return store;
}

/** Saves every bucket of `store` into `dir`, pausing with `pause`. */
function save(dir: string, store: MemoryIndex, pause: SavePause): Promise<string> {
  const source = { derivedOf: () => [], keysOf: (f: StoredFile, into: KeySink) => store.keysAnsweredBy(f, into), rows: store.rowColumns };
  const table = [...store.files].map(([p, f]) => ({ path: p, size: f.record.size, mtimeMs: f.record.mtimeMs, role: f.record.role, root: ROOT }));
  const all = new Set(Array.from({ length: BUCKETS }, (_, b) => b));
  return saveCache(dir, OPTIONS, store.files, all, COUNTS, source, { entries: table, count: table.length }, pause);
}

/** How many times a whole save of `store` pauses. */
async function pausesOf(store: MemoryIndex): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-sliced-'));
  let pauses = 0;
  try {
    await save(dir, store, async () => void pauses++);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return pauses;
}

describe('index sliced save', function () {
  this.timeout(120000);
  const ROWS = 12000;
  let dir: string;
  before(initReaders);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-sliced-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("pauses inside a big log's key listing, key encoding and row sections, about once per 4096 rows or keys", async () => {
    const small = await pausesOf(storeOf(auditLog(10)));
    const big = await pausesOf(storeOf(auditLog(ROWS)));
    // Rows of occurrences and events, their distinct keys (mention, event ref) and the key bucket's
    // hashing and writing out (5 per 4096 rows); then in the row sections the occurrences' and
    // every id column of the events' rows taking bucket ids, and the bucket's strings (over 7 more).
    assert.ok(big - small >= (ROWS * 12) / 4096, `${big} pauses for ${ROWS} rows, ${small} for 10`);
  });

  it('gives the save up when a pause throws inside the big log, keeping the previous save', async () => {
    const store = storeOf(auditLog(ROWS));
    await save(dir, store, async () => undefined);
    const before = fs.readdirSync(dir).sort();
    // The pauses outside the big file's steps: one per bucket and a few per file. Past those, the save is inside them.
    const outside = BUCKETS + 8;
    let pauses = 0;
    const update = new Error('an update is waiting');
    await assert.rejects(
      save(dir, store, async () => {
        if (++pauses > outside) throw update;
      }),
      (err) => err === update,
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), before, 'the files being written are removed');
    const loaded = new MemoryIndex();
    assert.equal(loadRecords(dir, OPTIONS, loaded).files, 1);
    assert.deepEqual(loaded.eventsIn(LOG), store.eventsIn(LOG));
  });

  it('checksums, writes, reads and copies a bucket of several MB a slice at a time, and still finds it damaged', async () => {
    const big = Buffer.alloc(3_500_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) >>> 5;
    const file = path.join(dir, 'records-0000000000000000.bin');
    let pauses = 0;
    await writeRecordsFiles([file], 4, async (b, [sink]) => {
      if (b === 1) await sink.writeInSlices(big, async () => void pauses++);
      if (b === 2) sink.write(Buffer.from('small'));
    });
    assert.ok(pauses >= 4, `${pauses} pauses writing 3.5 MB`);
    const reader = RecordsReader.open(file, 4)!;
    try {
      pauses = 0;
      const sliced = await reader.bucketInSlices(1, async () => void pauses++);
      assert.ok(pauses >= 4, `${pauses} pauses reading 3.5 MB`);
      assert.ok(sliced.data && Buffer.from(sliced.data).equals(big), 'read back as written');
      assert.deepEqual(reader.bucket(2), { data: Buffer.from('small') });
    } finally {
      reader.close();
    }
    // A byte changed past the first slice: both ways of reading find the checksum wrong.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xff ^ big[2_000_000]]), 0, 1, 8 + 8 * 4 + 2_000_000);
    fs.closeSync(fd);
    const damaged = RecordsReader.open(file, 4)!;
    try {
      assert.deepEqual(damaged.bucket(1), { damaged: 'its checksum does not match' });
      assert.deepEqual(await damaged.bucketInSlices(1, async () => undefined), { damaged: 'its checksum does not match' });
      assert.deepEqual(damaged.bucket(2), { data: Buffer.from('small') });
    } finally {
      damaged.close();
    }
  });

  it("writes a big log's key bucket (more keys than a slice of its bytes, a big log's millions) whole, and the smaller bucket after it", async () => {
    const writer = new KeyBucketWriter();
    /** A bucket of `records` records with `perRecord` keys each, written out: its bytes joined, and how many writes and pauses it took. */
    const bucket = async (records: number, perRecord: number, salt: number) => {
      writer.reset();
      for (let r = 0; r < records; r++) {
        writer.nextRecord();
        for (let k = 0; k < perRecord; k++) writer.add(keyHash(`${salt}:${r}:${k}`));
      }
      const pieces: Buffer[] = [];
      let pauses = 0;
      await writer.write({ write: (bytes) => pieces.push(Buffer.from(bytes)) }, async () => void pauses++);
      return { bytes: Buffer.concat(pieces), writes: pieces.length, pauses };
    };
    const positions = (bytes: Buffer, key: string) => {
      const found = new Set<number>();
      KeyBucket.decode(bytes).positionsOf(keyHash(key), found);
      return [...found];
    };
    const big = await bucket(3, 100_000, 1);
    assert.equal(big.bytes.length, 4 * (1 + 2 * 300_000), 'every key once, with its position');
    assert.ok(big.writes > 4 && big.pauses >= (2 * 300_000) / 4096, `${big.writes} writes, ${big.pauses} pauses`);
    for (const [r, k] of [[0, 0], [1, 54321], [2, 99_999]]) assert.deepEqual(positions(big.bytes, `1:${r}:${k}`), [r]);
    const small = await bucket(2, 10, 2);
    assert.equal(small.bytes.length, 4 * (1 + 2 * 20));
    assert.deepEqual(positions(small.bytes, '2:1:9'), [1]);
    assert.deepEqual(positions(small.bytes, '1:1:54321'), [], 'nothing of the bucket before');
  });

  it("lists a big log's keys (more than a record's arrays are kept for), then a small file's, then the log's again, each its own", () => {
    const rows = 70_000;
    const store = storeOf(auditLog(rows));
    const other = '/ws/runtime/logs/other.jsonl';
    store.set(other, { record: { ...auditLog(3), path: other }, root: ROOT });
    const keysOf = (p: string) => {
      const keys: number[] = [];
      Array.from(store.keysAnsweredBy(store.get(p)!, { add: (h) => keys.push(h) }));
      return keys.sort();
    };
    const expected = (n: number) => {
      const keys = new Set<string>();
      for (let i = 0; i < n; i++) for (const prefix of [MENTION, EVENT_REF]) keys.add(prefix + `sha256:${digest(i)}`);
      for (let r = 0; r < Math.min(n, 7); r++) keys.add(RUN_EVENTS + `run-${r}`);
      return Array.from(keys, keyHash).sort();
    };
    assert.deepEqual(keysOf(LOG), expected(rows));
    assert.deepEqual(keysOf(other), expected(3));
    assert.deepEqual(keysOf(LOG), expected(rows));
  });

  it('what a sliced save wrote loads back to the same answers, key index included', async () => {
    const store = storeOf(auditLog(ROWS));
    let pauses = 0;
    const records = await save(dir, store, async () => {
      // Every pause a real turn of the event loop now and then, as on the server.
      if (++pauses % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    });
    const loaded = new MemoryIndex();
    const result = loadRecords(dir, OPTIONS, loaded);
    assert.deepEqual({ files: result.files, damaged: result.damaged, stale: result.stale }, { files: 1, damaged: [], stale: [] });
    assert.deepEqual(loaded.eventsIn(LOG), store.eventsIn(LOG));
    assert.deepEqual(loaded.occurrencesIn(LOG), store.occurrencesIn(LOG));
    // The keys the log answers to, hashed from ids, are the hashes of its key strings, each once.
    const keys: number[] = [];
    // Listed to the end (each yield is where a save would pause).
    Array.from(store.keysAnsweredBy(store.get(LOG)!, { add: (h) => keys.push(h) }));
    const expected = new Set<string>();
    for (let i = 0; i < ROWS; i++) for (const prefix of [MENTION, EVENT_REF]) expected.add(prefix + `sha256:${digest(i)}`);
    for (let r = 0; r < 7; r++) expected.add(RUN_EVENTS + `run-${r}`);
    assert.deepEqual([...keys].sort(), Array.from(expected, keyHash).sort());
    // Every key the log answers to finds it (position 0 of its bucket) in the saved key index.
    const reader = RecordsReader.open(path.join(dir, keysFileOf(records)), BUCKETS)!;
    try {
      const bucket = KeyBucket.decode(reader.bucket(bucketOf(LOG)).data!);
      const missing = [...expected].filter((k) => {
        const found = new Set<number>();
        bucket.positionsOf(keyHash(k), found);
        return !found.has(0);
      });
      assert.deepEqual(missing, []);
    } finally {
      reader.close();
    }
  });
});
