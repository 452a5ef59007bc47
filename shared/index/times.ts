// Event and artifact times as writers put them: ISO 8601 text, or a number of seconds or
// milliseconds since 1970 (plain JSONL logs often carry `ts: 1767225601.5`). Views show the
// numbers as ISO times; gaps between steps are computed on the instants either way.

const EPOCH_NUMBER = /^\d+(\.\d+)?$/;
/** Below this an epoch number is seconds (1e11 s is the year 5138), above it milliseconds. */
const SECONDS_LIMIT = 1e11;
/** Smaller numbers (1e9 s is 2001) are more likely counters or offsets than epoch times: shown as written. */
const EPOCH_FROM = 1e9;

/** Milliseconds since 1970 of a written time, if it is one. */
export function instantOf(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const n = EPOCH_NUMBER.test(time) ? Number(time) * (Number(time) < SECONDS_LIMIT ? 1000 : 1) : Date.parse(time);
  return Number.isFinite(n) ? n : undefined;
}

/** A time as shown: epoch numbers as ISO 8601 (UTC), anything else as written. */
export function displayTime(time: string): string {
  if (!EPOCH_NUMBER.test(time) || Number(time) < EPOCH_FROM) return time;
  const ms = instantOf(time);
  return ms !== undefined && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : time;
}
