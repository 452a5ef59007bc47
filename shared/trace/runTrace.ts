// The trace of a run (CONTRACT 2): named by its run id or by a run capsule ref, it is every
// event of the run across the logs of its root (ledger steps for run states), each with the
// artifacts it references, in the order they happened. A run id found in several runtime
// roots is several runtimes' runs: the root holding most of its events is traced.
import type { EventEntry } from '../records';
import type { Trace } from '../index/answers';
import { lookupText } from '../index/resolve';
import { eventOrder, type MemoryIndex } from '../index/memoryIndex';
import { knownRunId } from '../index/runs';
import { addDeltas, TraceBuilder } from '../index/trace';

export interface RunName {
  runId: string;
  /** The runtime root whose logs hold the run; unset: the root holding most of its events. */
  root?: string;
}

/** The run `ref` names: a run capsule's run, else a run id that events carry; undefined for anything else. */
export function runNamedBy(store: MemoryIndex, ref: string): RunName | undefined {
  const r = lookupText(store, ref);
  if ('target' in r) {
    if (r.target.type !== 'artifact' || r.target.entry.kind !== 'run_capsules' || !r.target.entry.path) return undefined;
    const runId = store.get(r.target.entry.path)?.record.run?.runId ?? r.target.entry.runId;
    return runId !== undefined ? { runId, root: r.target.entry.root } : undefined;
  }
  const runId = knownRunId(store, ref);
  return runId !== undefined && store.hasEventsOfRun(runId) ? { runId } : undefined;
}

function runEvents(store: MemoryIndex, run: RunName): EventEntry[] {
  const byRoot = new Map<string, EventEntry[]>();
  for (const e of store.eventsOfRun(run.runId)) {
    const root = store.rootOf(e.file);
    if (root === undefined || (run.root !== undefined && root !== run.root)) continue;
    const list = byRoot.get(root);
    if (list) list.push(e);
    else byRoot.set(root, [e]);
  }
  let best: EventEntry[] = [];
  for (const list of byRoot.values()) if (list.length > best.length) best = list;
  return best.sort(eventOrder);
}

export function traceRun(store: MemoryIndex, ref: string, run: RunName): Trace {
  const builder = new TraceBuilder(store);
  const steps = runEvents(store, run).map((e) => builder.eventStep(e));
  addDeltas(steps);
  return { root: ref, runId: run.runId, steps };
}
