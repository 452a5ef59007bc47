import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ArtifactEntry, FileRecord } from '../../shared/records';
import { DigestTable, hashOf } from '../../shared/index/digestTable';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { StringTable } from '../../shared/index/stringTable';

const hex = (c: string) => c.repeat(64);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ROOT = '/ws/runtime';

function artifactFile(digest: string, extra: Partial<ArtifactEntry> = {}): FileRecord {
  const path = `${ROOT}/artifacts/requests/${digest}.json`;
  const entry: ArtifactEntry = { key: `sha256:${digest}`, digest, kind: 'requests', namespace: 'requests', root: ROOT, path, size: 10, verification: 'verified', ...extra };
  return { path, size: 10, mtimeMs: 1, role: 'artifact', artifacts: [entry], occurrences: [], problems: [] };
}

/** A file-store sidecar whose bytes are a deduplicated blob elsewhere: found by its id, its blob digest and both paths. */
function sidecar(id: string, blobId: string): FileRecord {
  const path = `/ws/store/artifacts/refs/${id}.meta`;
  const entry: ArtifactEntry = {
    key: `artifact:${id}`,
    digest: id,
    kind: 'file-store',
    namespace: 'refs',
    root: '/ws/store',
    metaPath: path,
    path: `/ws/store/artifacts/blobs/${blobId}.bin`,
    size: 3,
    verification: 'mismatch',
    actualDigest: hex('e'),
    blobId,
    createdAt: 'yesterday',
    tags: ['t'],
    metadata: { a: [1, { b: null }] },
  };
  return { path, size: 1, mtimeMs: 1, role: 'sidecar', artifacts: [entry], occurrences: [], problems: [] };
}

describe('index artifact columns', () => {
  it('gives back each artifact its kind, namespace and root past the few thousand names it remembers by string', () => {
    // The names' ids are remembered by string up to a bound, then forgotten and found again:
    // every artifact must read back what it was written with, before and after.
    const store = new MemoryIndex();
    const files = Array.from({ length: 9000 }, (_, i) =>
      artifactFile(sha(String(i)), i % 3 ? { kind: `kind-${i}`, namespace: `ns-${i % 5000}` } : { root: `${ROOT}-${i % 7}` }),
    );
    for (const f of files) store.set(f.path, { record: structuredClone(f), root: ROOT });
    for (const f of files) {
      const [a] = store.artifactsOf(store.get(f.path)!);
      const [written] = f.artifacts!;
      assert.deepEqual([a.kind, a.namespace, a.root], [written.kind, written.namespace, written.root]);
    }
  });

  it('interns each digest once and finds it by its bytes, through many growths of the table', () => {
    const table = new DigestTable();
    // Digests that share long runs (as tests write them) and real ones.
    const digests = [...Array.from({ length: 3000 }, (_, i) => sha(String(i))), ...'0123456789abcdef'.split('').map(hex), '0'.repeat(63) + '1'];
    const ids = digests.map((d) => table.id(d));
    assert.equal(new Set(ids).size, digests.length);
    assert.equal(table.size, digests.length);
    digests.forEach((d, i) => {
      assert.equal(table.id(d), ids[i]);
      assert.equal(table.find(d), ids[i]);
      assert.equal(table.hex(ids[i]), d);
    });
    assert.equal(table.find(sha('not added')), undefined);
    assert.equal(table.find('ABC'), undefined);
    assert.equal(table.find(hex('A')), undefined, 'upper case is not a digest the table holds');
    assert.equal(table.size, digests.length, 'a lookup never adds');
  });

  it('spreads digests that differ only in their last bytes over the low bits the slots use', () => {
    // A file may cite thousands of such digests: had they shared a run of slots, interning them took quadratic time.
    const bytes = new Uint8Array(32);
    const slots = new Set<number>();
    for (let n = 0; n < 4096; n++) {
      bytes[30] = n >> 8;
      bytes[31] = n & 255;
      slots.add(hashOf(bytes, 0) & 8191);
    }
    // 4096 random values in 8192 slots fill about 3,220 of them.
    assert.ok(slots.size > 2900, `${slots.size} slots of 8192 for 4096 digests`);
  });

  it('a string table keeps `sha256:` and `blake3:` keys as digest ids: each string back exactly, other strings as they were', () => {
    const digests = new DigestTable();
    const table = new StringTable(digests);
    const strings = [`sha256:${hex('a')}`, 'run-1', `sha256:${hex('A')}`, `blake3:${hex('a')}`, hex('b'), `sha256:${hex('a').slice(1)}`, `sha256:${sha('x')}`, 'sha256:abc', `blake3:${hex('A')}`, `blake3:${sha('y')}`, 'blake3:abc'];
    const ids = strings.map((s) => table.id(s));
    assert.equal(new Set(ids).size, strings.length);
    strings.forEach((s, i) => {
      assert.equal(table.id(s), ids[i]);
      assert.equal(table.find(s), ids[i]);
      assert.equal(table.value(ids[i]), s);
    });
    assert.equal(digests.size, 2, 'only the two lower-case sha256 keys are digests');
    // A blake3 key is no artifact's digest: callers that go on to the digest table with an id (the save, the cross-file check) see none.
    assert.deepEqual(
      ids.map((id) => table.digestIdOf(id) >= 0),
      strings.map((s) => s === `sha256:${hex('a')}` || s === `sha256:${sha('x')}`),
    );
    assert.equal(table.find(`blake3:${hex('c')}`), undefined);
    assert.equal(table.textBytes, ['run-1', `sha256:${hex('A')}`, hex('b'), `sha256:${hex('a').slice(1)}`, 'sha256:abc', `blake3:${hex('A')}`, 'blake3:abc'].join('').length, 'the lower-case blake3 keys take no text bytes');
    assert.equal(table.find(`sha256:${hex('c')}`), undefined);
    // An artifact's digest added elsewhere is not a key of the table until it is asked for as one.
    digests.id(hex('d'));
    assert.equal(table.find(`sha256:${hex('d')}`), undefined);
    assert.equal(table.value(table.id(`sha256:${hex('d')}`)), `sha256:${hex('d')}`);
    assert.equal(table.size, strings.length + 1);
  });

  it('gives back every field of an artifact exactly, by key, blob key and path', () => {
    const store = new MemoryIndex();
    const a = artifactFile(hex('a'), { createdAt: '2026-11-20T09:01:38.652Z', runId: 'r1', turnId: 't1', toolId: 'x', schema: 's', provider: 'p', model: 'm', sensitivity: 'low', labels: { l: 1 }, contentType: 'application/json' });
    const s = sidecar('abc', hex('b'));
    // A size as a manifest may write it (not an int32): the column held at 32 bits widens.
    s.artifacts![0].size = 2.5;
    const expected = [structuredClone(a.artifacts![0]), structuredClone(s.artifacts![0])];
    store.set(a.path, { record: a, root: ROOT });
    store.set(s.path, { record: s, root: '/ws/store' });
    assert.deepEqual(store.artifactsByKey.get(`sha256:${hex('a')}`), [expected[0]]);
    assert.deepEqual(store.artifactsByKey.get('artifact:abc'), [expected[1]]);
    assert.deepEqual(store.artifactsByKey.get(`sha256:${hex('b')}`), [expected[1]], 'found by its blob digest');
    assert.deepEqual(store.artifactByPath.get(a.path), expected[0]);
    assert.deepEqual(store.artifactByPath.get(s.path), expected[1]);
    assert.deepEqual(store.artifactByPath.get(expected[1].path!), expected[1]);
    assert.deepEqual(store.digestsWithPrefix('', 10), [hex('a'), hex('b')]);
    assert.deepEqual([...store.requestKeys], [`sha256:${hex('a')}`]);
    assert.equal(store.counts().artifacts, 2);
  });

  it('gives back the fields named by the names table once its ids no longer fit in 16 bits', function () {
    this.timeout(30000);
    // Each artifact names a model of its own: the names table passes 65,535 ids (a column starts at 16 bits, and widens).
    const store = new MemoryIndex();
    const n = 66_000;
    const files = Array.from({ length: n }, (_, i) => artifactFile(sha(String(i)), { model: `model-${i}`, namespace: i % 2 ? 'odd' : 'even' }));
    const expected = files.map((f) => structuredClone(f.artifacts![0]));
    for (const f of files) store.set(f.path, { record: f, root: ROOT });
    for (const i of [0, 1, 65_533, 65_534, 65_535, n - 1]) {
      assert.deepEqual(store.artifactsByKey.get(`sha256:${sha(String(i))}`), [expected[i]], `artifact ${i}`);
    }
  });

  it('finds digests by prefix in the sorted list, among those added since, and once they are merged', function () {
    this.timeout(20_000);
    const store = new MemoryIndex();
    const add = (d: string) => store.set(artifactFile(d).path, { record: artifactFile(d), root: ROOT });
    const held: string[] = [];
    const check = (what: string) => {
      const sorted = [...held].sort();
      for (const prefix of ['', sorted[0].slice(0, 1), sorted[7].slice(0, 3), sorted[sorted.length - 1].slice(0, 4), sorted[5].slice(0, 63), 'fff', '0']) {
        const expected = sorted.filter((d) => d.startsWith(prefix));
        assert.deepEqual(store.digestsWithPrefix(prefix, 1e6), expected, `${what}: '${prefix}'`);
        assert.deepEqual(store.digestsWithPrefix(prefix, 3), expected.slice(0, 3), `${what}: '${prefix}' up to 3`);
      }
      assert.deepEqual(store.digestsWithPrefix('ABC', 10), [], 'upper case is no digest prefix');
      assert.deepEqual(store.digestsWithPrefix('x', 10), []);
    };
    for (let i = 0; i < 3000; i++) add(held[held.length] = sha(`first ${i}`));
    check('sorted');
    // Fewer than are merged: kept apart and sorted on their own; then enough to be merged in.
    for (let i = 0; i < 500; i++) add(held[held.length] = sha(`then ${i}`));
    check('added apart');
    for (let i = 0; i < 9000; i++) add(held[held.length] = sha(`many ${i}`));
    check('merged');
  });

  it('keeps the lookups right through replacements and removals', () => {
    const store = new MemoryIndex();
    const digests = Array.from({ length: 400 }, (_, i) => sha(String(i)));
    for (const d of digests) store.set(artifactFile(d).path, { record: artifactFile(d), root: ROOT });
    assert.deepEqual(store.digestsWithPrefix('', 1000), [...digests].sort());
    // Replace every other file (its row is given back and taken again), remove every third.
    digests.forEach((d, i) => {
      if (i % 2 === 0) store.set(artifactFile(d).path, { record: artifactFile(d, { verification: 'mismatch', size: i }), root: ROOT });
    });
    digests.forEach((d, i) => {
      if (i % 3 === 0) store.remove(artifactFile(d).path);
    });
    const kept = digests.filter((_, i) => i % 3 !== 0);
    assert.equal(store.counts().artifacts, kept.length);
    assert.deepEqual(store.digestsWithPrefix('', 1000), [...kept].sort());
    digests.forEach((d, i) => {
      const found = store.artifactsByKey.get(`sha256:${d}`);
      if (i % 3 === 0) {
        assert.equal(found, undefined);
        assert.equal(store.artifactByPath.get(artifactFile(d).path), undefined);
        assert.equal(store.hasArtifact(`sha256:${d}`), false);
      } else {
        assert.deepEqual(found, [artifactFile(d, i % 2 === 0 ? { verification: 'mismatch', size: i } : {}).artifacts![0]]);
        assert.equal(store.hasArtifact(`sha256:${d}`, 'requests'), true);
        assert.equal(store.hasArtifact(`sha256:${d}`, 'prompts'), false);
      }
    });
    assert.equal(store.requestKeys.size, kept.length);
    // A file-store artifact gone takes its blob key and bytes path with it.
    const s = sidecar('abc', hex('b'));
    const bytes = s.artifacts![0].path!;
    store.set(s.path, { record: s, root: '/ws/store' });
    store.remove(s.path);
    assert.equal(store.artifactsByKey.has(`sha256:${hex('b')}`), false);
    assert.equal(store.artifactByPath.get(bytes), undefined);
  });
});
