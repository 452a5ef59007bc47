// Readers over a realistic tree: N canonical artifacts (~2 KB), an audit log of N/4 chained
// lines, and one large artifact streamed through sha256. Baselines measured in the same run:
// a bare readFileSync + JSON.parse loop over the same files (the floor for any JSON reader),
// ripgrep counting refs over the tree when installed, and sha256sum on the large file.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonicalJson';
import { readFileRecord } from '../shared/readers';

const N = Number(process.env.REFSCOPE_BENCH_FILES ?? 20000);
const BIG_MB = Number(process.env.REFSCOPE_BENCH_BIG_MB ?? 512);
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const PROSE = 'The assistant reviewed the retrieved context and revised the plan before answering. ';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-readers-bench-'));
try {
  const files: string[] = [];
  for (let i = 0; i < N; i++) {
    const kind = ['requests', 'responses', 'outputs', 'tool_outputs'][i % 4];
    const text = canonicalJson({
      schema: `${kind}/v1`,
      created_at: '2026-11-23T18:00:00Z',
      run_id: `run_${i >> 4}`,
      request_ref: `sha256:${sha(String(i))}`,
      content: [{ type: 'text', text: PROSE.repeat(18) }],
      usage: { input_tokens: i, output_tokens: 2 * i },
    });
    const dir = path.join(root, 'artifacts', kind);
    if (i < 4) fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${sha(text)}.json`);
    fs.writeFileSync(file, text);
    files.push(file);
  }
  const ctx = { root, maxParseBytes: 8 * 1024 * 1024 };

  let t = process.hrtime.bigint();
  let n = 0;
  for (const f of files) n += (JSON.parse(fs.readFileSync(f, 'utf8')) as object) ? 1 : 0;
  const floorMs = ms(t);

  t = process.hrtime.bigint();
  let verified = 0;
  for (const f of files) if (readFileRecord(f, 'artifact', ctx).artifacts?.[0].verification === 'verified') verified++;
  const readMs = ms(t);
  if (verified !== N || n !== N) throw new Error(`expected ${N} verified artifacts, got ${verified}`);

  let rgMs: number | undefined;
  t = process.hrtime.bigint();
  const rg = spawnSync('rg', ['-c', 'sha256:[0-9a-f]{64}', root], { stdio: 'ignore' });
  if (!rg.error) rgMs = ms(t);

  console.log(`artifacts: ${N} files, readers ${readMs.toFixed(0)} ms (${((N / readMs) * 1000).toFixed(0)} files/s)`);
  console.log(`  baseline readFileSync+JSON.parse ${floorMs.toFixed(0)} ms, ratio ${(readMs / floorMs).toFixed(2)}x`);
  if (rgMs !== undefined) console.log(`  baseline rg -c ${rgMs.toFixed(0)} ms, ratio ${(readMs / rgMs).toFixed(2)}x`);

  // Audit log: N/4 chained lines.
  let prev = 'sha256:' + '0'.repeat(64);
  const lines: string[] = [];
  for (let i = 0; i < N / 4; i++) {
    const event = { run_id: `run_${i >> 4}`, seq: i, ts: '2026-11-23T18:00:00Z', event: { event_type: 'tool_output_written', artifact_ref: `sha256:${sha(String(i))}` } };
    const hash = 'sha256:' + sha(canonicalJson({ prev_hash: prev, event }));
    lines.push(JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event }));
    prev = hash;
  }
  const log = path.join(root, 'logs', 'audit.jsonl');
  fs.mkdirSync(path.dirname(log));
  fs.writeFileSync(log, lines.join('\n') + '\n');
  t = process.hrtime.bigint();
  const rec = readFileRecord(log, 'auditLog', ctx);
  const logMs = ms(t);
  if (rec.problems.length || rec.events!.length !== lines.length) throw new Error('audit log did not verify');
  t = process.hrtime.bigint();
  for (const l of fs.readFileSync(log, 'utf8').split('\n')) if (l) JSON.parse(l);
  const logFloor = ms(t);
  console.log(`audit log: ${lines.length} lines verified in ${logMs.toFixed(0)} ms; baseline split+JSON.parse ${logFloor.toFixed(0)} ms, ratio ${(logMs / logFloor).toFixed(2)}x`);

  // One large artifact, above the parse cap: streamed through sha256.
  const big = path.join(root, 'big.bin');
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  const fd = fs.openSync(big, 'w');
  for (let i = 0; i < BIG_MB; i++) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  const digest = spawnSync('sha256sum', [big], { encoding: 'utf8' });
  t = process.hrtime.bigint();
  spawnSync('sha256sum', [big], { stdio: 'ignore' });
  const sumMs = ms(t);
  const named = path.join(root, 'artifacts', 'outputs', `${digest.stdout.split(' ')[0]}.bin`);
  fs.renameSync(big, named);
  t = process.hrtime.bigint();
  const bigRec = readFileRecord(named, 'artifact', ctx);
  const bigMs = ms(t);
  if (bigRec.artifacts![0].verification !== 'verified') throw new Error('large artifact did not verify');
  const gibps = (mb: number, msec: number) => (mb / 1024 / (msec / 1000)).toFixed(2);
  console.log(`large artifact: ${BIG_MB} MB hashed at ${gibps(BIG_MB, bigMs)} GiB/s; baseline sha256sum ${gibps(BIG_MB, sumMs)} GiB/s, ratio ${(sumMs / bigMs).toFixed(2)}x faster`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
