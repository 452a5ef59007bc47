// A trace as OTLP/JSON (CONTRACT 2, Export), in the shape the OpenTelemetry Collector's file
// exporter writes: one `TracesData` object, `resourceSpans` > `scopeSpans` > `spans`, ids as
// hex, times as decimal strings of nanoseconds, enums as integers, defaults left out. One span
// per step under a root span for the run; ids are derived from the trace, so exporting the
// same trace twice gives the same ids. Refs and metadata only, never artifact content.
import { createHash } from 'node:crypto';
import type { TraceResult, TraceStep } from '../protocol';
import { instantOf } from '../index/times';

type AnyValue = { stringValue: string } | { boolValue: boolean } | { intValue: string } | { arrayValue: { values: AnyValue[] } };
export interface OtlpAttribute {
  key: string;
  value: AnyValue;
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SPAN_KIND_INTERNAL */
  kind: 1;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: Record<string, never>;
}
export interface OtlpTracesData {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
  }[];
}

/** The GenAI semantic conventions' operation for a step, where one fits. */
const OPERATIONS: Record<string, string> = {
  provider_request_written: 'chat',
  provider_response_written: 'chat',
  tool_call_written: 'execute_tool',
  tool_output_written: 'execute_tool',
};

const HEX32 = /^[0-9a-f]{32}$/;

function hexId(seed: string, chars: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, chars);
}

function str(key: string, value: string): OtlpAttribute {
  return { key, value: { stringValue: value } };
}

function nanos(ms: number): string {
  // Whole microseconds: the instants come from ISO text, whose milliseconds are exact.
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function stepAttributes(s: TraceStep, runId: string | undefined): OtlpAttribute[] {
  const attrs: OtlpAttribute[] = [];
  const refs = (s.children ?? []).filter((c) => c.ref !== undefined);
  const first = s.ref !== undefined ? s : refs[0];
  if (first?.ref !== undefined) attrs.push(str('refscope.ref', first.ref));
  if (first?.kind !== undefined) attrs.push(str('refscope.kind', first.kind));
  if (refs.length > 1) attrs.push({ key: 'refscope.refs', value: { arrayValue: { values: refs.map((c) => ({ stringValue: c.ref! })) } } });
  if (runId !== undefined) attrs.push(str('refscope.run_id', runId));
  if (s.sequence !== undefined && Number.isSafeInteger(s.sequence)) attrs.push({ key: 'refscope.sequence', value: { intValue: String(s.sequence) } });
  if (refs.some((c) => c.missing)) attrs.push({ key: 'refscope.missing', value: { boolValue: true } });
  if (s.critical) attrs.push({ key: 'refscope.critical_path', value: { boolValue: true } });
  const op = s.eventType !== undefined ? OPERATIONS[s.eventType] : undefined;
  if (op) attrs.push(str('gen_ai.operation.name', op));
  return attrs;
}

export function traceToOtlp(t: TraceResult): OtlpTracesData {
  // A trace read from an OTLP file keeps its trace id; any other gets one derived from what it traces.
  const traceId = t.runId !== undefined && HEX32.test(t.runId) ? t.runId : hexId(`refscope trace\0${t.runId ?? t.root}`, 32);
  const rootId = hexId(`${traceId}\0root`, 16);
  const first = instantOf(t.start) ?? 0;
  const last = instantOf(t.end) ?? first;
  const rootAttrs = [str('refscope.ref', t.root), str('gen_ai.operation.name', 'invoke_agent')];
  if (t.runId !== undefined) rootAttrs.push(str('refscope.run_id', t.runId));
  const spans: OtlpSpan[] = [
    { traceId, spanId: rootId, name: 'invoke_agent', kind: 1, startTimeUnixNano: nanos(first), endTimeUnixNano: nanos(last), attributes: rootAttrs, status: {} },
  ];
  let prevEnd = first;
  t.steps.forEach((s, i) => {
    // A step without a time sits where the previous one ended.
    const start = instantOf(s.start) ?? prevEnd;
    const end = instantOf(s.end) ?? start;
    prevEnd = end;
    spans.push({
      traceId,
      spanId: hexId(`${traceId}\0${i}\0${s.uri ?? ''}\0${s.line ?? s.sequence ?? ''}`, 16),
      parentSpanId: rootId,
      name: s.eventType ?? s.kind ?? 'step',
      kind: 1,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: nanos(end),
      attributes: stepAttributes(s, t.runId),
      status: {},
    });
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'refscope')] },
        scopeSpans: [{ scope: { name: 'refscope' }, spans }],
      },
    ],
  };
}
