// Which logs hold events of a run, by run id: a run is traced across the logs of its root
// (CONTRACT 2), and a run id typed by a user names no file. Built by one pass over the events
// the first time a run is traced after an index change, then kept until the next change; it
// holds a log once per run it mentions, not the events themselves.
import type { FileRecord } from '../model';
import type { IndexStore } from '../index/store';

interface RunLogs {
  generation: number;
  logs: Map<string, FileRecord[]>;
}

const cache = new WeakMap<IndexStore, RunLogs>();

function build(store: IndexStore): Map<string, FileRecord[]> {
  const logs = new Map<string, FileRecord[]>();
  for (const { record } of store.files.values()) {
    if (!record.events?.length) continue;
    let lastRun: string | undefined;
    for (const e of record.events) {
      // Events of one run usually sit together: skip the lookup while the run id repeats.
      if (e.runId === undefined || e.runId === lastRun) continue;
      lastRun = e.runId;
      const list = logs.get(e.runId);
      if (!list) logs.set(e.runId, [record]);
      else if (list[list.length - 1] !== record && !list.includes(record)) list.push(record);
    }
  }
  return logs;
}

/** The logs holding events of `runId`, in any root. */
export function logsOfRun(store: IndexStore, runId: string): FileRecord[] {
  let c = cache.get(store);
  if (c?.generation !== store.generation) {
    c = { generation: store.generation, logs: build(store) };
    cache.set(store, c);
  }
  return c.logs.get(runId) ?? [];
}
