import * as assert from 'node:assert/strict';
import type { FileRecord, Occurrence } from '../../shared/records';
import { MemoryIndex } from '../../shared/index/memoryIndex';

const hex = (c: string) => c.repeat(64);

function ref(line: number, key: string, extra: Partial<Occurrence> = {}): Occurrence {
  return { line, col: 0, endCol: key.length, form: 'canonical', key, text: key, ...extra };
}

/** A record of each shape the store keeps: every optional field a reader sets, and a plain text file. */
function records(): FileRecord[] {
  return [
    {
      path: '/ws/state/models/manifests/m.json',
      size: 120,
      mtimeMs: 1_700_000_000_123.5,
      role: 'manifest',
      manifest: { stateDir: '/ws/state', file: '/ws/state/models/manifests/m.json', id: 'm', sha256: hex('c'), verified: true },
      occurrences: [ref(0, `sha256:${hex('c')}`)],
      problems: [{ file: '/ws/state/models/manifests/m.json', line: 2, severity: 'warning', code: 'malformed', message: 'odd' }],
    },
    { path: '/ws/state/models/by-hash/c', size: 9, mtimeMs: 2, role: 'blob', blob: { stateDir: '/ws/state', digest: hex('c'), path: '/ws/state/models/by-hash/c', size: 9, mtimeMs: 2 }, occurrences: [], problems: [] },
    { path: '/ws/state/models/partial/p.part', size: 3, mtimeMs: 3, role: 'partial', partial: { stateDir: '/ws/state', name: 'p', path: '/ws/state/models/partial/p.part', bytes: 3, total: 10 }, occurrences: [], problems: [] },
    {
      path: '/ws/runtime/run_r1.json',
      size: 50,
      mtimeMs: 4,
      role: 'runState',
      // Kept as ids (FileColumns.packGroups): digest keys, namespaced and free-text refs, repeats, unicode, an empty group.
      run: {
        type: 'runState',
        ref: '/ws/runtime/run_r1.json',
        groups: [
          { label: 'inputs', refs: [{ ref: `sha256:${hex('a')}`, path: 'inputs.a' }, { ref: `sha256:${hex('a')}`, path: 'inputs.b[0]' }] },
          { label: 'größe', refs: [{ ref: `models/sha256:${hex('b')}`, path: 'größe.模型' }, { ref: 'artifact:x', path: 'größe.x' }] },
          { label: '(top)', refs: [] },
        ],
        runId: 'r1',
        status: 'running',
      },
      occurrences: [ref(1, `sha256:${hex('a')}`), ref(2, 'sha256:abc', { form: 'abbreviated', key: 'sha256:abc', text: 'abc' })],
      problems: [],
      resume: { offset: 10, line: 1, state: { open: [1] } },
    },
    {
      path: '/ws/runtime/snapshot_s1.json',
      size: 20,
      mtimeMs: 6,
      role: 'snapshotFile',
      run: { type: 'snapshot', ref: '/ws/runtime/snapshot_s1.json', groups: [], runId: 'r1' },
      occurrences: [],
      problems: [],
    },
    // A size past 32 bits (a big log's): the column held at 32 bits widens.
    { path: '/ws/notes.md', size: 5_000_000_000, mtimeMs: 5, role: 'text', occurrences: [ref(0, `sha256:${hex('a')}`, { text: `SHA256:${hex('a').toUpperCase()}`, upperCase: true })], problems: [] },
  ];
}

/** A record as the store gives it back: its rows as objects again. */
function heldRecord(store: MemoryIndex, path: string): FileRecord {
  const f = store.get(path)!;
  const record = { ...f.record, occurrences: store.occurrencesIn(path) } as FileRecord;
  delete record.artifacts;
  delete record.events;
  return record;
}

describe('index file columns', () => {
  it('gives back every record exactly, and finds each file by what it holds', () => {
    const store = new MemoryIndex();
    for (const r of records()) store.set(r.path, { record: structuredClone(r), root: '/ws' });
    for (const r of records()) {
      assert.deepEqual(heldRecord(store, r.path), r);
      // In the readers' field order (runInfo.ts): the save writes a record's fields as they come.
      if (r.run) assert.deepEqual(Object.keys(store.get(r.path)!.record.run!), Object.keys(r.run));
      assert.equal(store.get(r.path)!.root, '/ws');
      assert.equal(store.rootOf(r.path), '/ws');
    }
    assert.equal(store.files.size, 6);
    assert.deepEqual([...store.files.keys()].sort(), records().map((r) => r.path).sort());
    assert.deepEqual(store.blobsByDigest.get(hex('c'))?.map((b) => b.path), ['/ws/state/models/by-hash/c']);
    assert.deepEqual(store.manifestsByDigest.get(hex('c'))?.map((m) => m.id), ['m']);
    assert.deepEqual(store.runRecords.get('r1')?.map((r) => r.path), ['/ws/runtime/run_r1.json']);
    assert.deepEqual(store.partials().map((p) => p.name), ['p']);
    assert.deepEqual([...store.viewFiles].map((f) => f.record.path).sort(), ['/ws/runtime/run_r1.json', '/ws/runtime/snapshot_s1.json', '/ws/state/models/manifests/m.json', '/ws/state/models/partial/p.part']);
    assert.deepEqual(store.filesMentioning(`sha256:${hex('a')}`).sort(), ['/ws/notes.md', '/ws/runtime/run_r1.json']);
    assert.deepEqual([...store.filesWithAbbreviations()], ['/ws/runtime/run_r1.json']);
    assert.deepEqual(store.counts(), { artifacts: 0, refs: 4, events: 0, blobs: 1, problems: 1 });
  });

  it('a file replaced or removed leaves nothing of its old self, and a path that comes back keeps its id', () => {
    const store = new MemoryIndex();
    for (const r of records()) store.set(r.path, { record: structuredClone(r), root: '/ws' });
    const manifest = records()[0];
    const id = store.get(manifest.path)!.id;
    store.set(manifest.path, { record: { ...structuredClone(manifest), manifest: undefined, problems: [], size: 1, occurrences: [] }, root: '/other' });
    assert.equal(store.get(manifest.path)!.id, id);
    assert.deepEqual(heldRecord(store, manifest.path), { path: manifest.path, size: 1, mtimeMs: manifest.mtimeMs, role: 'manifest', occurrences: [], problems: [] });
    assert.equal(store.rootOf(manifest.path), '/other');
    assert.equal(store.manifestsByDigest.get(hex('c')), undefined);
    assert.equal(store.counts().problems, 0);
    store.remove('/ws/runtime/run_r1.json');
    assert.equal(store.get('/ws/runtime/run_r1.json'), undefined);
    assert.equal(store.runRecords.get('r1'), undefined);
    assert.deepEqual([...store.filesWithAbbreviations()], []);
    assert.deepEqual(store.filesMentioning(`sha256:${hex('a')}`), ['/ws/notes.md']);
    assert.equal(store.files.size, 5);
    assert.deepEqual(store.counts(), { artifacts: 0, refs: 1, events: 0, blobs: 1, problems: 0 });
  });
});
