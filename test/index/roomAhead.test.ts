// An update makes room ahead of the records it stores (MemoryIndex.makeRoom): the tables a
// full load sized to a tenth spare (paths, digests, digest keys, files, artifacts, key lookups)
// grow a slice at a time with turns of the event loop between, instead of in one copy on the
// server's thread (30-90 ms each at 100k artifacts). What a request adds meanwhile is kept.
import * as assert from 'node:assert/strict';
import { DigestTable } from '../../shared/index/digestTable';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { PathTable } from '../../shared/index/pathTable';
import { StringTable } from '../../shared/index/stringTable';
import { createIndex } from '../../shared/index/workspaceIndex';
import { artifactRecord, digestOf as digest, Workspace } from './fixture';

const ROOT = '/ws/runtime';
/** A private field of a table, read to tell whether it was replaced (grown). */
const field = <T>(o: object, name: string) => (o as Record<string, T>)[name];
const artifactFile = (n: number) => artifactRecord(ROOT, n);

describe('index room made ahead', function () {
  this.timeout(30_000);
  it('digest table: grows its bytes and slots in slices, keeping the digests a request adds meanwhile, and then adds without growing', async () => {
    const table = new DigestTable();
    for (let i = 0; i < 20_000; i++) assert.equal(table.id(digest(i)), i);
    let next = 20_000;
    let pauses = 0;
    // Each pause, a request adds a digest (as a lookup of a new hex may).
    await table.makeRoom(40_000, async () => {
      pauses++;
      table.id(digest(next++));
    });
    assert.ok(pauses > 2, `grown in ${pauses + 1} slices`);
    const slots = field<Int32Array>(table, 'slots');
    const bytes = field<Uint8Array>(table, 'bytes');
    while (next < 60_000) table.id(digest(next++));
    assert.equal(field(table, 'slots'), slots, 'the slots had room for 40k more');
    assert.equal(field(table, 'bytes'), bytes, 'the bytes had room for 40k more');
    for (let i = 0; i < next; i++) {
      assert.equal(table.find(digest(i)), i);
      assert.equal(table.hex(i), digest(i));
    }
  });

  it('path table: grows in slices, keeps the paths added meanwhile, and adds a path a request missed during the growth', async () => {
    const table = new PathTable();
    const pathOf = (i: number) => `${ROOT}/artifacts/requests/${digest(i)}.json`;
    for (let i = 0; i < 20_000; i++) table.id(pathOf(i));
    let next = 20_000;
    let pauses = 0;
    await table.makeRoom(40_000, async () => {
      pauses++;
      table.id(pathOf(next++));
      // A request's lookup that misses (its empty slot is remembered for an id() to follow).
      assert.equal(table.find(pathOf(1_000_000)), undefined);
    });
    assert.ok(pauses > 2, `grown in ${pauses + 1} slices`);
    const missed = table.id(pathOf(1_000_000));
    const slots = field<Int32Array>(table, 'slots');
    const names = field<Uint8Array>(table, 'bytes');
    while (next < 59_000) table.id(pathOf(next++));
    assert.equal(field(table, 'slots'), slots, 'the slots had room for 40k more');
    assert.equal(field(table, 'bytes'), names, 'the name bytes had room for 40k more');
    assert.equal(table.find(pathOf(1_000_000)), missed);
    for (let i = 0; i < next; i++) assert.equal(table.pathOf(table.find(pathOf(i))!), pathOf(i));
  });

  it('string table: grows its digest key columns in slices, keeping the keys a request adds meanwhile', async () => {
    const strings = new StringTable(new DigestTable());
    const key = (i: number) => `sha256:${digest(i)}`;
    for (let i = 0; i < 20_000; i++) assert.equal(strings.id(key(i)), i);
    let next = 20_000;
    await strings.makeRoom(40_000, async () => void strings.id(key(next++)));
    const where = field<Int32Array>(strings, 'where');
    while (next < 59_000) strings.id(key(next++));
    assert.equal(field(strings, 'where'), where, 'the columns had room for 40k more');
    for (let i = 0; i < next; i++) {
      assert.equal(strings.find(key(i)), i);
      assert.equal(strings.value(i), key(i));
    }
  });

  it("store: room for a log's rows is made for the keys they may bring, not a key a row (the digest slots are filled, so resident)", async () => {
    const store = new MemoryIndex();
    for (let n = 0; n < 1000; n++) store.set(artifactFile(n).path, { record: artifactFile(n), root: ROOT });
    const digests = field<object>(store, 'digests');
    const slots = field<Int32Array>(digests, 'slots');
    await store.makeRoom({ files: 1, artifacts: 0, occurrences: 400_000, events: 100_000, keys: 100 }, async () => undefined);
    assert.equal(field(digests, 'slots'), slots, 'room for 100 more digests was there');
    await store.makeRoom({ files: 1, artifacts: 0, occurrences: 10, events: 10, keys: 5000 }, async () => undefined);
    assert.ok(field<Int32Array>(digests, 'slots').length >= (4 / 3) * 6000, 'grown for the keys told');
  });

  it('store: room for a batch of new files made in slices; they are then stored without growing any table, and answer as before', async () => {
    const store = new MemoryIndex();
    for (let n = 0; n < 20_000; n++) store.set(artifactFile(n).path, { record: artifactFile(n), root: ROOT });
    let pauses = 0;
    await store.makeRoom({ files: 20_000, artifacts: 20_000, occurrences: 20_000, events: 0, keys: 40_000 }, async () => void pauses++);
    assert.ok(pauses > 10, `grown in ${pauses + 1} slices`);
    // Every column, table and lookup the store holds, by where it is kept.
    const holders = (): unknown[] => {
      const files = field<object>(store, 'fileColumns');
      const artifacts = field<object>(store, 'artifacts');
      return [
        ...['isHeld', 'ranges'].map((f) => field(files, f)),
        ...['slots', 'bytes', 'folderOf'].map((f) => field(field<object>(files, 'paths'), f)),
        ...['file', 'meta'].map((f) => field(artifacts, f)),
        field(field<object>(artifacts, 'byDigest'), 'slots'),
        ...['slots', 'bytes'].map((f) => field(field<object>(store, 'digests'), f)),
        ...['where', 'idOfDigestSlot'].map((f) => field(field<object>(store, 'strings'), f)),
        field(field<object>(store, 'filesByKey'), 'slots'),
      ];
    };
    const before = holders();
    for (let n = 20_000; n < 40_000; n++) store.set(artifactFile(n).path, { record: artifactFile(n), root: ROOT });
    holders().forEach((h, i) => assert.equal(h, before[i], `holder ${i} grew`));
    assert.equal(store.counts().artifacts, 40_000);
    for (const n of [0, 19_999, 20_000, 39_999]) {
      const f = artifactFile(n);
      assert.equal(store.artifactsByKey.get(f.artifacts![0].key)?.[0].path, f.path);
      assert.equal(store.get(f.path)?.record.size, 10);
    }
  });

  it("a build grows its digest slots as digests come, not ahead for a log's strings (most of them held already): they are the size the digests need", async () => {
    const ws = new Workspace();
    const index = createIndex({ folders: [ws.dir] });
    try {
      const refs = Array.from({ length: 2000 }, (_, i) => `sha256:${ws.artifact('agent/runtime', 'requests', { i })}`);
      const lines = refs.map((ref, i) => JSON.stringify({ event_type: 'provider_request_written', run_id: 'r1', seq: i, artifact_ref: ref }));
      ws.write('zz/runtime/r1.events.jsonl', lines.join('\n') + '\n');
      await index.build();
      const digests = field<DigestTable>(field<object>(index, 'store'), 'digests');
      assert.equal(digests.size, 2000, 'the artifacts\' digests, each once');
      // 2000 digests fit 4096 slots at most 3/4 full; room for a key a row of the log (4000 more) took 8192.
      assert.equal(field<Int32Array>(digests, 'slots').length, 4096);
    } finally {
      await index.close();
      ws.remove();
    }
  });
});
