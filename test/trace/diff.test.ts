import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { DiffResult } from '../../shared/protocol';
import { diffWire } from '../../shared/wire/traceWire';
import { indexedTwoRuns } from './fixtures';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

describe('compare two runs', () => {
  const t = indexedTwoRuns('refscope-diff-');

  it('aligns the steps, names what changed with both values, and gives both durations', () => {
    const d = t.index.diff(`sha256:${t.h.capsule}`, 'B');
    assert.deepEqual(d.a, { root: `sha256:${t.h.capsule}`, runId: 'A', durationMs: 5000 });
    assert.deepEqual(d.b, { root: 'B', runId: 'B', durationMs: 7000 });
    assert.equal(d.durationDeltaMs, 2000);
    assert.deepEqual(
      d.pairs.map((p) => [p.status, (p.a ?? p.b)!.eventType]),
      [
        ['same', 'run_started'],
        ['changed', 'provider_request_written'],
        ['same', 'provider_response_written'],
        ['onlyA', 'run_capsule_written'],
        ['onlyB', 'tool_call_written'],
        ['same', 'run_completed'],
      ],
    );
    const changed = d.pairs[1];
    assert.deepEqual(changed.changes, [{ path: '$.messages[0].content', a: 'hi', b: 'hello' }]);
    assert.equal(changed.a!.children![0].ref, `sha256:${t.h.reqA}`);
    assert.equal(changed.b!.children![0].ref, `sha256:${t.h.reqB}`);
    // A answered in 1 s (until its capsule), B in 0.5 s (until its tool call).
    assert.equal(d.pairs[2].durationDeltaMs, -500);
  });

  it('refscope diff prints the aligned pairs; --json prints what refscope/diff answers; a side that is nothing exits 1', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'diff', ...args, '--workspace', t.ws.dir, '--cache', t.ws.p('.cache')], { encoding: 'utf8' });
    const text = run('A', 'B');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^~ changed .*provider_request_written/m);
    assert.match(text.stdout, /\$\.messages\[0\]\.content: "hi" -> "hello"/);
    assert.match(text.stdout, /^\+ onlyB .*tool_call_written/m);
    assert.match(text.stdout, /3 same, 1 changed, 1 only in A, 1 only in B/);
    const json = run('A', 'B', '--json');
    assert.equal(json.status, 0);
    assert.deepEqual(JSON.parse(json.stdout) as DiffResult, JSON.parse(JSON.stringify(diffWire(t.index.diff('A', 'B')))));
    const bad = run('A', 'no-such-run');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /no-such-run: invalid/);
    assert.equal(run('A').status, 2);
  });
});
