import * as assert from 'node:assert/strict';
import type { ArtifactEntry, EventEntry, FileRecord, Occurrence, Problem } from '../../shared/records';
import { ByteReader, ByteWriter } from '../../shared/index/byteCodec';
import { DigestTable } from '../../shared/index/digestTable';
import { LocalIds, LocalTable, readLocalStrings } from '../../shared/index/localIds';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { StringTable } from '../../shared/index/stringTable';
import { BucketWriter, checkedRows, decodeBucket, type DecodedBucket, type RowPick } from '../../shared/index/savedBucket';
import { readFileHead, readFileRest, skipFileRest, writeFileMeta } from '../../shared/index/recordCodec';

const hex = (c: string) => c.repeat(64);
const PATH = '/ws/runtime/logs/audit.jsonl';
const ROOT = '/ws/runtime';

/** A saved bucket's bytes, written from a store holding `records` (in that order). */
async function bucketOf(records: FileRecord[], derived: Problem[] = []): Promise<Uint8Array> {
  const from = new MemoryIndex();
  for (const record of records) from.set(record.path, { record: structuredClone(record), root: ROOT });
  const w = new ByteWriter(16); // small: the buffer has to grow
  await new BucketWriter(from.rowColumns).write(w, records.map((r) => from.get(r.path)!), () => derived, async () => undefined);
  // Copied at an odd offset: the columns read from a misaligned buffer are copied, not viewed.
  const bytes = new Uint8Array(w.bytes().length + 1);
  bytes.set(w.bytes(), 1);
  return bytes.subarray(1);
}

/** A store loaded from a decoded bucket, and each file as it reads back with its rows. */
function load(decoded: DecodedBucket, pickOf: (file: number) => RowPick | undefined = () => undefined) {
  const store = new MemoryIndex();
  decoded.files.forEach((f, i) => store.setSaved(f, decoded.rows, pickOf(i)));
  return decoded.files.map((f) => {
    const held = store.get(f.record.path)!;
    const record = { ...held.record } as FileRecord;
    delete (record as Partial<FileRecord>).occurrences;
    delete (record as Partial<FileRecord>).events;
    delete record.artifacts;
    record.occurrences = store.occurrencesIn(record.path);
    const artifacts = store.artifactsOf(held);
    if (artifacts.length) record.artifacts = artifacts;
    const events = store.eventsIn(record.path);
    if (events.length) record.events = events;
    return { record, root: held.root, derived: f.derived };
  });
}

async function roundTrip(record: FileRecord, derived: Problem[] = []) {
  // The second file names the first's strings (the bucket numbers them once).
  const second = { ...structuredClone(record), path: record.path + '.2' };
  const [first, again] = load(decodeBucket(await bucketOf([record, second], derived)));
  assert.deepEqual(again.record.occurrences, first.record.occurrences);
  assert.deepEqual(again.record.events, first.record.events);
  return first;
}

describe('index cache record codec', () => {
  it('restores every field of events, artifacts and occurrences exactly, rows through the column sections', async () => {
    // Required<...>: a field added to the model fails to compile here until it is covered.
    const event: Required<EventEntry> = {
      source: 'audit',
      file: PATH,
      line: 3,
      sequence: -2.5,
      eventType: 'provider_request_written',
      time: '2024-05-01T10:00:01Z',
      runId: 'r1',
      subject: 'ü subject',
      actor: 'agent',
      refs: [
        { key: `sha256:${hex('a')}`, field: 'artifact_ref' },
        { key: `sha256:${hex('a')}`, field: 'request_hash', role: 'fingerprint' },
        { key: `sha256:${hex('d')}`, field: 'context.prompt_ref', namespace: 'prompt_templates/v2' },
        { key: `sha256:${hex('e')}`, field: 'run_id', role: 'run' },
      ],
      payloadDigest: hex('b'),
      hash: `sha256:${hex('C')}`,
      verified: false,
      summary: { nested: { list: [1, null, 'x', true, 1e300, -0.5] }, ['__proto__']: 'own', big: 2 ** 53 + 2, text: '日本語 \u{1F600}' },
    };
    const other: EventEntry = { source: 'ledger', file: '/elsewhere.jsonl', eventType: 'step', refs: [], verified: true };
    const artifact: Required<ArtifactEntry> = {
      key: `sha256:${hex('a')}`,
      digest: hex('a'),
      kind: 'requests',
      namespace: 'requests',
      root: ROOT,
      path: PATH,
      metaPath: PATH + '.meta',
      size: 12,
      verification: 'verified',
      actualDigest: hex('d'),
      blobId: hex('e'),
      contentType: 'application/json',
      tags: ['x'],
      metadata: { a: { b: [] } },
      schema: 's',
      createdAt: 't',
      runId: 'r1',
      turnId: 't1',
      toolId: 'tool',
      provider: 'openai',
      model: 'gpt',
      labels: { k: 'v' },
      sensitivity: 'low',
    };
    const fileStore: ArtifactEntry = { key: 'artifact:abc', digest: 'abc', kind: 'file-store', namespace: '', root: '/other', verification: 'unverified' };
    // A digest saved as bytes with a key of its own, and one whose file-store blob is itself (a load interns both from the bytes: SavedDigests).
    const ownKey: ArtifactEntry = { key: 'artifact:own', digest: hex('7'), kind: 'k', namespace: '', root: ROOT, verification: 'verified' };
    const ownBlob: ArtifactEntry = { key: `sha256:${hex('8')}`, digest: hex('8'), blobId: hex('8'), kind: 'k', namespace: '', root: ROOT, verification: 'verified' };
    const occ: Required<Occurrence> = { line: 1, col: 2, endCol: 80, form: 'namespaced', key: `sha256:${hex('f')}`, namespace: 'ns/sub', upperCase: true, invalid: 'why', text: 'anything', role: 'run' };
    const occurrences: Occurrence[] = [
      occ,
      { line: 0, col: 0, endCol: 71, form: 'canonical', key: `sha256:${hex('a')}`, text: `sha256:${hex('a')}` },
      { line: 0, col: 80, endCol: 160, form: 'namespaced', key: `sha256:${hex('a')}`, namespace: 'requests', text: `requests/sha256:${hex('a')}` },
      { line: 200000, col: 5, endCol: 9, form: 'abbreviated', key: 'sha256:abcd', text: 'ABCD' },
      { line: 2, col: 1, endCol: 3, form: 'blake3', key: `blake3:${hex('1')}`, text: `blake3:${hex('1')}` },
      { line: 2, col: 1, endCol: 3, form: 'object', key: 'artifact:x', text: 'x' },
      { line: 2, col: 1, endCol: 3, form: 'bare', key: `sha256:${hex('2')}`, text: hex('2'), role: 'fingerprint' },
    ];
    const record: FileRecord = {
      path: PATH,
      size: 123,
      mtimeMs: 1714557600123.456,
      role: 'auditLog',
      artifacts: [artifact, fileStore, ownKey, ownBlob],
      events: [event, other],
      occurrences,
      problems: [{ file: PATH, line: 1, severity: 'error', code: 'broken-chain', message: 'broken' }, { file: '/x', severity: 'warning', code: 'malformed', message: 'm' }],
      resume: { offset: 10, line: 2, state: { chain: { prevHash: `sha256:${hex('3')}` } } },
      // Digest refs (one named again: the load takes both from the bucket's bytes) among others.
      run: { type: 'capsule', ref: 'r', groups: [{ label: 'l', refs: [{ ref: 'a', path: 'b' }, { ref: `sha256:${hex('b')}`, path: 'c' }] }, { label: 'm', refs: [{ ref: `sha256:${hex('b')}`, path: 'd' }] }] },
    };
    const derived: Problem[] = [{ file: PATH, line: 0, col: 0, endCol: 71, severity: 'warning', code: 'dangling-ref', message: 'dangling' }];
    const expected = structuredClone(record);
    const { record: back0, root, derived: back } = await roundTrip(record, derived);
    assert.deepEqual({ record: back0, root }, { record: expected, root: ROOT });
    assert.equal(Object.getPrototypeOf(back0.events![0].summary), Object.prototype);
    assert.deepEqual(back, derived);
    // The record given to the writer is not changed by it.
    assert.deepEqual(record, expected);
  });

  it('answers each artifact key after a load as the store it was saved from did (digests taken from the bucket bytes)', async () => {
    const artifact = (key: string, digest: string, blobId?: string): ArtifactEntry => ({ key, digest, ...(blobId && { blobId }), kind: 'k', namespace: '', root: ROOT, verification: 'verified' });
    const record: FileRecord = {
      path: PATH,
      size: 1,
      mtimeMs: 2,
      role: 'sidecar',
      // A key of its own over a digest, a blob that is the artifact itself, a blob of another digest.
      artifacts: [artifact('artifact:own', hex('7')), artifact(`sha256:${hex('8')}`, hex('8'), hex('8')), artifact(`sha256:${hex('9')}`, hex('9'), hex('6'))],
      occurrences: [],
      problems: [],
    };
    const from = new MemoryIndex();
    from.set(PATH, { record: structuredClone(record), root: ROOT });
    const decoded = decodeBucket(await bucketOf([record]));
    const store = new MemoryIndex();
    store.setSaved(decoded.files[0], decoded.rows);
    for (const key of ['artifact:own', ...'76895'.split('').map((c) => `sha256:${hex(c)}`)]) {
      assert.deepEqual(store.artifactsByKey.get(key), from.artifactsByKey.get(key), key);
    }
    assert.equal(from.artifactsByKey.get(`sha256:${hex('8')}`)?.length, 1);
    assert.equal(from.artifactsByKey.get(`sha256:${hex('6')}`)?.length, 1);
  });

  it('writes runs from their columns as the bytes of the records made with them', () => {
    const runs: { record: FileRecord; root: string }[] = [
      // Fields in an order of their own, digest and other keys, a group label and field path seen twice.
      { record: { path: '/ws/runtime/artifacts/run_capsules/c.json', size: 5, mtimeMs: 6, role: 'artifact', occurrences: [], problems: [], run: { type: 'capsule', ref: `sha256:${hex('a')}`, groups: [{ label: 'state', refs: [{ ref: `sha256:${hex('b')}`, path: 'state.x' }, { ref: 'ns/sha256:abcdef12', path: 'state.x' }] }, { label: '(top)', refs: [] }, { label: 'state', refs: [{ ref: `sha256:${hex('a')}`, path: 'state.y' }] }], time: 't', mode: 'm', toolCount: 2.5, runId: 'run-1' } }, root: ROOT },
      // A run state before its resume point, with no groups and a status.
      { record: { path: '/ws/runtime/runs/run_2.json', size: 1, mtimeMs: 2, role: 'runState', occurrences: [], problems: [], run: { type: 'runState', ref: 'file:run_2', status: 'running', groups: [] }, resume: { offset: 1, line: 2, state: null } }, root: '/other' },
      // No run.
      { record: { path: '/ws/runtime/notes.md', size: 1, mtimeMs: 2, role: 'text', occurrences: [], problems: [] }, root: ROOT },
    ];
    const store = new MemoryIndex();
    for (const r of runs) store.set(r.record.path, structuredClone(r));
    // One writer for all of them, as a bucket: strings already written are named by number.
    const byRecord = new ByteWriter();
    const byColumns = new ByteWriter();
    for (const r of runs) {
      const f = store.get(r.record.path)!;
      const artifacts = store.rowColumns.savedArtifacts(f);
      writeFileMeta(byRecord, { record: f.record }, artifacts, f.root, f);
      const saved = store.rowColumns.savedRecord(f);
      assert.equal(saved.writeRun !== undefined, r.record.run !== undefined);
      writeFileMeta(byColumns, saved, artifacts, f.root, f);
      assert.deepEqual(byColumns.bytes(), byRecord.bytes(), r.record.path);
    }
    // And they read back as the records were.
    const bytes = byColumns.bytes();
    const read = new ByteReader(bytes);
    for (const r of runs) {
      const back = readFileRest(read, readFileHead(read), bytes);
      // A `sha256:` ref comes as where its bytes are (SavedFile.runRefs), without its `ref`.
      let i = 0;
      for (const g of back.record.run?.groups ?? []) {
        for (const x of g.refs) {
          const at = back.runRefs?.at[i++] ?? -1;
          if (at >= 0) x.ref = `sha256:${Buffer.from(bytes.subarray(at, at + 32)).toString('hex')}`;
        }
      }
      assert.deepEqual(back.record.run, r.record.run);
    }
  });

  it('writes artifacts from their columns as the bytes of their entries saved as objects', () => {
    const artifacts: ArtifactEntry[] = [
      // Every field: its own path, a sidecar elsewhere, a time kept as written, a blob digest, the rare fields.
      { key: `sha256:${hex('a')}`, digest: hex('a'), kind: 'requests', namespace: 'requests', root: ROOT, path: PATH, metaPath: PATH + '.meta', size: 12, verification: 'verified', actualDigest: hex('d'), blobId: hex('e'), contentType: 'application/json', tags: ['x'], metadata: { a: { b: [] } }, schema: 's', createdAt: 't', runId: 'r1', turnId: 't1', toolId: 'tool', provider: 'openai', model: 'gpt', labels: { k: 'v' }, sensitivity: 'low' },
      // A file-store entry: not a digest key, another root, a blob id that is no digest.
      { key: 'artifact:abc', digest: 'abc', kind: 'file-store', namespace: '', root: '/other', blobId: 'blob-1', verification: 'unverified' },
      // Bytes elsewhere, the sidecar here, a time that renders again, size 0.
      { key: `sha256:${hex('b')}`, digest: hex('b'), kind: 'outputs', namespace: 'outputs', root: ROOT, path: '/ws/runtime/blobs/b', metaPath: PATH, size: 0, createdAt: '2024-05-01T10:00:00.250Z', verification: 'mismatch' },
      // A key that is not its digest's.
      { key: `sha256:${hex('9')}`, digest: hex('8'), kind: 'k', namespace: 'n', root: '/elsewhere', verification: 'pruned' },
    ];
    const store = new MemoryIndex();
    store.set(PATH, { record: { path: PATH, size: 1, mtimeMs: 2, role: 'sidecar', artifacts: structuredClone(artifacts), occurrences: [], problems: [] }, root: ROOT });
    const f = store.get(PATH)!;
    const saved = store.rowColumns.savedArtifacts(f);
    assert.equal(saved.count, artifacts.length);
    store.artifactsOf(f).forEach((a, i) => {
      // What a save wrote before: the entry made, copied and trimmed, written as a value.
      const c: Partial<ArtifactEntry> = { ...a };
      if (c.path === PATH) c.path = '';
      if (c.root === ROOT) delete c.root;
      if (c.key === 'sha256:' + c.digest) delete c.key;
      const byEntry = new ByteWriter();
      byEntry.value(c);
      const byColumns = new ByteWriter();
      saved.write(byColumns, i, PATH, ROOT);
      assert.deepEqual(byColumns.bytes(), byEntry.bytes(), `artifact ${i}`);
    });
  });

  it('numbers strings written without being remembered as the reader does', () => {
    const w = new ByteWriter();
    w.string('kept');
    w.lastString('kept'); // named by number
    w.lastString(`sha256:${hex('a')}`);
    w.lastString('once');
    w.string('after'); // numbered after the two not remembered
    w.string('after');
    w.lastString('once'); // not remembered: written again, and numbered again
    w.string('kept');
    const r = new ByteReader(w.bytes());
    assert.deepEqual(Array.from({ length: 8 }, () => r.string()), ['kept', 'kept', `sha256:${hex('a')}`, 'once', 'after', 'after', 'once', 'kept']);
    assert.ok(r.done);
  });

  it('writes a table\'s string by id as the same bytes as the string, and a digest by id as its hex, read back in order', () => {
    const names = new StringTable();
    const [kind, root] = ['requests', ROOT].map((s) => names.id(s));
    const digests = new DigestTable();
    const a = digests.id(hex('a'));
    const byString = new ByteWriter(8);
    const byId = new ByteWriter(8);
    byString.string(ROOT); // named before: the id's first write names it by number
    byId.string(ROOT);
    for (const [s, id] of [['requests', kind], [ROOT, root], ['requests', kind]] as const) {
      byString.field('kind', s);
      byId.tableField('kind', names, id);
    }
    assert.deepEqual(Buffer.from(byId.bytes()), Buffer.from(byString.bytes()));
    // A digest by id is not remembered: written again as its bytes, and numbered again, as the reader numbers it.
    for (const w of [byString, byId]) {
      w.digestField('digest', digests, a);
      w.digestField('digest', digests, a);
      w.string('after');
      w.string('after');
      w.string(hex('a')); // not named by the digests written before it: written anew
    }
    for (const w of [byString, byId]) {
      const r = new ByteReader(w.bytes());
      const read = [r.string()];
      for (let i = 0; i < 3; i++) read.push(r.string(), r.value() as string);
      for (let i = 0; i < 2; i++) read.push(r.string(), r.value() as string);
      read.push(r.string(), r.string(), r.string());
      assert.deepEqual(read, [ROOT, 'kind', 'requests', 'kind', ROOT, 'kind', 'requests', 'digest', hex('a'), 'digest', hex('a'), 'after', 'after', hex('a')]);
      assert.ok(r.done);
    }
  });

  it('writes a digest key by its digest id as the same bytes as lastString of its string', () => {
    const digests = new DigestTable();
    const [a, b, c] = ['a', 'b', 'c'].map((x) => digests.id(hex(x)));
    const write = (last: (w: ByteWriter, digest: number, key: string) => void): Buffer => {
      const w = new ByteWriter(8);
      w.string(`sha256:${hex('b')}`); // named before: written by number
      w.string(`sha256:${hex('C')}`); // upper case: another string than c's key
      for (const [digest, key] of [[a, `sha256:${hex('a')}`], [b, `sha256:${hex('b')}`], [c, `sha256:${hex('c')}`]] as const) last(w, digest, key);
      w.string(`sha256:${hex('c')}`); // c's key was not remembered: written again
      return Buffer.from(w.bytes());
    };
    const byString = write((w, _digest, key) => w.lastString(key));
    const byId = write((w, digest) => w.lastDigestKey(digests, digest));
    assert.deepEqual(byId, byString);
    const r = new ByteReader(byId);
    assert.deepEqual(Array.from({ length: 6 }, () => r.string()), ['b', 'C', 'a', 'b', 'c', 'c'].map((x) => `sha256:${hex(x)}`));
    assert.ok(r.done);
  });


  it('writes a table\'s digest key by id as the same bytes as its string, however the same key was or is written besides', () => {
    const digests = new DigestTable();
    const keys = new StringTable(digests);
    const key = (x: string) => `sha256:${hex(x)}`;
    const ids = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((x) => [x, keys.id(key(x))]));
    const text = keys.id('run-1');
    // The same table with no digest ids to give: its keys are made and written as strings.
    const asStrings = { value: (id: number) => keys.value(id) };
    const write = (table: typeof asStrings): Buffer => {
      const w = new ByteWriter(8);
      w.string(key('a')); // written as a string first: the id's write names it by number
      w.tableString(table, ids.a);
      w.tableString(table, ids.b); // first written by id...
      w.string(key('b')); // ...then as a string: named by number
      w.field('k', key('b'));
      w.tableString(table, ids.b);
      w.string(key('C')); // upper case: another string than c's key
      w.tableString(table, ids.c);
      w.tableString(table, text);
      w.tableString(table, ids.d);
      w.lastDigestKey(digests, ids.d); // the keys listed last: d's by number, e's anew
      w.lastDigestKey(digests, digests.find(hex('e'))!);
      w.lastDigestKey(digests, digests.find(hex('c'))!);
      w.string(key('e')); // e's listed key was not remembered: written again
      return Buffer.from(w.bytes());
    };
    const byId = write(keys);
    assert.deepEqual(byId, write(asStrings));
    const r = new ByteReader(byId);
    const read = [r.string(), r.string(), r.string(), r.string(), r.string(), r.value(), r.string(), r.string(), r.string(), r.string(), r.string(), r.string(), r.string(), r.string(), r.string()];
    assert.deepEqual(read, [key('a'), key('a'), key('b'), key('b'), 'k', key('b'), key('b'), key('C'), key('c'), 'run-1', key('d'), key('d'), key('e'), key('c'), key('e')]);
    assert.ok(r.done);
  });
  it('a load interns a bucket\'s digest keys from their bytes: the same ids as their strings, in a table with or without digests', async () => {
    const keys = [`sha256:${hex('b')}`, `sha256:${hex('C')}`, `sha256:${hex('a')}`, 'run-1', `sha256:${hex('b')}`];
    const w = new ByteWriter();
    w.string(keys[0]); // named before the list: read by number
    const listed = new StringTable(new DigestTable());
    const ids = new LocalIds();
    for (const k of keys) ids.of(listed.id(k));
    await ids.write(w, listed, async () => {});
    const bytes = Buffer.from(w.bytes());
    const r = new ByteReader(bytes);
    r.string();
    const strings = readLocalStrings(r, bytes);
    assert.ok(r.done);
    assert.deepEqual(Array.from({ length: strings.length }, (_, i) => strings.value(i)), [keys[0], keys[1], keys[2], keys[3]]);
    for (const table of [new StringTable(new DigestTable()), new StringTable()]) {
      const expected = new StringTable(table.digests && new DigestTable());
      const local = new LocalTable(strings, table);
      for (let i = 0; i < strings.length; i++) {
        assert.equal(local.id(i), expected.id(strings.value(i)));
        assert.equal(table.value(local.id(i)), strings.value(i));
      }
      assert.equal(table.digestIdOf(local.id(2)), table.digests ? table.digests.find(hex('a')) : -1);
    }
  });

  it('throws on damaged bytes instead of returning a wrong bucket', async () => {
    const record: FileRecord = {
      path: PATH,
      size: 1,
      mtimeMs: 1,
      role: 'auditLog',
      occurrences: [{ line: 0, col: 0, endCol: 71, form: 'canonical', key: `sha256:${hex('a')}`, text: `sha256:${hex('a')}` }],
      events: [{ source: 'audit', file: PATH, eventType: 'x', time: 'then', refs: [{ key: `sha256:${hex('a')}`, field: 'ref' }], summary: { a: 1 } }],
      problems: [],
    };
    const bytes = await bucketOf([record]);
    assert.equal(load(decodeBucket(bytes))[0].record.events![0].time, 'then');
    for (let cut = 0; cut < bytes.length; cut++) {
      assert.throws(() => decodeBucket(bytes.subarray(0, cut)));
      // As a full load checks a bucket, making none of its records.
      assert.throws(() => checkedRows(bytes.subarray(0, cut)));
    }
    // A huge count in damaged bytes is refused before anything is allocated for it.
    const huge = new ByteWriter();
    huge.uint(2 ** 40);
    assert.throws(() => decodeBucket(huge.bytes()), /end of data/);
    // A row naming a string the bucket does not hold (here: its key id set past the list) is refused.
    const damaged = Uint8Array.from(bytes);
    const at = Buffer.from(damaged).indexOf(Buffer.from(new Uint32Array([0, 0, 71]).buffer));
    assert.ok(at > 0);
    new DataView(damaged.buffer).setUint32(at + 12, 7, true);
    assert.throws(() => decodeBucket(damaged), /does not hold/);
  });

  it('reads a record as value() reads it, whatever its shape, its artifact digests and run refs given as bytes standing for the same strings', () => {
    const sha = (c: string) => `sha256:${hex(c)}`;
    /** An object's fields in order, any of them twice (written as such: see write). */
    type Fields = { fields: [string, unknown][] };
    const o = (...fields: [string, unknown][]): Fields => ({ fields });
    const write = (w: ByteWriter, v: unknown): void => {
      if (Array.isArray(v)) {
        w.beginArray(v.length);
        for (const x of v) write(w, x);
      } else if (v && typeof v === 'object' && 'fields' in v) {
        w.beginObject();
        for (const [k, x] of (v as Fields).fields) {
          w.string(k);
          write(w, x);
        }
        w.endObject();
      } else w.value(v);
    };
    const ref = (r: unknown, path = 'p') => o(['ref', r], ['path', path]);
    const capsule = (...groups: unknown[]) => o(['type', 'capsule'], ['ref', sha('a')], ['groups', groups]);
    const runs = [
      capsule(o(['label', 'l'], ['refs', [ref(sha('b')), ref('artifact:x'), ref(sha('b'), 'q')]]), o(['label', 'm'], ['refs', []])),
      o(['type', 'capsule'], ['ref', 'r'], ['groups', [o(['label', 'l'], ['refs', [ref(sha('b'))]])]], ['groups', [o(['label', 'l'], ['refs', [ref(sha('c'))]])]]),
      capsule(o(['label', 'l'], ['refs', [ref(sha('b'))]], ['refs', [ref(sha('c')), ref(sha('d'))]])),
      capsule(o(['label', 'l'], ['refs', [o(['ref', sha('b')], ['ref', 'x']), o(['ref', 'x'], ['ref', sha('c')]), ref(sha('d'))]])),
      capsule(o(['label', 'l'], ['refs', [ref(sha('b')), 5]])),
      capsule(o(['label', 'l'], ['refs', [ref(sha('b'))]]), 'x'),
      capsule(o(['label', 'l'], ['refs', ref(sha('b'))])),
      'x',
    ];
    const artifacts = [o(['digest', hex('a')]), o(['key', 'artifact:x'], ['digest', hex('b')]), o(['digest', hex('c')], ['digest', 'x']), o(['digest', 'x'], ['digest', hex('d')]), o(['digest', 'abc'])];
    for (const run of runs) {
      const w = new ByteWriter();
      w.string(PATH);
      w.string(ROOT);
      w.uint(0);
      w.uint(0);
      write(w, o(['problems', []], ['artifacts', artifacts], ['run', run]));
      w.value([]);
      const bytes = w.bytes();
      const hexAt = (at: number) => Buffer.from(bytes.subarray(at, at + 32)).toString('hex');
      const read = new ByteReader(bytes);
      const back = readFileRest(read, readFileHead(read), bytes);
      const record = back.record as unknown as { artifacts: Record<string, unknown>[]; run: { groups?: { refs?: Record<string, unknown>[] }[] } };
      record.artifacts.forEach((a, i) => {
        const at = back.digests!.at[i];
        if (at >= 0) Object.assign(a, { digest: hexAt(at), key: `sha256:${hexAt(at)}` });
      });
      let i = 0;
      for (const g of back.runRefs ? record.run.groups! : []) {
        for (const x of g.refs!) {
          const at = back.runRefs!.at[i++];
          if (at >= 0) x.ref = `sha256:${hexAt(at)}`;
        }
      }
      // As the whole record read by value() and filled in as a load did before.
      const whole = new ByteReader(bytes);
      readFileHead(whole);
      const expected = whole.value() as { artifacts: Record<string, unknown>[] };
      for (const a of expected.artifacts) {
        a.root = ROOT;
        a.key ??= `sha256:${a.digest as string}`;
      }
      assert.deepEqual(record, { ...expected, path: PATH }, JSON.stringify(run));
      // The plain digests did come as bytes (the others as strings); the regular run's refs too.
      assert.deepEqual(Array.from(back.digests!.at, (at) => at >= 0), [true, false, false, true, false]);
      if (run === runs[0]) assert.deepEqual(Array.from(back.runRefs!.at, (at) => at >= 0), [true, false, true]);
    }
  });

  it('a bucket checked without making its records refuses exactly the records that would not read', () => {
    // A full load checks a bucket whole (skipFileRest), then reads and holds its files one by
    // one (readFileRest): a record the check passed and the read refused would leave part of
    // the bucket held. Bytes the checksum passed but a reader cannot take, each way.
    const problem = { code: 'x', message: 'm', file: '' };
    const cases: [unknown, unknown][] = [
      [{ size: 1, problems: [problem], artifacts: [{ digest: hex('a') }] }, [problem]],
      [{ problems: [1, 'x', []], artifacts: null }, []],
      [{ problems: [], artifacts: '' }, [[]]],
      [{ problems: 'x', artifacts: [] }, []],
      [{ problems: [], problems2: [] }, []],
      [{ artifacts: [] }, []],
      [{ problems: [null] }, []],
      [{ problems: [], artifacts: 'x' }, []],
      [{ problems: [], artifacts: [1] }, []],
      [{ problems: [], artifacts: [null] }, []],
      [{ problems: [], artifacts: {} }, []],
      [{ problems: [], artifacts: 3 }, []],
      [{ problems: [] }, [1]],
      [{ problems: [] }, [null]],
      [{ problems: [] }, {}],
      [[{ problems: [] }], []],
      [null, []],
    ];
    // The last of a repeated field is the one read.
    const repeated = (fields: [string, unknown][]) => (w: ByteWriter) => {
      w.beginObject();
      for (const [k, v] of fields) w.field(k, v);
      w.endObject();
    };
    cases.push(
      [repeated([['problems', []], ['artifacts', [1]], ['artifacts', []]]), []],
      [repeated([['problems', []], ['artifacts', []], ['artifacts', [1]]]), []],
      [repeated([['problems', 1], ['problems', []]]), []],
      [repeated([['problems', []], ['problems', 1]]), []],
    );
    for (const [record, derived] of cases) {
      const w = new ByteWriter();
      w.string(PATH);
      w.string(ROOT);
      w.uint(0);
      w.uint(0);
      if (typeof record === 'function') record(w);
      else w.value(record);
      w.value(derived);
      w.string('after');
      const read = new ByteReader(w.bytes());
      let reads = true;
      try {
        readFileRest(read, readFileHead(read), w.bytes());
      } catch {
        reads = false;
      }
      const checked = new ByteReader(w.bytes());
      readFileHead(checked);
      if (reads) {
        skipFileRest(checked);
        // Passed over exactly: the next string is where it was.
        assert.equal(checked.string(), 'after');
      } else assert.throws(() => skipFileRest(checked), /not a stored record|not an/, JSON.stringify([record, derived]));
    }
  });

  it('a partial load keeps only the rows picked, and the other files whole', async () => {
    const keyOf = (i: number) => `sha256:${(i % 7).toString(16).repeat(64)}`;
    const events: EventEntry[] = Array.from({ length: 2500 }, (_, i) => ({
      source: 'audit',
      file: PATH,
      line: i,
      eventType: 'provider_request_written',
      runId: `run-${i % 5}`,
      refs: [{ key: keyOf(i), field: 'artifact_ref' }],
      summary: { note: `note ${i % 3}`, artifact_ref: keyOf(i), nested: [{ deep: `x${i % 4}` }, 1.5, null, true] },
    }));
    const occurrences: Occurrence[] = events.map((_, i) => ({
      line: i,
      col: 0,
      endCol: 71,
      form: 'canonical',
      key: keyOf(i),
      text: keyOf(i),
      ...(i % 2 ? { namespace: 'ns', form: 'namespaced' as const, text: `ns/${keyOf(i)}` } : {}),
      ...(i % 10 === 3 ? { text: `own ${i}` } : {}),
    }));
    const log: FileRecord = { path: PATH, size: 1, mtimeMs: 1, role: 'auditLog', occurrences, events, problems: [] };
    const after: FileRecord = { path: '/ws/notes.md', size: 2, mtimeMs: 2, role: 'text', occurrences: [{ line: 0, col: 0, endCol: 71, form: 'canonical', key: keyOf(3), text: 'x2' }], events: [{ ...events[3], file: '/ws/notes.md' }], problems: [] };
    const decoded = decodeBucket(await bucketOf([log, after]));
    const pick: RowPick = {
      occurrence: (row) => decoded.rows.string(decoded.rows.occurrences.rows[row * 5 + 3]) === keyOf(3),
      event: (row) => decoded.rows.string(decoded.rows.events.run[row]) === 'run-1',
    };
    const [filtered, next] = load(decoded, (i) => (i === 0 ? pick : undefined));
    assert.deepEqual(filtered.record.events, events.filter((e) => e.runId === 'run-1'));
    // Kept rows keep their own text (an extra of the section, found again at its new index).
    assert.deepEqual(filtered.record.occurrences, occurrences.filter((o) => o.key === keyOf(3)));
    assert.deepEqual(next.record, after);
    assert.deepEqual(load(decoded)[0].record, log);
  });
});
