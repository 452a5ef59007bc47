import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { traceToOtlp } from '../../shared/trace/otlp';
import { traceToPerfetto } from '../../shared/trace/perfetto';
import { traceWire } from '../../shared/wire/traceWire';
import { indexedTwoRuns } from './fixtures';
import { decodeTracesData } from './otlpProto';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

describe('trace export', () => {
  const t = indexedTwoRuns('refscope-export-');
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, 'trace', ...args, '--workspace', t.ws.dir, '--cache', t.ws.p('.cache')], { encoding: 'utf8' });

  it('refscope trace --format otlp decodes strictly as TracesData with the official proto definitions', () => {
    const r = cli('B', '--format', 'otlp');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 2, 'one TracesData object a line, as the file exporter writes');
    const json = JSON.parse(r.stdout) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] };
    const decoded = decodeTracesData(json) as typeof json;
    const spans = decoded.resourceSpans[0].scopeSpans[0].spans;
    assert.equal(spans.length, 6);
    const [root, ...steps] = json.resourceSpans[0].scopeSpans[0].spans;
    assert.match(root.traceId, /^[0-9a-f]{32}$/);
    assert.ok(steps.every((s) => s.traceId === root.traceId && s.parentSpanId === root.spanId && /^[0-9a-f]{16}$/.test(s.spanId)));
    assert.equal(new Set(steps.map((s) => s.spanId)).size, steps.length);
    assert.deepEqual(
      steps.map((s) => s.name),
      ['run_started', 'provider_request_written', 'provider_response_written', 'tool_call_written', 'run_completed'],
    );
    const attr = (s: Span, key: string) => s.attributes.find((a) => a.key === key)?.value;
    assert.deepEqual(attr(steps[1], 'refscope.ref'), { stringValue: `sha256:${t.h.reqB}` });
    assert.deepEqual(attr(steps[1], 'refscope.kind'), { stringValue: 'requests' });
    assert.deepEqual(attr(steps[1], 'refscope.run_id'), { stringValue: 'B' });
    assert.deepEqual(attr(steps[1], 'gen_ai.operation.name'), { stringValue: 'chat' });
    assert.deepEqual(attr(steps[3], 'gen_ai.operation.name'), { stringValue: 'execute_tool' });
    assert.equal(attr(steps[0], 'gen_ai.operation.name'), undefined);
    assert.equal(steps[1].startTimeUnixNano, String(Date.parse('2025-01-01T01:00:01Z')) + '000000');
    assert.equal(steps[1].endTimeUnixNano, String(Date.parse('2025-01-01T01:00:02Z')) + '000000');
    // Stable: the same trace exports the same ids.
    assert.deepEqual(traceToOtlp(traceWire(t.index.trace('B'))), json);
  });

  it('the strict decoder is strict: an unknown field, a base64 id and a number for a 64-bit time are refused', () => {
    const good = traceToOtlp(traceWire(t.index.trace('B')));
    const spanOf = (o: ReturnType<typeof traceToOtlp>) => o.resourceSpans[0].scopeSpans[0].spans[1] as unknown as Record<string, unknown>;
    const variants: [string, (s: Record<string, unknown>) => void, RegExp][] = [
      ['unknown field', (s) => (s.durationMs = 5), /unknown field/],
      ['base64 id', (s) => (s.spanId = Buffer.from(String(s.spanId), 'hex').toString('base64')), /hex/],
      ['numeric time', (s) => (s.startTimeUnixNano = Number(s.startTimeUnixNano)), /decimal string/],
    ];
    for (const [what, mutate, message] of variants) {
      const bad = structuredClone(good);
      mutate(spanOf(bad));
      assert.throws(() => decodeTracesData(bad), message, what);
    }
  });

  it('refscope trace --format perfetto writes complete events in microseconds with their refs, in a process named after the run', () => {
    const r = cli('A', '--format', 'perfetto');
    assert.equal(r.status, 0, r.stderr);
    const { traceEvents } = JSON.parse(r.stdout) as { traceEvents: { name: string; ph: string; ts: number; dur?: number; tid: number; args: Record<string, unknown> }[] };
    const complete = traceEvents.filter((e) => e.ph === 'X');
    assert.deepEqual(
      complete.map((e) => [e.name, e.ts, e.dur]),
      [
        ['run_started', Date.parse('2025-01-01T00:00:00Z') * 1000, 1_000_000],
        ['provider_request_written', Date.parse('2025-01-01T00:00:01Z') * 1000, 2_000_000],
        ['provider_response_written', Date.parse('2025-01-01T00:00:03Z') * 1000, 1_000_000],
        ['run_capsule_written', Date.parse('2025-01-01T00:00:04Z') * 1000, 1_000_000],
        ['run_completed', Date.parse('2025-01-01T00:00:05Z') * 1000, 0],
      ],
    );
    assert.equal(complete[1].args.ref, `sha256:${t.h.reqA}`);
    assert.ok(traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name' && e.args.name === 'run A'));
    assert.equal(cli('A', '--format', 'xml').status, 2);
  });

  it('overlapping steps go to lanes of their own, so complete events on one thread nest', () => {
    const step = (start: string, end: string) => ({ eventType: 's', start, end });
    const t = { root: 'r', steps: [step('2025-01-01T00:00:00Z', '2025-01-01T00:00:04Z'), step('2025-01-01T00:00:01Z', '2025-01-01T00:00:02Z'), step('2025-01-01T00:00:04Z', '2025-01-01T00:00:05Z')] };
    const lanes = traceToPerfetto(t).traceEvents.filter((e) => e.ph === 'X').map((e) => e.tid);
    assert.deepEqual(lanes, [1, 2, 1]);
  });
});
