// One log with 200k dangling pointers (a store whose artifacts were pruned without events) once
// made `refscope index` and `verify` die with "Maximum call stack size exceeded" and kept the
// language server from ever becoming ready: one file took the whole product down.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliPath, LspTestClient, waitFor } from '../server/lspClient';
import type { StatsResult } from '../../shared/protocol';

const POINTERS = 200_000;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

describe('a log of 200k dangling pointers', function () {
  this.timeout(180000);
  let tmp: string;
  let workspace: string;
  let request: string;

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-flood-')));
    workspace = path.join(tmp, 'ws');
    const root = path.join(workspace, 'runtime');
    fs.mkdirSync(path.join(root, 'artifacts', 'requests'), { recursive: true });
    const body = JSON.stringify({ model: 'm', prompt: 'still here' });
    request = sha256(body);
    fs.writeFileSync(path.join(root, 'artifacts', 'requests', `${request}.json`), body);
    const lines: string[] = [];
    for (let i = 0; i < POINTERS; i++) lines.push(JSON.stringify({ event_type: 'tool_output_written', seq: i, artifact_ref: `sha256:${sha256(`pruned ${i}`)}` }));
    fs.writeFileSync(path.join(root, 'events.jsonl'), lines.join('\n') + '\n');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [cliPath, ...args, '--workspace', workspace, '--cache', path.join(tmp, 'cache'), '--json'], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 170000 });
    assert.equal(r.stderr.includes('Maximum call stack'), false, r.stderr);
    return r;
  };

  it('index answers with every dangling ref counted', () => {
    const r = cli(['index']);
    assert.equal(r.status, 0, r.stderr);
    const stats = JSON.parse(r.stdout) as StatsResult;
    assert.equal(stats.artifacts, 1);
    assert.equal(stats.dangling, POINTERS);
  });

  it('verify lists every one of them, each with its line, in one JSON document', () => {
    const r = cli(['verify']);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: { code: string; line?: number }[] };
    const dangling = report.problems.filter((p) => p.code === 'dangling-ref');
    assert.equal(dangling.length, POINTERS);
    assert.deepEqual([dangling[0].line, dangling[POINTERS - 1].line].sort((a, b) => a! - b!), [0, POINTERS - 1]);
  });

  it('the language server becomes ready and still resolves the artifact beside the log', async () => {
    const client = await LspTestClient.start(workspace);
    try {
      await waitFor(async () => (await client.request<StatsResult>('refscope/stats', {})).ready, 150000, 'ready');
      const r = await client.request<{ kind?: string; error?: string }>('refscope/resolve', { ref: `sha256:${request}` });
      assert.equal(r.kind, 'requests', JSON.stringify(r));
    } finally {
      await client.stop();
    }
  });
});
