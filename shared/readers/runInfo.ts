// Run capsules, snapshots and run states as entries of the Run Capsules / Snapshots views:
// the run they describe and every ref inside, grouped by the top-level section holding it
// (`state`, `context`, `tool_io`, `vars`, `output`...). Field names vary between runtimes,
// so each fact is looked up under the names we have seen, and missing ones stay unset.
import type { RunInfo } from '../records';
import { refsInJson } from './jsonRefs';

type Json = Record<string, unknown>;

export function asObject(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

/** A scalar shown as text (numbers too: some writers store epoch seconds). */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** First field present among `names`, in the first object of `objs` that has one. */
export function pick(objs: (Json | undefined)[], names: string[]): string | undefined {
  for (const o of objs) {
    if (!o) continue;
    for (const n of names) {
      const v = scalarText(o[n]);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const DOT = 0x2e;
const BRACKET = 0x5b;

/** The top-level key a ref's path starts with (up to its first `.` or `[`), `(top)` for none. */
function topKey(path: string): string {
  let end = 0;
  while (end < path.length) {
    const c = path.charCodeAt(end);
    if (c === DOT || c === BRACKET) break;
    end++;
  }
  return end === 0 ? '(top)' : path.slice(0, end);
}

/** Every ref in `doc`, grouped by the top-level key holding it, in document order. */
export function groupRefs(doc: unknown): RunInfo['groups'] {
  const groups = new Map<string, { ref: string; path: string }[]>();
  // A section's refs come one after another (the walk is in document order): its group is looked up once per run of them.
  let label: string | undefined;
  let g: { ref: string; path: string }[] = [];
  for (const r of refsInJson(doc)) {
    const top = topKey(r.path);
    if (top !== label) {
      label = top;
      const had = groups.get(top);
      if (had) g = had;
      else groups.set(top, (g = []));
    }
    // Shown and copied as written: a namespaced ref keeps its namespace.
    g.push({ ref: r.namespace !== undefined ? `${r.namespace}/${r.key}` : r.key, path: r.path });
  }
  // Copies at their exact length: the index keeps every capsule's groups, and a list grown by
  // push has room for 16 more refs (~130 bytes a capsule's group, over 15k capsules).
  return Array.from(groups, ([label, refs]) => ({ label, refs: refs.slice() }));
}

const TIME = ['created_at', 'ts', 'time', 'started_at', 'updated_at'];

/** A run capsule or snapshot artifact. */
export function capsuleRunInfo(type: 'capsule' | 'snapshot', ref: string, doc: unknown): RunInfo {
  const top = asObject(doc);
  const run = asObject(top?.run);
  const info: RunInfo = { type, ref, groups: groupRefs(doc) };
  const runId = pick([run, top], ['run_id', 'id']);
  if (runId !== undefined) info.runId = runId;
  const mode = pick([run, top], ['mode']);
  if (mode !== undefined) info.mode = mode;
  const time = pick([top, run], TIME);
  if (time !== undefined) info.time = time;
  if (Array.isArray(top?.tool_io)) info.toolCount = top.tool_io.length;
  return info;
}

/** A run state file (`run_<id>.json`), or a snapshot file saving one (`snapshot_<id>.json`). */
export function runStateInfo(type: 'runState' | 'snapshot', ref: string, doc: unknown): RunInfo {
  const top = asObject(doc);
  // A snapshot file wraps the run state it saved.
  const state = asObject(top?.run_state) ?? asObject(top?.state) ?? top;
  const info: RunInfo = { type, ref, groups: groupRefs(doc) };
  const runId = pick([state, top], ['run_id']);
  if (runId !== undefined) info.runId = runId;
  const status = pick([state], ['status']);
  if (status !== undefined) info.status = status;
  const mode = pick([state, top], ['mode']);
  if (mode !== undefined) info.mode = mode;
  const time = pick([top, state], ['created_at', 'updated_at', 'ts', 'time', 'started_at']);
  if (time !== undefined) info.time = time;
  return info;
}
