// Hover latency while an agent writes (issue 9): a writer process (agentWriter.ts) writes
// artifacts and appends events as fast as it can into a runtime root of the workspace while
// this process hovers refs one after another; then how long after the writer stopped the
// server had seen every artifact and event. Two ways the server learns of the writes: the
// editor watches files and sends `workspace/didChangeWatchedFiles` (emulated here with
// fs.watch, delivered in batches as VS Code does), or the server watches the roots itself.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DidChangeWatchedFilesNotification, FileChangeType, HoverRequest, type FileEvent } from 'vscode-languageserver-protocol';
import { StatsRequest } from '../shared/protocol';
import { fileUri, type LspTestClient } from '../test/server/lspClient';

/** How often the emulated editor delivers its batch of file events. */
const EDITOR_BATCH_MS = 50;
/** A pause between two hovers, so the loop leaves the server time for other work as a person would. */
const HOVER_GAP_MS = 5;
/**
 * `REFSCOPE_BENCH_SLOW_HOVER_MS=20`: print each hover slower than this with its send and receive
 * time on the clock of the server's CPU profile (microseconds), to see in the profile what it
 * waited for (also the hovers after ready, with their place in the series and server CPU).
 */
export const SLOW_HOVER_MS = Number(process.env.REFSCOPE_BENCH_SLOW_HOVER_MS ?? Infinity);
const profileClock = () => Number(process.hrtime.bigint() / 1000n);

export interface WriteLoad {
  /** The runtime root the writer writes into (its `artifacts/requests/` must be watched already). */
  root: string;
  /** Scratch folder outside the workspace for the writer's temporary files. */
  tmpDir: string;
  steps: number;
  runId: string;
}

export interface UnderWritesResult {
  hovers: number[];
  /**
   * The server's main-thread CPU between each hover's send and its answer: what the hover waited
   * for on a quiet machine (the turn it arrived in, what was queued before it, its own work),
   * which a loaded machine's waits for a core do not inflate. Read from the kernel
   * (/proc/<pid>/task/<pid>/schedstat), current to the thread's last switch or tick (up to 4 ms old
   * while it runs).
   */
  hoverCpu: number[];
  writerMs: number;
  /** From the writer's exit until stats count every artifact and event written (NaN: not within the deadline). */
  seenAfterMs: number;
}

/** Forwards file changes under `dirs` to the server as the editor does: batched notifications. */
function emulateEditorWatcher(client: LspTestClient, dirs: string[]): () => void {
  let pending = new Map<string, FileEvent>();
  const watchers = dirs.map((dir) =>
    fs.watch(dir, (_event, name) => {
      if (!name) return;
      const uri = fileUri(path.join(dir, name.toString()));
      pending.set(uri, { uri, type: pending.has(uri) ? FileChangeType.Changed : FileChangeType.Created });
    }),
  );
  const timer = setInterval(() => {
    if (pending.size === 0) return;
    const changes = [...pending.values()];
    pending = new Map();
    void client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }, EDITOR_BATCH_MS);
  return () => {
    clearInterval(timer);
    for (const w of watchers) w.close();
  };
}

function runWriter(load: WriteLoad): Promise<{ ms: number; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'agentWriter.js'), [load.root, load.tmpDir, String(load.steps), load.runId], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const exitedAt = performance.now();
      if (code !== 0) return reject(new Error(`the writer exited with ${code}`));
      resolve({ ms: (JSON.parse(out) as { ms: number }).ms, exitedAt });
    });
  });
}

/**
 * Hovers the positions of `hoverUri` (one ref a line, `lines` of them) in turn from the
 * writer's start until the server has counted everything it wrote (or `deadlineMs` after
 * the writer stopped).
 */
export async function hoversUnderWrites(client: LspTestClient, hoverUri: string, lines: number, load: WriteLoad, editorWatches: boolean, deadlineMs: number): Promise<UnderWritesResult> {
  const before = await client.request(StatsRequest.type, {});
  const want = { artifacts: before.artifacts + load.steps, events: before.events + load.steps };
  fs.mkdirSync(path.join(load.root, 'artifacts', 'requests'), { recursive: true });
  const stopWatching = editorWatches ? emulateEditorWatcher(client, [path.join(load.root, 'artifacts', 'requests'), load.root]) : () => undefined;
  const hovers: number[] = [];
  const hoverCpu: number[] = [];
  const serverCpu = mainThreadCpu(client.proc.pid!);
  let done = false;
  const hoverLoop = (async () => {
    for (let i = 0; !done; i++) {
      const t = performance.now();
      const sent = profileClock();
      const cpu = serverCpu.read();
      const waited = serverCpu.waited();
      const h = await client.request(HoverRequest.type, { textDocument: { uri: hoverUri }, position: { line: i % lines, character: 10 } });
      hovers.push(performance.now() - t);
      hoverCpu.push(serverCpu.read() - cpu);
      if (hovers[hovers.length - 1] > SLOW_HOVER_MS) console.log(`slow hover ${sent} ${profileClock()} ${hovers[hovers.length - 1].toFixed(1)} ms, server CPU ${hoverCpu[hoverCpu.length - 1].toFixed(1)} ms, waited for a core ${(serverCpu.waited() - waited).toFixed(1)} ms`);
      if (!h) throw new Error(`no hover at line ${i % lines} while writing`);
      await new Promise((r) => setTimeout(r, HOVER_GAP_MS));
    }
  })();
  const writer = await runWriter(load);
  let seenAfterMs = NaN;
  while (performance.now() - writer.exitedAt < deadlineMs) {
    const s = await client.request(StatsRequest.type, {});
    if (s.artifacts >= want.artifacts && s.events >= want.events) {
      seenAfterMs = performance.now() - writer.exitedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  done = true;
  await hoverLoop;
  serverCpu.close();
  stopWatching();
  return { hovers, hoverCpu, writerMs: writer.ms, seenAfterMs };
}

/**
 * A reader of the CPU time (ms) of process `pid`'s main thread so far; and, as of that read,
 * how long it was runnable but waited for a core (a slow hover's wall time past its CPU is that,
 * or time the thread slept: blocked on a read, a lock, or idle between messages).
 */
export function mainThreadCpu(pid: number): { read: () => number; waited: () => number; close: () => void } {
  const fd = fs.openSync(`/proc/${pid}/task/${pid}/schedstat`, 'r');
  const buf = Buffer.alloc(128);
  let waited = 0;
  const read = () => {
    const [cpu, wait] = buf.toString('latin1', 0, fs.readSync(fd, buf, 0, buf.length, 0)).split(' ');
    waited = Number(wait) / 1e6;
    return Number(cpu) / 1e6;
  };
  return { read, waited: () => waited, close: () => fs.closeSync(fd) };
}
