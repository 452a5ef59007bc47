// No file stops the index (CONTRACT 1, 3): one workspace holding every kind of hostile input
// at once (a 200k-line log of dangling pointers, a 100 MB single-line log, JSON nested 100k
// deep, binary data named .json, a corrupt SQLite store, FIFOs, symlink loops, an unreadable
// file) is indexed and verified by the real CLI and served by the real language server: each
// ends with a diagnostic or a clear message, never a crash or a hang, and the good artifact
// beside them still resolves. Diagnostics per file are capped with one summary (CONTRACT 3).
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { StatsResult } from '../../shared/protocol';
import { cliPath, LspTestClient, waitFor } from '../server/lspClient';

const sha256 = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');
const POINTERS = 200_000;
const BIG_LINE_MB = 100;
const DEPTH = 100_000;

interface Reported {
  file: string;
  line?: number;
  severity: string;
  code: string;
  message: string;
}

describe('hostile inputs: no file stops the index, verify or the server', function () {
  this.timeout(300000);
  let tmp: string;
  let ws: string;
  let root: string;
  let good: string;
  const files: Record<string, string> = {};

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-hostile-')));
    fs.chmodSync(tmp, 0o755);
    ws = path.join(tmp, 'ws');
    root = path.join(ws, 'runtime');
    const put = (rel: string, content: string | Buffer) => {
      const file = path.join(root, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      return file;
    };
    const body = JSON.stringify({ model: 'm', prompt: 'still here' });
    good = sha256(body);
    put(`artifacts/requests/${good}.json`, body);
    const lines: string[] = [];
    for (let i = 0; i < POINTERS; i++) lines.push(JSON.stringify({ event_type: 'tool_output_written', seq: i, artifact_ref: `sha256:${sha256(`pruned ${i}`)}` }));
    files.flood = put('events.jsonl', lines.join('\n') + '\n');
    // One 100 MB line: a writer that never wrote a newline.
    const fd = fs.openSync(path.join(root, 'huge.events.jsonl'), 'w');
    const block = Buffer.alloc(1 << 20, 'a');
    fs.writeSync(fd, '{"event_type":"x","blob":"');
    for (let i = 0; i < BIG_LINE_MB; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, '"}');
    fs.closeSync(fd);
    files.huge = path.join(root, 'huge.events.jsonl');
    const deep = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
    files.deep = put(`artifacts/outputs/${sha256(deep)}.json`, deep);
    const binary = crypto.randomBytes(64 * 1024);
    files.binary = put(`artifacts/outputs/${sha256(binary)}.json`, binary);
    files.sqlite = put('store.db', Buffer.concat([Buffer.from('SQLite format 3\0'), crypto.randomBytes(8192)]));
    files.fifoArtifact = path.join(root, 'artifacts', 'outputs', `${sha256('fifo')}.json`);
    execFileSync('mkfifo', [files.fifoArtifact]);
    files.fifoLog = path.join(root, 'pipe.events.jsonl');
    execFileSync('mkfifo', [files.fifoLog]);
    fs.symlinkSync('loop-b.jsonl', path.join(root, 'loop-a.events.jsonl'));
    fs.symlinkSync('loop-a.events.jsonl', path.join(root, 'loop-b.jsonl'));
    fs.mkdirSync(path.join(root, 'artifacts', 'nested'), { recursive: true });
    fs.symlinkSync('..', path.join(root, 'artifacts', 'nested', 'up'));
    files.unreadable = put('secret.events.jsonl', JSON.stringify({ event_type: 'x', artifact_ref: `sha256:${good}` }) + '\n');
    fs.chmodSync(files.unreadable, 0o000);
    // Everyone may read the rest (the unprivileged run below), and write the caches.
    execFileSync('chmod', ['-R', 'a+rX', ws]);
    fs.chmodSync(files.unreadable, 0o000);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cli = (args: string[], asUser?: string) => {
    const cache = path.join(tmp, `cache-${asUser ?? 'root'}`);
    fs.mkdirSync(cache, { recursive: true, mode: 0o777 });
    fs.chmodSync(cache, 0o777);
    const command = [cliPath, ...args, '--workspace', ws, '--cache', cache, '--json'];
    // CI runs as root, who reads any file: the unreadable file needs an unprivileged user.
    const [exe, argv] = asUser ? ['setpriv', [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', process.execPath, ...command]] : [process.execPath, command];
    const started = Date.now();
    const r = spawnSync(exe, argv, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 240000, env: { ...process.env, HOME: tmp } });
    assert.equal(r.error, undefined, `${args.join(' ')} failed to run or timed out: ${String(r.error)}`);
    assert.doesNotMatch(r.stderr, /RangeError|Maximum call stack|at .+\(.+:\d+:\d+\)/, r.stderr);
    return { ...r, ms: Date.now() - started };
  };

  const problemsOf = (report: { problems: Reported[] }, file: string) => report.problems.filter((p) => p.file === file);

  it('refscope verify (as an unprivileged user) answers with a diagnostic for every hostile file', () => {
    const r = cli(['verify'], '65534');
    const report = JSON.parse(r.stdout) as { problems: Reported[] };
    assert.equal(problemsOf(report, files.flood).filter((p) => p.code === 'dangling-ref').length, POINTERS);
    assert.match(problemsOf(report, files.huge).map((p) => p.message).join('\n'), /too long|skipped/);
    assert.match(problemsOf(report, files.binary).map((p) => `${p.code}: ${p.message}`).join('\n'), /malformed|not valid|mismatch/);
    assert.match(problemsOf(report, files.sqlite).map((p) => p.message).join('\n'), /SQLite|database/i);
    assert.match(problemsOf(report, files.unreadable).map((p) => `${p.code}: ${p.message}`).join('\n'), /unreadable|permission|EACCES/i);
    for (const fifo of [files.fifoArtifact, files.fifoLog]) assert.match(problemsOf(report, fifo).map((p) => p.message).join('\n'), /named pipe.*not read/);
    for (const link of ['loop-a.events.jsonl', 'loop-b.jsonl', 'artifacts/nested/up']) assert.match(problemsOf(report, path.join(root, link)).map((p) => p.message).join('\n'), /symbolic link not followed/);
    // Nested 100k deep: a valid JSON document that hashes to its name, refs or none.
    assert.ok(problemsOf(report, files.deep).every((p) => p.code !== 'unreadable' || /deeply nested/.test(p.message)), JSON.stringify(problemsOf(report, files.deep)));
  });

  it('refscope index answers, and the good artifact beside the hostile files still resolves', () => {
    const r = cli(['index']);
    assert.equal(r.status, 0, r.stderr);
    const stats = JSON.parse(r.stdout) as StatsResult;
    assert.equal(stats.dangling, POINTERS);
    const show = cli(['show', `sha256:${good}`]);
    assert.equal(show.status, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { kind: string }).kind, 'requests');
  });

  it('the language server becomes ready, answers, and caps the log diagnostics at maxProblemsPerFile with one summary', async () => {
    const client = await LspTestClient.start(ws, { initializationOptions: { cacheDir: path.join(tmp, 'cache-lsp'), maxProblemsPerFile: 250 } });
    try {
      const started = Date.now();
      await waitFor(async () => (await client.request<StatsResult>('refscope/stats', {})).ready, 240000, 'ready');
      const readyMs = Date.now() - started;
      const r = await client.request<{ kind?: string }>('refscope/resolve', { ref: `sha256:${good}` });
      assert.equal(r.kind, 'requests');
      await client.request('refscope/verify', {});
      const uri = 'file://' + files.flood;
      const shown = await client.waitForDiagnostics(uri, (d) => d.length > 0, 60000);
      assert.equal(shown.length, 251);
      const summary = shown.find((d) => d.code === 'too-many-problems')!;
      assert.equal(summary.range.start.line, 0);
      assert.match(String(summary.message), /199,750 more problems.*refscope verify lists them all/);
      process.stdout.write(`      (ready with the 200k-pointer log after ${readyMs} ms; load ${fs.readFileSync('/proc/loadavg', 'utf8').trim()})\n`);
    } finally {
      await client.stop();
    }
  });
});
