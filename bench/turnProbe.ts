// Preloaded into the language server by the lsp bench (`--require`, REFSCOPE_BENCH_TURNS=1):
// the server's main-thread CPU between two firings of a 1 ms timer, read from the kernel
// (/proc/thread-self/schedstat), so a long synchronous turn shows as CPU, not as the time a
// loaded machine kept the thread waiting for a core. Each turn over TURN_MS of CPU is written,
// when the server exits, as `start end cpuMs` (microseconds on the monotonic clock the bench's
// marks use) to turns-<pid>.txt in REFSCOPE_BENCH_TURNS_DIR.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** `REFSCOPE_BENCH_TURN_MS=4`: write the turns over 4 ms (the time slice), to read a profile against them. */
const TURN_MS = Number(process.env.REFSCOPE_BENCH_TURN_MS ?? 10);
const clock = () => Number(process.hrtime.bigint() / 1000n);

function start(dir: string): void {
  const fd = fs.openSync('/proc/thread-self/schedstat', 'r');
  const buf = Buffer.alloc(128);
  const cpuMs = () => Number(buf.toString('latin1', 0, fs.readSync(fd, buf, 0, buf.length, 0)).split(' ')[0]) / 1e6;
  const long: string[] = [];
  let lastCpu = cpuMs();
  let last = clock();
  const tick = () => {
    const now = clock();
    const cpu = cpuMs();
    if (cpu - lastCpu > TURN_MS) long.push(`${last} ${now} ${(cpu - lastCpu).toFixed(1)}`);
    lastCpu = cpu;
    last = now;
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
  process.on('exit', () => fs.writeFileSync(path.join(dir, `turns-${process.pid}.txt`), long.join('\n')));
}

const dir = process.env.REFSCOPE_BENCH_TURNS_DIR;
if (dir) start(dir);
