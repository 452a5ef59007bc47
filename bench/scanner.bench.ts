// Ref scanner throughput on ~100 MB of realistic runtime JSON (artifacts, audit log lines,
// manifests, prose), beside ripgrep counting `sha256:[0-9a-f]{64}` over the same bytes.
// The scanner does more than rg (every form, namespaces, ranges, objects), so the ratio
// says how much of the indexing budget the hottest loop costs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanRefs, toOccurrences } from '../shared/refs/scanner';

const TARGET_BYTES = 100 * 1024 * 1024;
const PROSE =
  'The assistant reviewed the retrieved context and decided to call the search tool with a narrower query; ' +
  'the previous answer cited an outdated policy, so the plan was revised before responding to the user. ';

let counter = 0;
const digest = () => createHash('sha256').update(String(counter++)).digest('hex');

/** One file's worth of text, in the shapes runtimes write (about 2 KB each). */
function sampleFile(i: number): string {
  switch (i % 4) {
    case 0:
      return JSON.stringify(
        {
          schema: 'provider_response/v1',
          created_at: '2026-11-23T18:00:00Z',
          run_id: `run_${i}`,
          request_ref: `sha256:${digest()}`,
          output_ref: `sha256:${digest()}`,
          prompt_ref: `prompt_templates/sha256:${digest()}`,
          usage: { input_tokens: 1234, output_tokens: 567 },
          content: [{ type: 'text', text: PROSE.repeat(6) }],
          labels: { team: 'agents', env: 'prod' },
        },
        null,
        2,
      );
    case 1:
      return Array.from({ length: 5 }, () =>
        JSON.stringify({
          algo_version: 2,
          prev_hash: `sha256:${digest()}`,
          hash: `sha256:${digest()}`,
          event: { run_id: `run_${i}`, seq: i, event_type: 'tool_output_written', artifact_ref: `sha256:${digest()}`, note: PROSE.slice(0, 160) },
        }),
      ).join('\n');
    case 2:
      return JSON.stringify({
        run_id: `run_${i}`,
        step_id: 's1',
        status: 'ok',
        request_hash: digest(),
        result: { doc: { $artifact: digest().slice(0, 32) } },
        blob_sha256: digest(),
        log: PROSE.repeat(10),
      });
    default:
      return `# Notes for run_${i}\n\n${PROSE.repeat(8)}\nSee sha256:${digest().slice(0, 12)} and blake3:${digest()}.\n${PROSE.repeat(4)}`;
  }
}

function mbps(bytes: number, ms: number): string {
  return ((bytes / 1024 / 1024) / (ms / 1000)).toFixed(0);
}

/** Best wall time of `runs`, and the CPU time of this process in that run (on a busy machine the two differ). */
function timeBest(runs: number, fn: () => number): { ms: number; cpuMs: number; result: number } {
  let best = { ms: Infinity, cpuMs: Infinity, result: 0 };
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const result = fn();
    const cpu = process.cpuUsage(c0);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (ms < best.ms) best = { ms, cpuMs: (cpu.user + cpu.system) / 1000, result };
  }
  return best;
}

function main(): void {
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < TARGET_BYTES; i++) {
    const f = sampleFile(i);
    files.push(f);
    bytes += f.length;
  }
  const whole = files.join('\n');
  console.log(`corpus: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(0)} MB`);

  const one = timeBest(5, () => scanRefs(whole).length);
  console.log(`scanRefs, one text:      ${one.ms.toFixed(0)} ms (cpu ${one.cpuMs.toFixed(0)})  ${mbps(bytes, one.ms)} MB/s  (${one.result} refs)`);
  const perFile = timeBest(5, () => files.reduce((n, f) => n + toOccurrences(f, scanRefs(f)).length, 0));
  console.log(`scan + positions, per file: ${perFile.ms.toFixed(0)} ms (cpu ${perFile.cpuMs.toFixed(0)})  ${mbps(bytes, perFile.ms)} MB/s  (${perFile.result} refs)`);
  const noRefs = whole.replace(/sha256|blake3|_hash"|_digest"|\$artifact/g, 'xxxxxx');
  const skip = timeBest(5, () => scanRefs(noRefs).length);
  console.log(`scanRefs, no triggers:   ${skip.ms.toFixed(0)} ms (cpu ${skip.cpuMs.toFixed(0)})  ${mbps(noRefs.length, skip.ms)} MB/s`);

  const dir = path.join(__dirname, '..', '..', '.bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'scanner-corpus.json');
  fs.writeFileSync(file, whole);
  try {
    const probe = spawnSync('rg', ['--version']);
    if (probe.error) {
      console.log('baseline: rg not found (apt-get install -y ripgrep); ratio skipped');
      return;
    }
    const rg = timeBest(5, () => {
      const r = spawnSync('rg', ['-c', 'sha256:[0-9a-f]{64}', file], { encoding: 'utf8' });
      return Number(r.stdout.trim());
    });
    console.log(`baseline rg -c 'sha256:[0-9a-f]{64}': ${rg.ms.toFixed(0)} ms  ${mbps(bytes, rg.ms)} MB/s  (${rg.result} lines)`);
    console.log(`ratio scanRefs / rg: ${(one.ms / rg.ms).toFixed(2)}x (one text), ${(perFile.ms / rg.ms).toFixed(2)}x (per file, with positions)`);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

main();
