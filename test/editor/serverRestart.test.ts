import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { StatsRequest, type StatsResult } from '../../shared/protocol';
import { refscope, waitFor } from './helpers';

/** Pids of language servers this extension host started (`cli.js lsp --stdio` children of this process). */
function serverPids(): number[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && Number(m[2]) === process.pid && /cli\.js lsp --stdio/.test(m[3]))
    .map((m) => Number(m[1]));
}

describe('language server lifecycle', () => {
  it('restarts the server when it dies, and answers again', async () => {
    const api = await refscope();
    const [before] = serverPids();
    assert.ok(before, 'the server runs as a child of the extension host');
    process.kill(before, 'SIGKILL');
    const after = await waitFor('a new server process', () => serverPids().find((p) => p !== before));
    assert.notEqual(after, before);
    const stats = await waitFor('the restarted server to answer', async () => {
      try {
        // By method name: this file's RequestType objects are not the bundled client's instances.
        // By method name: the extension bundles its own vscode-jsonrpc, whose RequestType objects
        // (and parameter-structure checks) are not the ones this test module imports.
        return await api.client.sendRequest<StatsResult>(StatsRequest.method, {});
      } catch {
        return undefined;
      }
    });
    assert.ok(stats.artifacts > 0);
  });
});
