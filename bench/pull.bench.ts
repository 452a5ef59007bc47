// Model pull throughput: a 1 GiB file over loopback from one static server in its own process,
// fetched in turn by curl (the baseline), by `pullModel` (sha256 in a worker following the .part
// given 2+ cores, else inline; background writeback, fsync, commit), by `pullModel` hashing the other way, and by
// curl followed by an fsync of its file (what durability costs curl). The machine is shared:
// the variants alternate within each round, each figure is the best of the rounds with the
// median beside it, the ratio is the median of the per-round ratios, and CPU time (client and
// server) and load are printed, since they say more than wall time on a busy machine.
// Below them, the ceiling: the reader pullModel uses (httpClient.ts, undici) in a bare loop that only reads,
// then also hashes, then also writes, then also fsyncs once at the end (no commit): what each step costs.
// Then GC planning (dry run) over a store of 100k blobs beside `find | wc -l`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectGarbage, pullModel } from '../shared/models';
import { environmentHttp } from '../shared/models/httpClient';
import { WORKER_HASH_MIN_BYTES } from '../shared/models/streamHasher';
import { syncWriter } from '../shared/models/transfer';

const root = path.join(__dirname, '..', '..', '.bench');
const BIG = path.join(root, 'pull-1gib.bin');
const BIG_BYTES = 1024 * 1024 * 1024;
const GC_STORE = path.join(root, 'gc-100k');
const GC_BLOBS = 100_000;

/** 1 GiB of incompressible bytes, written once: a random MiB varied per MiB so no two are alike. */
function ensureBigFile(): string {
  if (fs.existsSync(BIG) && fs.statSync(BIG).size === BIG_BYTES) return fileDigest(BIG);
  fs.mkdirSync(root, { recursive: true });
  const block = randomBytes(1 << 20);
  const fd = fs.openSync(BIG, 'w');
  for (let i = 0; i < 1024; i++) {
    block.writeUInt32LE(i, (i * 4096) % block.length);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
  return fileDigest(BIG);
}

function fileDigest(file: string): string {
  const r = spawnSync('sha256sum', [file], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.slice(0, 64);
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A plain static server in a child process, so the client under test has its event loop to itself. */
async function startServer(): Promise<{ url: string; pid: number; stop: () => void }> {
  const script = `
    const http = require('http'), fs = require('fs');
    const file = process.argv[1], size = fs.statSync(file).size;
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': size, etag: '"bench"', 'accept-ranges': 'bytes' });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
    });
    // Idle connections stay open across variants: on a loaded machine the client's pool may
    // reuse one just as the default 5 s timeout closes it, and the bare loops do not retry.
    server.keepAliveTimeout = 600000;
    server.listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port) + '\\n'); });`;
  const child = spawn(process.execPath, ['-e', script, BIG], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
  return { url: `http://127.0.0.1:${port}/model.bin`, pid: child.pid!, stop: () => child.kill() };
}

function timed(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function timedAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const mbps = (bytes: number, secs: number) => bytes / 1e6 / secs;

/** The floor hashing puts under an inline pull: sha256 of 1 GiB already in memory. */
function inMemorySha256Seconds(): number {
  const block = randomBytes(1 << 20);
  return timed(() => {
    const hash = createHash('sha256');
    for (let i = 0; i < 1024; i++) hash.update(block);
    hash.digest();
  });
}

const ROUNDS = Number(process.env.PULL_ROUNDS) || 5;

/** CPU seconds (user + sys) of a process, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | 'self', children = false): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const at = children ? 13 : 11; // utime, stime; cutime, cstime (children waited for)
    return (Number(fields[at]) + Number(fields[at + 1])) / 100;
  } catch {
    return NaN;
  }
}

const loadAverage = () => os.loadavg()[0].toFixed(1);

interface Sample {
  secs: number;
  clientCpu: number;
  serverCpu: number;
}

/** One timed run of `fn` with the CPU it, its children and the server used. */
async function sample(serverPid: number, fn: () => Promise<unknown> | void): Promise<Sample> {
  const server0 = cpuSeconds(serverPid);
  const children0 = cpuSeconds('self', true);
  const own0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  await fn();
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  const own = process.cpuUsage(own0);
  return { secs, clientCpu: (own.user + own.system) / 1e6 + cpuSeconds('self', true) - children0, serverCpu: cpuSeconds(serverPid) - server0 };
}

/** The bare download loop: pullModel's HTTP reader handing each piece to `sink`. */
async function bareLoop(url: string, sink: (chunk: Buffer) => void): Promise<void> {
  const res = await environmentHttp().request(url, { method: 'GET', headers: {} });
  await res.readBody(sink);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchPull(): Promise<void> {
  const digest = ensureBigFile();
  const server = await startServer();
  const scratch = fs.mkdtempSync(path.join(root, 'pull-'));
  const out = path.join(scratch, 'curl.bin');
  const curl = () => {
    const r = spawnSync('curl', ['-s', '-o', out, server.url]);
    if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  };
  const state = path.join(scratch, 'state');
  const workerByDefault = Number.isFinite(WORKER_HASH_MIN_BYTES);
  const variants: [string, () => Promise<unknown> | void][] = [
    ['curl -o FILE', curl],
    ['pullModel (default)', () => pullModel({ stateDir: state, id: 'bench', url: server.url, sha256: digest })],
    workerByDefault
      ? ['pullModel (forced inline)', () => pullModel({ stateDir: state, id: 'bench', url: server.url, sha256: digest, workerHashMinBytes: Number.POSITIVE_INFINITY })]
      : ['pullModel (forced worker)', () => pullModel({ stateDir: state, id: 'bench', url: server.url, sha256: digest, workerHashMinBytes: 0 })],
    [
      'curl -o FILE; sync FILE',
      () => {
        curl();
        spawnSync('sync', [out]); // coreutils: fsync of this one file
      },
    ],
  ];
  const hashed = (sink?: (chunk: Buffer) => void) => {
    const hash = createHash('sha256');
    return bareLoop(server.url, (chunk) => {
      hash.update(chunk);
      sink?.(chunk);
    }).then(() => {
      if (hash.digest('hex') !== digest) throw new Error('bare loop: wrong digest');
    });
  };
  const hashedToFile = (fsync: boolean) => {
    const fd = fs.openSync(out, 'w');
    let pos = 0;
    return hashed((chunk) => {
      syncWriter.write(fd, chunk, pos); // as the pull writes: 64 KiB at a time
      pos += chunk.length;
    })
      .then(() => fsync && fs.fsyncSync(fd))
      .finally(() => fs.closeSync(fd));
  };
  variants.push(
    ['bare loop: read', () => bareLoop(server.url, () => undefined)],
    ['bare loop: read+sha256', () => hashed()],
    ['bare loop: read+sha256+write', () => hashedToFile(false)],
    ['bare loop: ...+fsync at end', () => hashedToFile(true)],
  );
  const samples = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
  const loadBefore = loadAverage();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of variants) {
        samples.get(name)!.push(await sample(server.pid, run));
        fs.rmSync(out, { force: true });
        fs.rmSync(state, { recursive: true, force: true });
      }
    }
  } finally {
    server.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const shaTime = timed(() => fileDigest(BIG));
  const curlRuns = samples.get('curl -o FILE')!;
  const mode = Number.isFinite(WORKER_HASH_MIN_BYTES) ? 'sha256 in a worker' : 'sha256 inline (1 core)';
  console.log(`1 GiB over loopback, ${ROUNDS} rounds, variants alternating; load average ${loadBefore} before, ${loadAverage()} after (${os.cpus().length} CPUs)`);
  console.log(`  ${'variant'.padEnd(26)} best s  MB/s  median s  ratio (median per round)  CPU s client / server (min)`);
  for (const [name] of variants) {
    const runs = samples.get(name)!;
    const best = Math.min(...runs.map((r) => r.secs));
    const ratio = median(runs.map((r, i) => curlRuns[i].secs / r.secs));
    const cpu = `${Math.min(...runs.map((r) => r.clientCpu)).toFixed(2)} / ${Math.min(...runs.map((r) => r.serverCpu)).toFixed(2)}`;
    console.log(`  ${name.padEnd(26)} ${best.toFixed(2).padStart(6)} ${mbps(BIG_BYTES, best).toFixed(0).padStart(5)} ${median(runs.map((r) => r.secs)).toFixed(2).padStart(9)}  ${ratio.toFixed(2).padStart(5)}x curl${' '.repeat(14)} ${cpu}`);
  }
  const durable = samples.get('curl -o FILE; sync FILE')!;
  const againstDurable = median(samples.get('pullModel (default)')!.map((r, i) => durable[i].secs / r.secs));
  console.log(`  pullModel default: ${mode}, fsync, commit; target >= 0.8x curl; ${againstDurable.toFixed(2)}x curl with its fsync (median per round)`);
  console.log(`  in-memory sha256 of 1 GiB: ${inMemorySha256Seconds().toFixed(2)} s on one core; sha256sum FILE ${shaTime.toFixed(2)} s (${mbps(BIG_BYTES, shaTime).toFixed(0)} MB/s)`);
}

/** 100k small blobs named by their digest, ages spread over 60 days, one manifest per 10. */
function ensureGcStore(): void {
  const byHash = path.join(GC_STORE, 'models', 'by-hash');
  if (fs.existsSync(byHash) && fs.readdirSync(byHash).length === GC_BLOBS) return;
  fs.rmSync(GC_STORE, { recursive: true, force: true });
  fs.mkdirSync(byHash, { recursive: true });
  for (let i = 0; i < GC_BLOBS; i++) {
    const data = Buffer.from(`blob ${i}\n`);
    const digest = createHash('sha256').update(data).digest('hex');
    const file = path.join(byHash, `${digest}.bin`);
    fs.writeFileSync(file, data);
    const t = new Date(Date.now() - (i % 60) * 86_400_000);
    fs.utimesSync(file, t, t);
    if (i % 10 === 0) {
      const manifest = { id: `m${i}`, file: `${digest}.bin`, path: file, sha256: digest, cas: 'sha256', bytes: data.length, provider: 'bench', verified: true };
      fs.writeFileSync(path.join(GC_STORE, 'models', `m${i}.json`), JSON.stringify(manifest));
    }
  }
}

async function benchGc(): Promise<void> {
  ensureGcStore();
  const byHash = path.join(GC_STORE, 'models', 'by-hash');
  // Warm the dentry cache for both, so neither pays for the first cold walk.
  spawnSync('sh', ['-c', `find '${byHash}' -type f | wc -l`]);
  const find = timed(() => spawnSync('sh', ['-c', `find '${byHash}' -type f | wc -l`]));
  // GC must know each blob's size and age: find stating every file is the fair floor.
  const findStat = timed(() => spawnSync('sh', ['-c', `find '${byHash}' -type f -printf '%s %T@\\n' | wc -l`]));
  let report: Awaited<ReturnType<typeof collectGarbage>> | undefined;
  const gc = await timedAsync(async () => (report = await collectGarbage({ stateDir: GC_STORE, ttlDays: 30, dryRun: true })));
  console.log(`GC dry run over ${GC_BLOBS} blobs (${report!.kept} kept, ${report!.deleted} would go; 10k manifests)`);
  console.log(`  find by-hash -type f | wc -l  ${(find * 1000).toFixed(0)} ms  (baseline: listing only)`);
  console.log(`  find -printf '%s %T@' (stats) ${(findStat * 1000).toFixed(0)} ms  (baseline: listing with size and mtime)`);
  console.log(`  collectGarbage (dry run)      ${(gc * 1000).toFixed(0)} ms  ratio ${(gc / find).toFixed(1)}x find, ${(gc / findStat).toFixed(1)}x find -printf`);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs`);
  await benchPull();
  await benchGc();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
