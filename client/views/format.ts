// Short, human-readable labels for tree items: sizes, times, the gap between trace steps.
// Kept free of the vscode API so it is unit-tested in plain mocha.

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** `2026-01-02T03:04:05.678Z` -> `2026-01-02 03:04:05`; anything unparseable is shown as written. */
export function formatTime(time: string | undefined): string | undefined {
  if (!time) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})/.exec(time);
  return m ? `${m[1]} ${m[2]}` : time;
}

/** The gap to the previous trace step: `+0 ms`, `+850 ms`, `+1.2 s`, `+2m 05s`, `+1h 02m`. */
export function formatDelta(ms: number | undefined): string | undefined {
  if (ms === undefined || !Number.isFinite(ms)) return undefined;
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)} s`;
  const s = Math.round(a / 1000);
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${sign}${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `sha256:0123456789ab…` style abbreviation that keeps any namespace prefix readable. */
export function shortRef(ref: string, hexChars = 12): string {
  const m = /^(.*?)([0-9a-fA-F]{64})$/.exec(ref);
  return m ? `${m[1]}${m[2].slice(0, hexChars)}…` : ref;
}

/** Newest first; entries without a time go last, in their original order. */
export function newestFirst<T extends { time?: string }>(entries: T[]): T[] {
  const stamp = (e: T) => (e.time ? Date.parse(e.time) : NaN);
  return entries
    .map((e, i) => ({ e, i, t: stamp(e) }))
    .sort((a, b) => {
      const at = Number.isNaN(a.t) ? -Infinity : a.t;
      const bt = Number.isNaN(b.t) ? -Infinity : b.t;
      return bt - at || a.i - b.i;
    })
    .map((x) => x.e);
}
