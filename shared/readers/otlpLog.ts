// OTLP files as event logs (CONTRACT 2): `*.otlp.json` / `*.otlp.jsonl` in a runtime root, one
// `TracesData` object a line as the OpenTelemetry file exporter writes them (a whole file
// holding one pretty-printed object is read too). Each span is an event: type = span name,
// time = start, run = trace id, sequence = start order; refs in attribute values link it, and
// the span's end and GenAI attributes (operation, model, token usage) go in its summary.
import { closeSync } from 'node:fs';
import type { EventEntry, FileRecord } from '../records';
import { eventRefs, parseLineObject, type JsonObject } from './eventFields';
import { openRegularFile, readAt } from './fileBytes';
import { readLineLog, type LineFormat } from './lineLog';
import { parseJsonOrReport } from './parseJson';
import type { ReadContext } from './types';
import type { KeyRules } from '../refs/refRole';
import { addProblem, decodeText, newRecord, occurrencesIn, readInto } from './record';

interface OtlpState {
  /** Spans read so far: the next span's sequence starts after them. */
  spans: number;
}

const GEN_AI_SUMMARY = ['gen_ai.operation.name', 'gen_ai.request.model', 'gen_ai.response.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens', 'gen_ai.tool.name'];

function asObject(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An OTLP AnyValue as plain JSON (64-bit integers as numbers when exact, else as text). */
function anyValue(v: unknown): unknown {
  const o = asObject(v);
  if (!o) return undefined;
  if ('stringValue' in o) return o.stringValue;
  if ('boolValue' in o) return o.boolValue;
  if ('doubleValue' in o) return o.doubleValue;
  if ('intValue' in o) {
    const n = Number(o.intValue);
    return Number.isSafeInteger(n) ? n : String(o.intValue);
  }
  if ('arrayValue' in o) return asArray(asObject(o.arrayValue)?.values).map(anyValue);
  if ('kvlistValue' in o) return attributes(asObject(o.kvlistValue)?.values);
  return undefined;
}

function attributes(list: unknown): JsonObject {
  const out: JsonObject = {};
  for (const kv of asArray(list)) {
    const o = asObject(kv);
    if (o && typeof o.key === 'string') out[o.key] = anyValue(o.value);
  }
  return out;
}

/** Nanoseconds since 1970 as written (a decimal string or a number), in milliseconds. */
function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v / 1e6;
  if (typeof v !== 'string' || !/^\d{1,25}$/.test(v)) return undefined;
  return Number(BigInt(v) / 1000n) / 1000;
}

function iso(ms: number | undefined): string | undefined {
  return ms !== undefined && ms <= 8.64e15 ? new Date(ms).toISOString() : undefined;
}

/** The spans of one TracesData (or ExportTraceServiceRequest) object, as events in start order. */
function spanEvents(doc: JsonObject, rec: FileRecord, lineNo: number, state: OtlpState, hasRefs: boolean, rules: KeyRules | undefined): void {
  const spans: { span: JsonObject; start: number }[] = [];
  for (const rs of asArray(doc.resourceSpans)) {
    for (const ss of asArray(asObject(rs)?.scopeSpans ?? asObject(rs)?.instrumentationLibrarySpans)) {
      for (const s of asArray(asObject(ss)?.spans)) {
        const span = asObject(s);
        if (span) spans.push({ span, start: nanosToMs(span.startTimeUnixNano) ?? Number.POSITIVE_INFINITY });
      }
    }
  }
  spans.sort((a, b) => a.start - b.start);
  for (const { span } of spans) {
    const attrs = attributes(span.attributes);
    const entry: EventEntry = {
      source: 'otlp',
      file: rec.path,
      line: lineNo,
      sequence: ++state.spans,
      eventType: typeof span.name === 'string' && span.name ? span.name : 'span',
      refs: eventRefs(attrs, hasRefs, rules),
    };
    const time = iso(nanosToMs(span.startTimeUnixNano));
    if (time !== undefined) entry.time = time;
    if (typeof span.traceId === 'string' && span.traceId) entry.runId = span.traceId;
    const summary: Record<string, unknown> = {};
    const end = iso(nanosToMs(span.endTimeUnixNano));
    if (end !== undefined) summary.ended_at = end;
    for (const k of GEN_AI_SUMMARY) if (typeof attrs[k] === 'string' || typeof attrs[k] === 'number') summary[k] = attrs[k];
    if (typeof span.spanId === 'string') summary.span_id = span.spanId;
    const status = asObject(span.status);
    if (status?.code === 2) summary.status = typeof status.message === 'string' && status.message ? `error: ${status.message.slice(0, 200)}` : 'error';
    entry.summary = summary;
    rec.events!.push(entry);
  }
}

export const otlpFormat: LineFormat<OtlpState> = {
  name: 'otlp',
  initial: () => ({ spans: 0 }),
  line(state, text, lineNo, rec, partial, hasRefs, rules) {
    const doc = parseLineObject(rec, text, lineNo, partial, 'an OTLP TracesData object');
    if (doc) spanEvents(doc, rec, lineNo, state, hasRefs, rules);
  },
};

const FORMATS = [otlpFormat as LineFormat<unknown>];

/** A file opening with a lone `{` line is one pretty-printed TracesData document, not one object a line. */
function isOneDocument(path: string): boolean {
  let head: string;
  try {
    const file = openRegularFile(path);
    try {
      head = readAt(file.fd, 0, Math.min(file.size, 4096)).toString('utf8');
    } finally {
      closeSync(file.fd);
    }
  } catch {
    return false; // the line reader reports why it cannot read the file
  }
  const first = head.trimStart().split('\n', 1)[0].trim();
  // Pretty-printers (jq, JSON.stringify with indent) put the opening brace alone on its line.
  return first === '{';
}

export function readOtlpLog(path: string, ctx: ReadContext): FileRecord {
  if (!isOneDocument(path)) return readLineLog(path, 'otlpLog', ctx, () => ({ format: FORMATS[0], decided: true }), FORMATS);
  const rec = newRecord(path, 'otlpLog');
  rec.events = [];
  const data = readInto(rec, ctx.maxParseBytes);
  if (!data) return rec;
  if (!data.bytes) {
    addProblem(rec, 'too-large', 'warning', `a single OTLP document larger than ${Math.round(ctx.maxParseBytes / 1048576)} MB is not read; write one TracesData object a line`);
    return rec;
  }
  const text = decodeText(rec, data.bytes);
  rec.occurrences = occurrencesIn(text, ctx.keyRules);
  const doc = parseJsonOrReport(rec, text, 'error');
  if (doc === undefined) return rec;
  const obj = asObject(doc);
  if (!obj) addProblem(rec, 'malformed', 'error', 'not an OTLP TracesData object');
  else spanEvents(obj, rec, 0, { spans: 0 }, rec.occurrences.length > 0, ctx.keyRules);
  return rec;
}
