// What the timeline webview draws, computed on the extension side so the webview script only
// lays out boxes: one row per step with a start and length in ms from the trace's start, the
// step's own label, its artifact, and its place on the critical path. Rows are grouped by run.
// Free of the vscode API: unit-tested and benched in plain Node.
import type { TraceResult, TraceStep } from '../../shared/protocol';
import { formatDuration } from '../../shared/trace/duration';
import { instantOf } from '../../shared/index/times';

export interface TimelineRow {
  /** Index into the trace's steps: the only handle the webview sends back. */
  i: number;
  label: string;
  /** ms from the trace's start; steps without a time have none and show as a tick at 0. */
  at: number;
  dur: number;
  time?: string;
  duration: string;
  ref?: string;
  kind?: string;
  critical?: true;
  missing?: true;
}

export interface TimelineGroup {
  label: string;
  rows: TimelineRow[];
}

export interface TimelineRows {
  title: string;
  /** Length of the time axis, ms. */
  span: number;
  total: string;
  groups: TimelineGroup[];
}

/** The step's artifact: its own ref, else its first child's (a request, a response...). */
export function stepArtifact(s: TraceStep): TraceStep | undefined {
  return s.ref !== undefined ? s : s.children?.find((c) => c.ref !== undefined);
}

export function timelineRows(t: TraceResult): TimelineRows {
  const origin = instantOf(t.start) ?? 0;
  const rows: TimelineRow[] = [];
  let span = 0;
  t.steps.forEach((s, i) => {
    const start = instantOf(s.start);
    const at = start !== undefined ? start - origin : 0;
    const dur = s.durationMs ?? 0;
    if (at + dur > span) span = at + dur;
    const art = stepArtifact(s);
    const row: TimelineRow = { i, label: s.eventType ?? s.kind ?? 'step', at, dur, duration: formatDuration(dur) };
    if (s.time !== undefined) row.time = s.time;
    if (art?.ref !== undefined) row.ref = art.ref;
    if (art?.kind !== undefined) row.kind = art.kind;
    if (s.critical) row.critical = true;
    if (s.missing || art?.missing) row.missing = true;
    rows.push(row);
  });
  const run = t.runId !== undefined ? `run ${t.runId}` : `trace of ${t.root}`;
  return { title: run, span, total: formatDuration(t.durationMs ?? span), groups: [{ label: run, rows }] };
}
