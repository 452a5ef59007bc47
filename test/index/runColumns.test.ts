// Runs (of run capsules, run states and snapshots) are kept as run columns (runColumns.ts), not
// an object per file: the views and traces must see every run field as the reader gave it,
// after a save and a full load of the saved index, and after files are replaced and deleted
// (rows reused, the groups' pool compacted), exactly as an index built from scratch sees them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initReaders } from '../../shared/readers';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { Workspace } from './fixture';

const digest = (n: number) => n.toString(16).padStart(64, '0');

/** A run capsule whose fields vary with `n`: some without a mode, a time or tool calls, refs in several sections. */
function capsule(n: number, version = 0): unknown {
  const doc: Record<string, unknown> = { schema: 'run_capsule.v1', run: { run_id: `run-${n}` }, version };
  if (n % 3) (doc.run as Record<string, unknown>).mode = n % 2 ? 'live' : 'replay';
  if (n % 5) doc.created_at = `2025-01-02T00:00:${String(n % 60).padStart(2, '0')}Z`;
  // A rewritten capsule has many more refs: its groups need more room than the freed ones' had (the pool is compacted).
  const tools = version ? 40 : n % 4;
  if (tools) doc.tool_io = Array.from({ length: tools }, (_, i) => ({ tool_id: 'search', output_ref: `sha256:${digest(n * 100 + i)}` }));
  doc.context = { prompt_template_refs: [`prompt_templates/sha256:${digest(n)}`], größe: `sha256:${digest(n + 1)}` };
  return doc;
}

/** The runs and snapshots as the views list them, in order, each field as given (its key order too). */
function runsOf(index: RefIndex): string {
  const rows = (list: ReturnType<RefIndex['runs']>) => list.map((r) => JSON.stringify(r)).sort();
  return JSON.stringify({ runs: rows(index.runs()), snapshots: rows(index.snapshots()) });
}

describe('index run columns', function () {
  this.timeout(120000);
  let ws: Workspace;
  let cache: string;
  const opened: RefIndex[] = [];
  const open = (): RefIndex => {
    const index = createIndex({ folders: [ws.dir], cacheDir: cache });
    opened.push(index);
    return index;
  };
  before(initReaders);
  beforeEach(() => {
    ws = new Workspace();
    cache = path.join(ws.dir, '.cache');
  });
  afterEach(async () => {
    for (const index of opened.splice(0)) await index.close();
    ws.remove();
  });

  it('gives every run back as read, after a full load of the saved index and after files are replaced and deleted', async () => {
    const capsules: string[] = [];
    for (let n = 0; n < 300; n++) capsules.push(ws.artifact('rt', 'run_capsules', capsule(n)));
    for (let n = 0; n < 20; n++) ws.write(`rt/run_state-${n}/run_r${n}.json`, JSON.stringify({ run_id: `run-${n}`, status: n % 2 ? 'running' : 'completed', mode: 'live', updated_at: `2025-01-03T00:00:${n}Z`, input: `sha256:${digest(n)}` }));
    ws.write('rt/snapshot_s1.json', JSON.stringify({ run_state: { run_id: 'run-1', status: 'paused' }, ts: '2025-01-04T00:00:00Z' }));

    const first = open();
    await first.build();
    const built = runsOf(first);
    const run7 = first.runs().find((r) => r.runId === 'run-7' && r.ref.startsWith('sha256:'))!;
    // Every field the capsule reader sets (runInfo.ts).
    assert.deepEqual(Object.keys(run7), ['ref', 'path', 'groups', 'runId', 'mode', 'time', 'toolCount']);
    assert.equal(run7.mode, 'live');
    assert.equal(run7.toolCount, 3);
    assert.deepEqual(run7.groups!.map((g) => g.label), ['context', 'tool_io']);
    assert.equal(JSON.parse(built).runs.length, 320);
    await first.close();

    // The saved index, loaded whole (a warm start).
    const warm = open();
    await warm.build();
    assert.equal(runsOf(warm), built);

    // Most capsules gone, others rewritten (a new name each: a new file), a run state changed: rows are freed and reused.
    const changed: string[] = [];
    for (let n = 0; n < 300; n++) {
      const file = ws.p(`rt/artifacts/run_capsules/${capsules[n]}.json`);
      if (n % 5 !== 0) fs.rmSync(file);
      changed.push(file);
      if (n % 10 === 0) changed.push(ws.p(`rt/artifacts/run_capsules/${ws.artifact('rt', 'run_capsules', capsule(n, 1))}.json`));
    }
    changed.push(ws.write('rt/run_state-3/run_r3.json', JSON.stringify({ run_id: 'run-3', status: 'failed' })));
    await warm.update(changed);
    const fresh = createIndex({ folders: [ws.dir] });
    opened.push(fresh);
    await fresh.build();
    const updated = runsOf(fresh);
    assert.equal(JSON.parse(updated).runs.length, 60 + 30 + 20);
    assert.equal(runsOf(warm), updated);
  });
});
