// Download throughput, persisted in `<state>/downloads.metrics.json` (CONTRACT 1.5) so a
// pull with a hard time budget can be refused before it starts when it cannot finish.
import { writeFileAtomic } from '../fs/atomicWrite';
import { readJsonFile } from '../fs/readJsonFile';
import type { StorePaths } from './storePaths';

export interface DownloadMetrics {
  /** Exponentially weighted moving average of throughput, MB/s (MB = 10^6 bytes); 0 when unknown. */
  ewma_mbps: number;
  downloads: number;
  failures: number;
  bytes_total: number;
  updated_at?: string;
}

/** Weight of the newest sample: recent network conditions matter more than old ones. */
const ALPHA = 0.3;

export function defaultMetrics(): DownloadMetrics {
  return { ewma_mbps: 0, downloads: 0, failures: 0, bytes_total: 0 };
}

/** The persisted metrics; a missing or corrupt file gives the defaults (and is rewritten on the next update). */
export function readMetrics(paths: StorePaths): DownloadMetrics {
  const raw = readJsonFile(paths.metricsFile);
  const d = defaultMetrics();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return d;
  const r = raw as Record<string, unknown>;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);
  return {
    ...r,
    ewma_mbps: num(r.ewma_mbps, d.ewma_mbps),
    downloads: num(r.downloads, d.downloads),
    failures: num(r.failures, d.failures),
    bytes_total: num(r.bytes_total, d.bytes_total),
  };
}

function writeMetrics(paths: StorePaths, m: DownloadMetrics): void {
  try {
    writeFileAtomic(paths.metricsFile, JSON.stringify({ ...m, updated_at: new Date().toISOString() }, null, 2) + '\n');
  } catch {
    // Metrics are advisory; failing to persist them must not fail a pull.
  }
}

/** Fold one finished transfer into the EWMA. Tiny transfers say little about throughput and only count. */
export function recordTransfer(paths: StorePaths, bytes: number, elapsedMs: number): DownloadMetrics {
  const m = readMetrics(paths);
  m.downloads += 1;
  m.bytes_total += bytes;
  if (bytes >= 256 * 1024 && elapsedMs > 0) {
    const mbps = bytes / 1e6 / (elapsedMs / 1000);
    m.ewma_mbps = m.ewma_mbps > 0 ? ALPHA * mbps + (1 - ALPHA) * m.ewma_mbps : mbps;
  }
  writeMetrics(paths, m);
  return m;
}

export function recordFailure(paths: StorePaths): void {
  const m = readMetrics(paths);
  m.failures += 1;
  writeMetrics(paths, m);
}

/** Seconds a transfer of `bytes` is expected to take at the recorded rate, or undefined when no rate is known. */
export function expectedSeconds(m: DownloadMetrics, bytes: number): number | undefined {
  return m.ewma_mbps > 0 ? bytes / 1e6 / m.ewma_mbps : undefined;
}
