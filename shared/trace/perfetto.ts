// A trace as Chrome trace-event JSON (CONTRACT 2, Export), which Perfetto and chrome://tracing
// open: one complete event (`ph: "X"`) per step, times in microseconds. Steps that overlap go
// to separate threads (lanes), since complete events on one thread must nest; the process is
// named after the run. Refs and metadata only, never artifact content.
import type { TraceResult } from '../protocol';
import { instantOf } from '../index/times';

interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args: Record<string, unknown>;
}

export function traceToPerfetto(t: TraceResult): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms' } {
  const pid = 1;
  const events: TraceEvent[] = [{ name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: t.runId !== undefined ? `run ${t.runId}` : `trace ${t.root}` } }];
  /** Each lane's end so far, in µs: a step takes the first lane free at its start. */
  const lanes: number[] = [];
  for (const s of t.steps) {
    const start = instantOf(s.start);
    if (start === undefined) continue;
    const ts = Math.round(start * 1000);
    const dur = Math.max(0, Math.round((instantOf(s.end) ?? start) * 1000) - ts);
    let lane = lanes.findIndex((end) => end <= ts);
    if (lane < 0) lane = lanes.push(0) - 1;
    lanes[lane] = ts + dur;
    const art = s.ref !== undefined ? s : s.children?.find((c) => c.ref !== undefined);
    const args: Record<string, unknown> = {};
    if (s.sequence !== undefined) args.sequence = s.sequence;
    if (art?.ref !== undefined) args.ref = art.ref;
    if (art?.kind !== undefined) args.kind = art.kind;
    if (s.critical) args.critical_path = true;
    events.push({ name: s.eventType ?? s.kind ?? 'step', ph: 'X', ts, dur, pid, tid: lane + 1, args });
  }
  for (let i = 0; i < lanes.length; i++) events.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: i + 1, args: { name: i === 0 ? 'steps' : `overlapping steps ${i + 1}` } });
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
