// The full load of a saved index (what a warm language server does before ready), alone in a
// process, so its peak RSS and CPU are the load's: run it under `/usr/bin/time -v`.
//
//   node --expose-gc out/bench/fullLoad.js <cacheDir> <folder> [<outDir of the build to measure>]
//
// The folder is the one the cache was saved for (its options key names it); the index starts
// lazily from the folder stamps the save left, so nothing is listed, and one whole-index query
// then loads every saved record. Prints the heap and array buffers after the load, and a digest
// of the answers (counts, runs, resolves of a sample of refs) so two builds can be compared:
// the same cache must give the same digest. Nothing is saved (the process exits without close).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefIndex } from '../shared/index/api';

const [cacheDir, folder, outDir = path.join(__dirname, '..')] = process.argv.slice(2);
if (!cacheDir || !folder) {
  console.error('usage: fullLoad.js <cacheDir> <folder> [<outDir>]');
  process.exit(2);
}
const { createIndex } = require(path.resolve(outDir, 'shared/index/workspaceIndex.js')) as { createIndex: (o: object) => RefIndex };

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
function memory(label: string): void {
  const m = process.memoryUsage();
  console.log(`${label}: rss ${mb(m.rss)}, heap ${mb(m.heapUsed)}, array buffers ${mb(m.arrayBuffers)}`);
}
/** The process's peak RSS so far (VmHWM). */
function peakRss(): string {
  const kb = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? mb(Number(kb) * 1024) : '?';
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const index = createIndex({ folders: [folder], cacheDir: path.resolve(cacheDir), lazy: true, onProgress: (_d: number, _t: number, m: string) => m && console.log(m) });
  await index.build();
  const c0 = cpu();
  const t0 = performance.now();
  // A whole-index query that makes nothing of its own: every saved record is loaded first.
  index.indexedFile(path.join(folder, '\0'));
  console.log(`full load: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${(cpu() - c0).toFixed(1)} s CPU, peak RSS so far ${peakRss()}`);
  memory('after the load');
  (globalThis as { gc?: () => void }).gc?.();
  memory('after a gc');
  // The answers below make objects of their own (157k run rows at 1M): not the load's memory.
  if (process.env.REFSCOPE_FULL_LOAD_ONLY) process.exit(0);
  const runs = index.runs();
  const digest = (parts: unknown[]) => {
    const h = createHash('sha256');
    for (const p of parts) h.update(JSON.stringify(p));
    return h.digest('hex').slice(0, 16);
  };
  const stats = index.stats() as unknown as Record<string, unknown>;
  // What depends on timing or the process, not on what was loaded.
  for (const k of ['indexMs', 'filesRead', 'elapsedMs']) delete stats[k];
  // Runs sorted (listed in the order the files were loaded), and resolves of refs sampled from the sorted runs and artifacts.
  const runRows = runs.map((r) => JSON.stringify(r)).sort();
  // Capsule refs and the refs they hold, from the first runs in sorted order (searchArtifacts lists in load order).
  const artifacts = [...new Set(runRows.slice(0, 60).flatMap((row) => { const r = JSON.parse(row) as { ref: string; groups?: { refs: { ref: string }[] }[] }; return [r.ref, ...(r.groups ?? []).flatMap((g) => g.refs.map((x) => x.ref))]; }))].sort();
  const runIds = [...new Set(runs.map((r) => r.runId ?? ''))].sort().slice(0, 50);
  console.log(`stats: ${JSON.stringify(stats)}`);
  console.log(`runs ${runs.length} (${digest(runRows)}), artifacts sampled ${artifacts.length} (${digest(artifacts)}), resolved ${digest(artifacts.map((k) => index.resolve(k)))}, runs resolved ${digest(runIds.map((id) => index.resolve(id)))}`);
  console.log(`peak RSS ${peakRss()}`);
  console.log(`load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
