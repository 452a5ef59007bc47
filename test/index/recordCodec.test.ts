import * as assert from 'node:assert/strict';
import type { ArtifactEntry, EventEntry, FileRecord, Occurrence, Problem } from '../../shared/records';
import { ByteReader, ByteWriter } from '../../shared/index/byteCodec';
import { readRecord, writeRecord } from '../../shared/index/recordCodec';

const hex = (c: string) => c.repeat(64);
const PATH = '/ws/runtime/logs/audit.jsonl';
const ROOT = '/ws/runtime';

function roundTrip(record: FileRecord, derived: Problem[] = []) {
  const w = new ByteWriter(16); // small: the buffer has to grow
  writeRecord(w, { record, root: ROOT }, derived);
  writeRecord(w, { record, root: ROOT }, derived); // the second copy names the first's strings
  const r = new ByteReader(Uint8Array.from(w.bytes()));
  const first = readRecord(r);
  const second = readRecord(r);
  assert.ok(r.done);
  assert.deepEqual(second, first);
  return first;
}

describe('index cache record codec', () => {
  it('restores every field of events, artifacts and occurrences exactly', () => {
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
      artifacts: [artifact, fileStore],
      events: [event, other],
      occurrences,
      problems: [{ file: PATH, line: 1, severity: 'error', code: 'broken-chain', message: 'broken' }, { file: '/x', severity: 'warning', code: 'malformed', message: 'm' }],
      resume: { offset: 10, line: 2, state: { chain: { prevHash: `sha256:${hex('3')}` } } },
      run: { type: 'capsule', ref: 'r', groups: [{ label: 'l', refs: [{ ref: 'a', path: 'b' }] }] },
    };
    const derived: Problem[] = [{ file: PATH, line: 0, col: 0, endCol: 71, severity: 'warning', code: 'dangling-ref', message: 'dangling' }];
    const expected = structuredClone(record);
    const { stored, derived: back } = roundTrip(record, derived);
    assert.deepEqual(stored, { record: expected, root: ROOT });
    assert.equal(Object.getPrototypeOf(stored.record.events![0].summary), Object.prototype);
    assert.deepEqual(back, derived);
    // The record given to the writer is not changed by it.
    assert.deepEqual(record, expected);
  });

  it('throws on damaged bytes instead of returning a wrong record', () => {
    const record: FileRecord = { path: PATH, size: 1, mtimeMs: 1, role: 'text', occurrences: [{ line: 0, col: 0, endCol: 71, form: 'canonical', key: `sha256:${hex('a')}`, text: `sha256:${hex('a')}` }], problems: [] };
    const w = new ByteWriter();
    writeRecord(w, { record, root: ROOT });
    const bytes = Uint8Array.from(w.bytes());
    for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => readRecord(new ByteReader(bytes.subarray(0, cut))));
    // A huge count in damaged bytes is refused before anything is allocated for it.
    const huge = new ByteWriter();
    huge.string(PATH);
    huge.string(ROOT);
    huge.uint(2 ** 40);
    assert.throws(() => readRecord(new ByteReader(huge.bytes())), /end of data/);
  });
});
