// Timing of a trace (CONTRACT 2): each step starts at its event's time and ends at its own
// recorded end (`ended_at`, a duration field) where the format has one, else at the next
// step's start. Where steps overlap (ledger steps, parallel tool calls) the critical path is
// the chain of steps that decides the run's end: from the step that ends last, back through
// the step that ended last before it began, and so on.
import type { EventEntry } from '../records';
import type { Trace, TracedStep } from '../index/answers';
import { instantOf } from '../index/times';

function instantOfValue(v: unknown): number | undefined {
  return typeof v === 'string' || typeof v === 'number' ? instantOf(String(v)) : undefined;
}

/** The end an event records for itself (readers keep END_FIELDS in its summary), as an ISO instant. */
export function ownEndOf(e: EventEntry): string | undefined {
  const s = e.summary;
  if (!s) return undefined;
  let end = instantOfValue(s.ended_at) ?? instantOfValue(s.end_time);
  if (end === undefined) {
    const start = instantOf(e.time);
    const ms = typeof s.duration_ms === 'number' ? s.duration_ms : typeof s.duration_s === 'number' ? s.duration_s * 1000 : undefined;
    if (start !== undefined && ms !== undefined && Number.isFinite(ms)) end = start + ms;
  }
  return end !== undefined && Math.abs(end) <= 8.64e15 ? new Date(end).toISOString() : undefined;
}

interface Span {
  step: TracedStep;
  start: number;
  end: number;
}

/** Sets start, end and durationMs on every top-level step with a time, the trace's span, and the critical path. */
export function addTiming(t: Trace): void {
  const spans: Span[] = [];
  let nextStart: number | undefined;
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const step = t.steps[i];
    const start = instantOf(step.time);
    if (start === undefined) continue;
    const own = instantOf(step.end);
    // A step's own end before its start is a writer's error: fall back as if none were recorded.
    const end = own !== undefined && own >= start ? own : nextStart !== undefined && nextStart > start ? nextStart : start;
    step.start = new Date(start).toISOString();
    step.end = new Date(end).toISOString();
    step.durationMs = end - start;
    spans.push({ step, start, end });
    nextStart = start;
  }
  if (!spans.length) return;
  let first = spans[0].start;
  let last = spans[0].end;
  for (const s of spans) {
    if (s.start < first) first = s.start;
    if (s.end > last) last = s.end;
  }
  t.start = new Date(first).toISOString();
  t.end = new Date(last).toISOString();
  t.durationMs = last - first;
  if (overlaps(spans)) for (const s of criticalPath(spans)) s.step.critical = true;
}

function overlaps(spans: Span[]): boolean {
  const byStart = spans.slice().sort((x, y) => x.start - y.start);
  let reach = -Infinity;
  for (const s of byStart) {
    if (s.start < reach) return true;
    if (s.end > reach) reach = s.end;
  }
  return false;
}

/** The chain deciding the end, latest first: each link is the step that ended last before the previous one began. */
export function criticalPath(spans: Span[]): Span[] {
  const byEnd = spans.slice().sort((x, y) => x.end - y.end || x.start - y.start);
  const path: Span[] = [];
  let pos = byEnd.length - 1;
  while (pos >= 0) {
    const cur = byEnd[pos];
    path.push(cur);
    // The last position before `pos` whose end is at or before cur's start.
    let lo = 0;
    let hi = pos - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (byEnd[mid].end <= cur.start) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    pos = found;
  }
  return path;
}
