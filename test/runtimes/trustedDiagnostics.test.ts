// Diagnostics a user can trust (CONTRACT 1.5, 1.8): on workspaces shaped like real runtimes,
// and on copies of them moved to another path, the only warnings are the planted real ones
// (precision and recall 100%), run ids resolve to runs, fingerprints are never problems and
// moved manifests are information. Driven through the real CLI on real files.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ResolveRun, TraceResult } from '../../shared/protocol';
import { cliPath } from '../server/lspClient';
import { buildAbstractWorkspace, buildServerdWorkspace, copyWorkspace, type Planted } from './shapedWorkspaces';

interface Reported {
  file: string;
  line?: number;
  severity: string;
  code: string;
  message: string;
}

function cli(workspace: string, cache: string, args: string[]): { status: number | null; json: unknown; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args, '--workspace', workspace, '--cache', cache, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 60000 });
  return { status: r.status, json: r.stdout ? JSON.parse(r.stdout) : undefined, stderr: r.stderr };
}

/** Precision and recall of the warnings and errors `verify` reports against the planted faults. */
function score(reported: Reported[], planted: Planted[]): { precision: number; recall: number; extra: Reported[]; missed: Planted[] } {
  const noisy = reported.filter((p) => p.severity !== 'information');
  const isPlanted = (p: Reported) => planted.some((x) => x.file === p.file && x.line === p.line && p.message.includes(x.ref.replace(/^artifact:/, '')));
  const hits = noisy.filter(isPlanted);
  const missed = planted.filter((x) => !noisy.some((p) => x.file === p.file && x.line === p.line && p.message.includes(x.ref.replace(/^artifact:/, ''))));
  return { precision: noisy.length ? hits.length / noisy.length : 1, recall: planted.length ? (planted.length - missed.length) / planted.length : 1, extra: noisy.filter((p) => !isPlanted(p)), missed };
}

describe('diagnostics a user can trust on runtime-shaped workspaces', function () {
  this.timeout(120000);
  let tmp: string;

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-shaped-')));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('serverd (sha256 run ids, state hashes, audit envelopes, absolute manifest paths)', () => {
    let ws: string;
    let built: ReturnType<typeof buildServerdWorkspace>;
    before(() => {
      ws = path.join(tmp, 'serverd-ws');
      built = buildServerdWorkspace(ws);
    });

    const check = (workspace: string, planted: Planted[], cache: string) => {
      const r = cli(workspace, cache, ['verify']);
      const report = r.json as { problems: Reported[] };
      const s = score(report.problems, planted);
      assert.deepEqual({ extra: s.extra, missed: s.missed }, { extra: [], missed: [] });
      assert.equal(s.precision, 1);
      assert.equal(s.recall, 1);
      assert.equal(report.problems.filter((p) => p.code === 'dangling-ref').length, planted.length);
      return report;
    };

    it('verify warns of the planted dangling pointers and nothing else: precision and recall 100%', () => {
      const report = check(ws, built.planted, path.join(tmp, 'cache-serverd'));
      assert.equal(report.problems.filter((p) => p.code === 'moved-manifest').length, 0, 'manifests written here are not moved');
    });

    it('a run id resolves to its run; show answers {kind: run} with capsule, events and times', () => {
      const r = cli(ws, path.join(tmp, 'cache-serverd'), ['show', built.runIds[3]]);
      assert.equal(r.status, 0, r.stderr);
      const run = r.json as ResolveRun;
      assert.equal(run.kind, 'run');
      assert.equal(run.runId, built.runIds[3]);
      assert.equal(run.capsule, `sha256:${built.capsules[3]}`);
      assert.equal(run.events, 1 + 4 * 4 + 2);
      assert.ok(run.firstTime && run.lastTime && run.firstTime < run.lastTime, JSON.stringify(run));
    });

    it('a state hash is a fingerprint: no problem, and show says dangling only as a lookup answer', () => {
      const r = cli(ws, path.join(tmp, 'cache-serverd'), ['index']);
      assert.equal((r.json as { dangling: number }).dangling, built.planted.length);
    });

    it('the trace of a request names its run once at the top, never as a missing artifact under its steps', () => {
      const r = cli(ws, path.join(tmp, 'cache-serverd'), ['trace', `sha256:${built.requests[5]}`]);
      assert.equal(r.status, 0, r.stderr);
      const t = r.json as TraceResult;
      assert.equal(t.runId, built.runIds[1]);
      const missing: string[] = [];
      const walk = (steps: TraceResult['steps']) => {
        for (const s of steps) {
          if (s.missing && s.ref) missing.push(s.ref);
          if (s.children) walk(s.children);
        }
      };
      walk(t.steps);
      // The one missing piece is the planted lost response of run 1; never the run id.
      assert.deepEqual(missing, [built.planted.find((p) => p.file.endsWith('audit.jsonl'))!.ref]);
    });

    it('a moved copy (the original gone): the same warnings, and every manifest is information, not an error', () => {
      const moved = path.join(tmp, 'elsewhere', 'serverd-moved');
      copyWorkspace(ws, moved);
      const hidden = ws + '.away';
      fs.renameSync(ws, hidden);
      try {
        const planted = built.planted.map((p) => ({ ...p, file: moved + p.file.slice(ws.length) }));
        const report = check(moved, planted, path.join(tmp, 'cache-serverd-moved'));
        const manifests = report.problems.filter((p) => p.code === 'moved-manifest' || p.code === 'invalid-manifest');
        assert.deepEqual(manifests.map((p) => [p.code, p.severity]), built.manifests.map(() => ['moved-manifest', 'information']));
      } finally {
        fs.renameSync(hidden, ws);
      }
    });
  });

  describe('AbstractRuntime (UUID run ids, run states, ledgers, sidecar stores)', () => {
    let ws: string;
    let built: ReturnType<typeof buildAbstractWorkspace>;
    before(() => {
      ws = path.join(tmp, 'abstract-ws');
      built = buildAbstractWorkspace(ws);
    });

    it('verify warns of the planted dangling object ref and nothing else; a moved copy alike', () => {
      for (const [workspace, planted, cache] of [
        [ws, built.planted, 'cache-abstract'],
        [path.join(tmp, 'moved', 'abstract'), built.planted.map((p) => ({ ...p, file: path.join(tmp, 'moved', 'abstract') + p.file.slice(ws.length) })), 'cache-abstract-moved'],
      ] as const) {
        if (workspace !== ws) copyWorkspace(ws, workspace);
        const report = cli(workspace, path.join(tmp, cache), ['verify']).json as { problems: Reported[] };
        const s = score(report.problems, planted);
        assert.deepEqual({ extra: s.extra, missed: s.missed, precision: s.precision, recall: s.recall }, { extra: [], missed: [], precision: 1, recall: 1 });
      }
    });

    it('a UUID run id resolves to its run: run state, ledger steps and times', () => {
      const r = cli(ws, path.join(tmp, 'cache-abstract'), ['show', built.runIds[1]]);
      assert.equal(r.status, 0, r.stderr);
      const run = r.json as ResolveRun;
      assert.equal(run.kind, 'run');
      assert.equal(run.status, 'completed');
      assert.equal(run.events, 3);
      assert.ok(run.runStateUri?.endsWith(`run_${built.runIds[1]}.json`));
      assert.equal(run.uri, run.runStateUri);
    });

    it('a run id no run has is no run: show says so and fails', () => {
      const r = cli(ws, path.join(tmp, 'cache-abstract'), ['show', '00000000-0000-4000-8000-000000000000']);
      assert.equal(r.status, 1);
    });
  });
});
