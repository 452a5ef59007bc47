// What masking costs per hover (issue 13 against issue 6's hover figures): the language server
// over stdio on a demo workspace, 1000 request artifacts hovered one at a time, first with
// `refscope.maskSecrets` off (the baseline: read, cut, escape), then on, each in two passes:
// the first meets every digest cold (secretlint runs), the second hits the per-digest cache.
// Beside it, in process: secretlint over one preview source (8 KB head) against cutting the
// same text to preview size. The load average is printed: the machine is shared.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Hover } from 'vscode-languageserver-protocol';
import { prettyPreview } from '../shared/json/prettyPreview';
import { PREVIEW_SOURCE_BYTES } from '../shared/preview/contentPreview';
import { maskSecrets } from '../shared/preview/secretMasker';
import type { StatsResult } from '../shared/protocol';
import { cliPath, fileUri, LspTestClient, repoRoot, waitFor } from '../test/server/lspClient';

const benchDir = path.join(repoRoot, '.bench');
const workspace = path.join(benchDir, 'preview-ws');
const HOVERS = 1000;

const ms = (n: number) => `${n.toFixed(2)} ms`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

function ensureWorkspace(): void {
  if (fs.existsSync(workspace)) return;
  const tmp = `${workspace}.tmp-${process.pid}`;
  const r = spawnSync(process.execPath, [cliPath, 'demo', tmp, '--runs', String(HOVERS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('refscope demo failed');
  fs.renameSync(tmp, workspace);
}

async function hoverPasses(refs: string[], maskSecrets: boolean): Promise<{ p50: number; p99: number }[]> {
  const client = await LspTestClient.start(workspace, { configuration: { refscope: { maskSecrets } } });
  try {
    await waitFor(async () => (await client.request<StatsResult>('refscope/stats', {})).ready, 120_000, 'the index');
    const doc = path.join(os.tmpdir(), `refscope-preview-bench-${process.pid}.md`);
    const uri = fileUri(doc);
    await client.open(doc, refs.map((r) => `see ${r}`).join('\n') + '\n', 'markdown');
    const passes = [];
    for (let pass = 0; pass < 2; pass++) {
      const times: number[] = [];
      for (let i = 0; i < refs.length; i++) {
        const t = performance.now();
        const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: i, character: 10 } });
        times.push(performance.now() - t);
        if (!h) throw new Error(`no hover for ${refs[i]}`);
      }
      passes.push(summary(times));
    }
    return passes;
  } finally {
    await client.stop();
  }
}

async function inProcess(files: string[]): Promise<void> {
  const heads = files.map((f) => {
    const fd = fs.openSync(f, 'r');
    const buf = Buffer.alloc(PREVIEW_SOURCE_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    return buf.subarray(0, n).toString('utf8');
  });
  await maskSecrets(heads[0]); // load and JIT
  const cut: number[] = [];
  const masked: number[] = [];
  for (const text of heads) {
    let t = performance.now();
    prettyPreview(text);
    cut.push(performance.now() - t);
    t = performance.now();
    prettyPreview((await maskSecrets(text)).text);
    masked.push(performance.now() - t);
  }
  // The worst case per preview: a source as long as a preview reads (8 KB of large artifacts).
  const full = heads.join('\n').slice(0, PREVIEW_SOURCE_BYTES);
  const fullTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await maskSecrets(full);
    fullTimes.push(performance.now() - t);
  }
  const f = summary(fullTimes);
  const avgBytes = heads.reduce((n, h) => n + h.length, 0) / heads.length;
  const c = summary(cut);
  const m = summary(masked);
  console.log(`in process, one preview source (${avgBytes.toFixed(0)} chars on average):`);
  console.log(`  cut to preview size:          p50 ${ms(c.p50)}  p99 ${ms(c.p99)}`);
  console.log(`  masked, then cut (secretlint): p50 ${ms(m.p50)}  p99 ${ms(m.p99)}   ratio p50 ${(m.p50 / c.p50).toFixed(0)}x`);
  console.log(`  a full ${PREVIEW_SOURCE_BYTES}-byte source masked:  p50 ${ms(f.p50)}  p99 ${ms(f.p99)}`);
}

async function main(): Promise<void> {
  ensureWorkspace();
  const requests = path.join(workspace, 'agent-a', 'runtime', 'artifacts', 'requests');
  const names = fs.readdirSync(requests).slice(0, HOVERS);
  const refs = names.map((f) => `sha256:${f.replace(/\.json$/, '')}`);
  console.log(`load average at start: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
  await inProcess(names.map((n) => path.join(requests, n)));
  const [offFirst, offSecond] = await hoverPasses(refs, false);
  const [onFirst, onSecond] = await hoverPasses(refs, true);
  console.log(`hover over stdio, ${refs.length} refs (target p99 <= 5 ms):`);
  console.log(`  maskSecrets off (baseline): first pass p50 ${ms(offFirst.p50)} p99 ${ms(offFirst.p99)}   second pass p50 ${ms(offSecond.p50)} p99 ${ms(offSecond.p99)}`);
  console.log(`  maskSecrets on:             first pass p50 ${ms(onFirst.p50)} p99 ${ms(onFirst.p99)}   second pass p50 ${ms(onSecond.p50)} p99 ${ms(onSecond.p99)}`);
  console.log(`  cost of masking per cold hover: p50 +${ms(onFirst.p50 - offFirst.p50)} (${(onFirst.p50 / offFirst.p50).toFixed(2)}x); cached: ${(onSecond.p50 / offSecond.p50).toFixed(2)}x`);
  console.log(`load average at end: ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
