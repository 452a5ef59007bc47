// Runs as refs (CONTRACT 1.8): a run id of any shape (`sha256:…`, a UUID, free text) resolves
// to its run: the capsules and run states that carry it and its events in the logs. Found
// through the store's run maps, never by a pass over the index.
import type { EventEntry } from '../records';
import type { RefLocation } from './api';
import type { ResolvedRun } from './resolution';
import { compareTimes, eventOrder, type MemoryIndex } from './memoryIndex';
import { displayTime } from './times';

/** The run id as the index holds it: as written, else (a `sha256:` id typed in upper case) lower-cased. */
export function knownRunId(store: MemoryIndex, text: string): string | undefined {
  const id = text.trim();
  if (id === '') return undefined;
  for (const candidate of [id, id.toLowerCase()]) {
    if (store.hasEventsOfRun(candidate) || store.runRecords.has(candidate)) return candidate;
  }
  return undefined;
}

function earliest(events: EventEntry[]): EventEntry | undefined {
  let first: EventEntry | undefined;
  for (const e of events) if (!first || eventOrder(e, first) < 0) first = e;
  return first;
}

/** What `refscope/resolve` answers for a run id the index knows (see knownRunId). */
export function describeRun(store: MemoryIndex, ref: string, runId: string): ResolvedRun {
  const events = store.eventsOfRun(runId);
  const records = store.runRecords.get(runId) ?? [];
  const out: ResolvedRun = { type: 'run', ref, runId, events: events.length };
  let first: string | undefined;
  let last: string | undefined;
  for (const e of events) {
    if (e.time === undefined) continue;
    if (first === undefined || compareTimes(e.time, first) < 0) first = e.time;
    if (last === undefined || compareTimes(e.time, last) > 0) last = e.time;
  }
  if (first !== undefined) out.firstTime = displayTime(first);
  if (last !== undefined) out.lastTime = displayTime(last);
  const capsule = records.find((r) => r.run!.type === 'capsule');
  const runState = records.find((r) => r.run!.type === 'runState');
  if (capsule) {
    out.capsule = capsule.run!.ref;
    out.capsulePath = capsule.path;
  }
  if (runState) {
    out.runStatePath = runState.path;
    if (runState.run!.status !== undefined) out.status = runState.run!.status;
  }
  const mode = capsule?.run!.mode ?? runState?.run!.mode;
  if (mode !== undefined) out.mode = mode;
  const home = capsule ?? runState;
  if (home) {
    out.path = home.path;
    out.line = 0;
  } else {
    const e = earliest(events);
    if (e) {
      out.path = e.file;
      out.line = e.line ?? 0;
    }
  }
  return out;
}

/**
 * Where the run is written: its capsule and run state files, and the log line of each of its
 * events (events in text logs; SQLite rows have no line). `mentions`: the places the index
 * found the id as a ref (a `sha256:` run id), which carry exact columns and win over a line.
 */
export function runReferences(store: MemoryIndex, runId: string, mentions: RefLocation[]): RefLocation[] {
  const out = mentions.slice();
  const seen = new Set(out.map((l) => `${l.path}\0${l.line}`));
  const add = (path: string, line: number): void => {
    const k = `${path}\0${line}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ path, line, col: 0, endCol: 0 });
  };
  for (const r of store.runRecords.get(runId) ?? []) add(r.path, 0);
  const lines = store.eventsOfRun(runId).filter((e) => e.line !== undefined && store.get(e.file)?.record.role !== 'sqlite');
  for (const e of lines.sort(eventOrder)) add(e.file, e.line!);
  return out;
}

/** Run ids containing `query` (case-insensitive), each once, up to `limit`: workspace symbols. */
export function searchRuns(store: MemoryIndex, query: string, limit: number): ResolvedRun[] {
  const needle = query.trim().toLowerCase();
  const out: ResolvedRun[] = [];
  const ids = new Set<string>();
  for (const runIds of [store.runRecords.keys(), store.eventRunIds()]) {
    for (const id of runIds) {
      if (out.length >= limit) return out;
      if (ids.has(id) || !id.toLowerCase().includes(needle)) continue;
      ids.add(id);
      out.push(describeRun(store, id, id));
    }
  }
  return out;
}

