// Traces: `refscope diff` on two runs of 1,000 steps each (in-process and through the CLI),
// beside GNU diff on the same two runs' log lines (the floor for comparing two texts); and the
// timeline webview's render (model built in Node, DOM built and laid out in headless Chromium)
// for runs of 1,000 and 10,000 steps, beside a plain two-column table of the same rows.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { timelineRows } from '../client/timeline/rows';
import { createIndex } from '../shared/index/workspaceIndex';
import type { TraceResult } from '../shared/protocol';
import { addTiming } from '../shared/trace/timing';

const STEPS = 1000;
const REPEAT = 5;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const repo = path.resolve(__dirname, '..', '..');

/** Two runs of `n` steps in one runtime root: request/response/tool steps, B differing every tenth step. */
function writeRuns(root: string, n: number): void {
  const lines: Record<string, string[]> = { A: [], B: [] };
  for (const run of ['A', 'B']) {
    for (let i = 0; i < n; i++) {
      const kind = ['requests', 'responses', 'tool_calls'][i % 3];
      const doc = JSON.stringify({ run_id: run, step: i, model: 'm1', text: run === 'B' && i % 10 === 0 ? `changed ${i}` : `step ${i}`, usage: { tokens: i } });
      const hex = sha(doc);
      fs.mkdirSync(path.join(root, 'artifacts', kind), { recursive: true });
      fs.writeFileSync(path.join(root, 'artifacts', kind, `${hex}.json`), doc);
      const type = ['provider_request_written', 'provider_response_written', 'tool_call_written'][i % 3];
      lines[run].push(JSON.stringify({ seq: i + 1, ts: new Date(Date.UTC(2026, 0, 1) + i * 1000 + (run === 'B' ? i % 7 : 0)).toISOString(), type, run_id: run, artifact_ref: `sha256:${hex}` }));
    }
  }
  fs.writeFileSync(path.join(root, 'runs.events.jsonl'), [...lines.A, ...lines.B].join('\n') + '\n');
  fs.writeFileSync(path.join(root, '..', 'A.txt'), lines.A.join('\n') + '\n');
  fs.writeFileSync(path.join(root, '..', 'B.txt'), lines.B.join('\n') + '\n');
}

async function benchDiff(dir: string): Promise<void> {
  const root = path.join(dir, 'runtime');
  writeRuns(root, STEPS);
  const index = createIndex({ folders: [dir] });
  await index.build();
  const inProcess: number[] = [];
  let pairs = 0;
  for (let i = 0; i < REPEAT; i++) {
    const t = process.hrtime.bigint();
    pairs = index.diff('A', 'B').pairs.length;
    inProcess.push(ms(t));
  }
  await index.close();
  const cli = path.join(repo, 'dist', 'cli.js');
  const cache = path.join(dir, '.cache');
  spawnSync(process.execPath, [cli, 'index', '--workspace', dir, '--cache', cache], { stdio: 'ignore' });
  const viaCli: number[] = [];
  const gnu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    let t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [cli, 'diff', 'A', 'B', '--json', '--workspace', dir, '--cache', cache], { stdio: ['ignore', 'ignore', 'ignore'] });
    viaCli.push(ms(t));
    if (r.status !== 0) throw new Error(`refscope diff exited ${r.status}`);
    t = process.hrtime.bigint();
    spawnSync('diff', [path.join(dir, 'A.txt'), path.join(dir, 'B.txt')], { stdio: 'ignore' });
    gnu.push(ms(t));
  }
  console.log(`diff: two runs of ${STEPS} steps (${pairs} pairs), median of ${REPEAT}`);
  console.log(`  index.diff in-process ${median(inProcess).toFixed(1)} ms (traces, alignment, reading and comparing ${2 * STEPS} artifacts)`);
  console.log(`  refscope diff --json (CLI, warm cache) ${median(viaCli).toFixed(0)} ms`);
  console.log(`  baseline GNU diff of the two runs' log lines ${median(gnu).toFixed(1)} ms, ratio in-process ${(median(inProcess) / median(gnu)).toFixed(1)}x, CLI ${(median(viaCli) / median(gnu)).toFixed(1)}x`);
}

function syntheticTrace(n: number): TraceResult {
  const t0 = Date.UTC(2026, 0, 1);
  const steps = Array.from({ length: n }, (_, i) => ({
    sequence: i + 1,
    eventType: ['provider_request_written', 'provider_response_written', 'tool_call_written'][i % 3],
    time: new Date(t0 + i * 1000).toISOString(),
    // Every fifth step runs long, so steps overlap and the critical path is computed.
    end: i % 5 === 0 ? new Date(t0 + i * 1000 + 2500).toISOString() : undefined,
    children: [{ ref: `sha256:${sha(String(i))}`, kind: ['requests', 'responses', 'tool_calls'][i % 3], uri: `file:///tmp/${i}.json` }],
  }));
  const t: TraceResult = { root: 'bench', runId: 'bench', steps };
  addTiming(t);
  return t;
}

async function benchTimeline(): Promise<void> {
  const CHROMIUM = '/usr/bin/chromium';
  const cs = require(path.join(repo, 'scripts', 'codeServer.js')) as { launchChromium(): Promise<{ newPage(): Promise<Page>; close(): Promise<void> }> };
  if (!fs.existsSync(CHROMIUM)) {
    console.log('timeline: skipped (no Chromium; node scripts/editor-tests.js installs it)');
    return;
  }
  let browser;
  try {
    browser = await cs.launchChromium();
  } catch (err) {
    console.log(`timeline: skipped (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const css = fs.readFileSync(path.join(repo, 'media', 'timeline.css'), 'utf8');
  const js = fs.readFileSync(path.join(repo, 'media', 'timeline.js'), 'utf8');
  const html = `<!DOCTYPE html><html><head><style>${css}</style></head><body><header><strong id="title"></strong><span id="total"></span></header>
<div class="axis" id="axis"></div><div class="rows" id="rows"></div><div id="tip" hidden></div>
<script>window.__msgs = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__msgs.push(m) });</script><script>${js}</script></body></html>`;
  try {
    for (const n of [1000, 10000]) {
      const trace = syntheticTrace(n);
      const model: number[] = [];
      const render: number[] = [];
      const table: number[] = [];
      for (let i = 0; i < REPEAT; i++) {
        const t = process.hrtime.bigint();
        const m = timelineRows(trace);
        model.push(ms(t));
        const page = await browser.newPage();
        await page.setContent(html);
        // Expressions given as text: they run in the page, not in this (DOM-less) program.
        await page.evaluate(`window.postMessage({ type: 'timeline', model: ${JSON.stringify(m)} }, '*')`);
        const rendered = (await page.waitForFunction('window.__msgs.find((x) => x.type === "rendered")').then((h) => h.jsonValue())) as { ms: number; rows: number };
        if (rendered.rows !== n) throw new Error(`rendered ${rendered.rows} rows of ${n}`);
        render.push(rendered.ms);
        table.push(
          (await page.evaluate(
            `((rows) => {
              const start = performance.now();
              const tb = document.createElement('table');
              for (const r of rows) {
                const tr = tb.insertRow();
                tr.insertCell().textContent = r.label;
                tr.insertCell().textContent = r.duration;
              }
              document.body.appendChild(tb);
              void tb.offsetHeight;
              return performance.now() - start;
            })(${JSON.stringify(m.groups[0].rows)})`,
          )) as number,
        );
        await page.close();
      }
      console.log(`timeline: ${n} steps, median of ${REPEAT}: model ${median(model).toFixed(1)} ms (Node) + render ${median(render).toFixed(0)} ms (DOM and layout in Chromium)`);
      console.log(`  baseline plain 2-column table of the same rows ${median(table).toFixed(0)} ms, ratio ${(median(render) / median(table)).toFixed(2)}x`);
    }
  } finally {
    await browser.close();
  }
}

interface Page {
  setContent(html: string): Promise<void>;
  evaluate(expression: string): Promise<unknown>;
  waitForFunction(expr: string): Promise<{ jsonValue(): Promise<unknown> }>;
  close(): Promise<void>;
}

async function main(): Promise<void> {
  console.log(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-traces-bench-'));
  try {
    await benchDiff(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await benchTimeline();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
