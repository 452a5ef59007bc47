// The list-shaped queries of the index (CONTRACT 3): runs, snapshots, models, requests and
// workspace-symbol search. Runs, snapshots, models and requests pass over the few files and
// keys the store keeps for them (viewFiles, requestKeys), not over every artifact file;
// they answer views and quick picks, not keystrokes.
import type { ArtifactEntry, RunInfo } from '../records';
import type { ModelRow, Models, RequestRow, RunRow, StateDirModels } from './answers';
import { compareTimes, eventOrder, type MemoryIndex } from './memoryIndex';
import { displayTime } from './times';

function newestFirst<T extends { time?: string }>(a: T, b: T): number {
  if (a.time === b.time) return 0;
  if (a.time === undefined) return 1;
  if (b.time === undefined) return -1;
  return compareTimes(b.time, a.time);
}

function runRow(run: RunInfo, file: string): RunRow {
  const e: RunRow = { ref: run.ref, path: file, groups: run.groups };
  if (run.runId !== undefined) e.runId = run.runId;
  if (run.mode !== undefined) e.mode = run.mode;
  if (run.time !== undefined) e.time = displayTime(run.time);
  if (run.toolCount !== undefined) e.toolCount = run.toolCount;
  return e;
}

export function runInfos(store: MemoryIndex, types: RunInfo['type'][]): RunRow[] {
  const out: RunRow[] = [];
  for (const { record } of store.viewFiles) {
    if (record.run && types.includes(record.run.type)) out.push(runRow(record.run, record.path));
  }
  return out.sort(newestFirst);
}

export function models(store: MemoryIndex): Models {
  const dirs = new Map<string, StateDirModels>();
  const dirOf = (d: string) => {
    let e = dirs.get(d);
    if (!e) dirs.set(d, (e = { dir: d, manifests: [], partials: [], orphanBlobs: [] }));
    return e;
  };
  const named = new Set<string>();
  for (const m of store.manifests()) {
    const e: ModelRow = { id: m.id ?? m.file, path: m.file };
    for (const k of ['sha256', 'bytes', 'provider', 'url', 'verified', 'error'] as const) if (m[k] !== undefined) (e as unknown as Record<string, unknown>)[k] = m[k];
    if (m.sha256 && !m.error) {
      named.add(m.sha256);
      e.blobPresent = store.blobsByDigest.has(m.sha256);
    }
    dirOf(m.stateDir).manifests.push(e);
  }
  for (const p of store.partials()) {
    const e: StateDirModels['partials'][number] = { name: p.name, path: p.path, bytes: p.bytes };
    if (p.total !== undefined) e.total = p.total;
    dirOf(p.stateDir).partials.push(e);
  }
  for (const b of store.blobs()) {
    if (!named.has(b.digest)) dirOf(b.stateDir).orphanBlobs.push({ digest: b.digest, path: b.path, bytes: b.size });
  }
  for (const d of dirs.values()) d.manifests.sort((a, b) => a.id.localeCompare(b.id));
  return { stateDirs: [...dirs.values()].sort((a, b) => a.dir.localeCompare(b.dir)) };
}

export function requests(store: MemoryIndex): RequestRow[] {
  const out: RequestRow[] = [];
  for (const key of store.requestKeys) {
    const a = store.artifactsByKey.get(key)?.find((x) => x.kind === 'requests' && x.path);
    if (!a || a.key !== key) continue;
    const writer = store.eventsWithRef(key).sort(eventOrder)[0];
    const e: RequestRow = { ref: a.key, path: a.path! };
    const runId = a.runId ?? writer?.runId;
    if (runId !== undefined) e.runId = runId;
    const time = a.createdAt ?? writer?.time;
    if (time !== undefined) e.time = displayTime(time);
    if (a.model !== undefined) e.model = a.model;
    out.push(e);
  }
  return out.sort(newestFirst);
}

const HEX_PREFIX = /^(?:sha256:)?([0-9a-fA-F]{1,64})$/;

export function searchArtifacts(store: MemoryIndex, query: string, limit: number): ArtifactEntry[] {
  const q = query.trim();
  const hex = HEX_PREFIX.exec(q);
  const out: ArtifactEntry[] = [];
  if (hex) {
    for (const d of store.digestsWithPrefix(hex[1].toLowerCase(), limit)) {
      const a = store.artifactsByKey.get('sha256:' + d)?.[0];
      if (a) out.push(a);
    }
    if (out.length || q.startsWith('sha256:')) return out;
  }
  const needle = q.toLowerCase();
  // Each artifact comes once (the store lists its rows, not its keys).
  for (const list of store.artifactsByKey.values()) {
    for (const a of list) {
      if (needle === '' || a.kind.toLowerCase().includes(needle) || a.runId?.toLowerCase().includes(needle) || a.schema?.toLowerCase().includes(needle) || a.digest.startsWith(needle)) {
        out.push(a);
        if (out.length >= limit) return out;
      }
    }
  }
  return out;
}
