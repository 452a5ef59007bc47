// Durations as people read them in a trace: milliseconds below a second, then seconds, then
// minutes; the CLI, the Trace view and the timeline show the same text.

export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Number.isInteger(a) ? a : a.toFixed(1)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(a / 60_000);
  return `${sign}${m} min ${Math.round((a % 60_000) / 1000)} s`;
}
