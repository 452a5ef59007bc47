// refscope/trace of a run and refscope/diff through the real server over stdio.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DiffParams } from '../../shared/protocol';
import { DiffRequest, TraceRequest } from '../../shared/protocol';
import { Workspace } from '../index/fixture';
import { twoRuns } from '../trace/fixtures';
import { LspTestClient } from './lspClient';

describe('language server: run traces and compare', function () {
  this.timeout(30000);
  const ws = new Workspace('refscope-server-traces-');
  let client: LspTestClient;

  before(async () => {
    twoRuns(ws);
    client = await LspTestClient.start(ws.dir);
  });
  after(async () => {
    await client?.stop();
    ws.remove();
  });

  it('refscope/trace accepts a run id and answers the run with timing', async () => {
    const t = await client.request(TraceRequest.type, { ref: 'B' });
    assert.equal(t.runId, 'B');
    assert.deepEqual(
      t.steps.map((s) => [s.eventType, s.durationMs]),
      [
        ['run_started', 1000],
        ['provider_request_written', 1000],
        ['provider_response_written', 500],
        ['tool_call_written', 4500],
        ['run_completed', 0],
      ],
    );
    // The wire names files by URI (CONTRACT 3), never by the path the index holds.
    const steps = t.steps.concat(t.steps.flatMap((s) => s.children ?? []));
    assert.ok(steps.every((s) => !('path' in s) && s.uri !== undefined && fs.existsSync(fileURLToPath(s.uri))), JSON.stringify(steps));
  });

  it('refscope/diff {a, b} answers the aligned pairs', async () => {
    const d = await client.request(DiffRequest.type, { a: 'A', b: 'B' });
    assert.deepEqual(
      d.pairs.map((p) => p.status),
      ['same', 'changed', 'same', 'onlyA', 'onlyB', 'same'],
    );
    assert.equal(d.durationDeltaMs, 2000);
    const sides = d.pairs.flatMap((p) => [p.a, p.b]).filter((s) => s !== undefined);
    assert.ok(sides.every((s) => !('path' in s) && s.uri?.startsWith('file://')), JSON.stringify(sides));
    // What a client that leaves `b` out sends: the server answers, it does not throw.
    const bad = await client.request(DiffRequest.type, { a: 'A' } as DiffParams);
    assert.equal(bad.b.error, 'invalid');
  });
});
