// `refscope/trace` and `refscope trace` (CONTRACT 2): a run's trace when the ref names a run
// (a run id or a run capsule), else a request's, with timing on every step either way.
import type { Trace } from '../index/answers';
import type { MemoryIndex } from '../index/memoryIndex';
import { trace } from '../index/trace';
import { runNamedBy, traceRun } from './runTrace';
import { addTiming } from './timing';

export function traceOf(store: MemoryIndex, ref: string): Trace {
  const run = runNamedBy(store, ref);
  let t = run ? traceRun(store, ref, run) : trace(store, ref);
  // A capsule whose run left no events in its root is still traced as the artifact it is.
  if (run && !t.steps.length) t = { ...trace(store, ref), runId: run.runId };
  addTiming(t);
  return t;
}
