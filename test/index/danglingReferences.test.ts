// References of a dangling ref: a ref with no target still has places that write it, and the
// editor's "find references" and the hover's "last seen" must list them from the index.
import * as assert from 'node:assert/strict';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { sha256, Workspace } from './fixture';

describe('index references of a dangling ref', () => {
  const ws = new Workspace();
  let index: RefIndex;
  const lost = sha256('never written');
  const other = sha256('also never written');
  const where = (ref: string) => index.references(ref).map((l) => `${l.path.slice(ws.dir.length + 1)}:${l.line}:${l.col}-${l.endCol}`);

  before(async () => {
    const output = ws.artifact('runtime', 'outputs', { text: 'ok' });
    ws.artifact('runtime', 'explains', { compared_with: `sha256:${lost}`, output_ref: `sha256:${output}` });
    // Two logs whose records interleave in time: the later record is in the log that sorts first.
    ws.auditLog('runtime/logs/b.jsonl', [
      { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' },
      { event_type: 'baseline_missing', run_id: 'r1', artifact_ref: `sha256:${lost}`, ts: '2024-05-01T10:00:01Z' },
    ]);
    ws.auditLog('runtime/logs/a.jsonl', [
      { event_type: 'baseline_missing', run_id: 'r2', artifact_ref: `sha256:${lost}`, ts: '2024-05-01T10:00:05Z' },
      { event_type: 'run_completed', run_id: 'r2', ts: '2024-05-01T10:00:06Z' },
    ]);
    ws.write('notes.md', [`baseline sha256:${lost}`, `scoped prompts/sha256:${lost} and other sha256:${other}`, `short sha256:${lost.slice(0, 10)}`, `bad ../x/sha256:${lost}`].join('\n'));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
  });
  after(async () => {
    await index.close();
    ws.remove();
  });

  it('lists every valid place writing it, log records last in the order they happened', () => {
    const r = index.resolve(`sha256:${lost}`);
    assert.ok(r.type === 'unresolved' && r.error === 'dangling');
    const places = where(`sha256:${lost}`);
    const explain = places.find((p) => p.startsWith('runtime/artifacts/explains/'));
    assert.ok(explain, places.join('\n'));
    // Files that are not log records first (by path), then the logs in event order: b.jsonl's
    // record at 10:00:01 before a.jsonl's at 10:00:05. The invalid ../x ref is not one of them.
    assert.deepEqual(places, ['notes.md:0:9-80', 'notes.md:1:7-86', explain, places[3], places[4]]);
    assert.match(places[3], /^runtime\/logs\/b\.jsonl:1:/);
    assert.match(places[4], /^runtime\/logs\/a\.jsonl:0:/);
  });

  it('scopes a namespaced or abbreviated dangling ref to the places written the same way', () => {
    assert.deepEqual(where(`prompts/sha256:${lost}`), ['notes.md:1:7-86']);
    assert.deepEqual(where(`sha256:${lost.slice(0, 10)}`), ['notes.md:2:6-23']);
    assert.deepEqual(where(`sha256:${other}`), ['notes.md:1:97-168']);
  });

  it('lists nothing for invalid refs and for refs nothing writes', () => {
    assert.deepEqual(where(`../x/sha256:${lost}`), []);
    assert.deepEqual(where(`sha256:${sha256('nowhere')}`), []);
  });
});
