import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { StatsRequest } from '../../shared/protocol';
import { refscope, sendRequest, waitFor } from './helpers';

/** Pids of language servers this extension host started (`cli.js lsp --stdio` children of this process). */
function serverPids(): number[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && Number(m[2]) === process.pid && /cli\.js lsp --stdio/.test(m[3]))
    .map((m) => Number(m[1]));
}

describe('language server lifecycle', () => {
  it("starts the server with glibc's malloc threshold fixed, unless the editor's environment sets its own", async function () {
    // The environment of a process is readable from /proc on Linux only, where glibc reads it.
    if (process.platform !== 'linux') this.skip();
    await refscope();
    const [pid] = serverPids();
    assert.ok(pid, 'the server runs as a child of the extension host');
    const env = new Map(
      fs
        .readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    assert.equal(env.get('MALLOC_MMAP_THRESHOLD_'), process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072');
    // The rest of the editor's environment is passed on.
    assert.equal(env.get('PATH'), process.env.PATH);
  });

  it('restarts the server when it dies, and answers again', async () => {
    const api = await refscope();
    const [before] = serverPids();
    assert.ok(before, 'the server runs as a child of the extension host');
    process.kill(before, 'SIGKILL');
    const after = await waitFor('a new server process', () => serverPids().find((p) => p !== before));
    assert.notEqual(after, before);
    const stats = await waitFor('the restarted server to answer', async () => {
      try {
        return await sendRequest(api, StatsRequest, {});
      } catch {
        return undefined;
      }
    });
    assert.ok(stats.artifacts > 0);
  });
});
