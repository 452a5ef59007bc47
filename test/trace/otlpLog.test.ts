import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { isResolvedTarget } from '../../shared/index/resolution';
import { traceToOtlp } from '../../shared/trace/otlp';
import { traceWire } from '../../shared/wire/traceWire';
import { Workspace } from '../index/fixture';
import { twoRuns } from './fixtures';

/** A span as an agent instrumented with OpenTelemetry writes one (GenAI conventions). */
function chatSpan(traceId: string, spanId: string, start: number, end: number, attrs: Record<string, string | number>) {
  return {
    traceId,
    spanId,
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: `${start}000000`,
    endTimeUnixNano: `${end}000000`,
    attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
    status: {},
  };
}

const tracesData = (spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'agent' }, spans }] }] });

describe('OTLP files as event logs', () => {
  const ws = new Workspace('refscope-otlp-');
  let index: RefIndex;
  let h: Record<string, string>;
  const T = 'a'.repeat(32);
  const t0 = Date.parse('2025-02-01T00:00:00Z');

  before(async () => {
    h = twoRuns(ws);
    // Refscope's own export of run B, dropped into another runtime root of the same workspace.
    const source = createIndex({ folders: [ws.dir] });
    await source.build();
    const exported = traceToOtlp(traceWire(source.trace('B')));
    await source.close();
    ws.write('exported/runtime/artifacts/.keep', '');
    ws.write('exported/runtime/run-b.otlp.jsonl', JSON.stringify(exported) + '\n');
    // An agent's own file export: spans of one batch out of start order, refs in attributes.
    h.answer = ws.artifact('agent/runtime', 'responses', { text: 'hi' });
    ws.write(
      'agent/runtime/traces.otlp.json',
      JSON.stringify(
        tracesData([
          chatSpan(T, 'b'.repeat(16), t0 + 2000, t0 + 2500, { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 812, 'app.response_ref': `sha256:${h.answer}` }),
          { ...chatSpan(T, 'c'.repeat(16), t0, t0 + 2000, { 'gen_ai.operation.name': 'invoke_agent' }), name: 'invoke_agent' },
        ]),
      ) + '\n',
    );
    // The same shape, pretty-printed (jq .), is one document.
    ws.write('agent/runtime/pretty.otlp.json', JSON.stringify(tracesData([{ ...chatSpan('d'.repeat(32), 'e'.repeat(16), t0, t0 + 1, {}), name: 'pretty' }]), null, 2));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
  });
  after(async () => {
    await index.close();
    ws.remove();
  });

  it('an exported trace dropped into a runtime root traces like any log, its refs linked', () => {
    const exported = JSON.parse(fs.readFileSync(ws.p('exported/runtime/run-b.otlp.jsonl'), 'utf8')) as ReturnType<typeof traceToOtlp>;
    const traceId = exported.resourceSpans[0].scopeSpans[0].spans[0].traceId;
    const t = index.trace(traceId);
    assert.equal(t.error, undefined);
    assert.deepEqual(
      t.steps.map((s) => s.eventType),
      ['invoke_agent', 'run_started', 'provider_request_written', 'provider_response_written', 'tool_call_written', 'run_completed'],
    );
    assert.deepEqual(
      t.steps[2].children?.map((c) => [c.ref, c.kind]),
      [[`sha256:${h.reqB}`, 'requests']],
    );
    // Span ends are the steps' own ends: the same durations as the trace that was exported.
    assert.deepEqual(
      t.steps.slice(1).map((s) => s.durationMs),
      [1000, 1000, 500, 4500, 0],
    );
    // Exported again, it keeps its trace id.
    assert.equal(traceToOtlp(traceWire(t)).resourceSpans[0].scopeSpans[0].spans[0].traceId, traceId);
  });

  it("an agent's spans are events in start order, run = trace id, with GenAI attributes on what they wrote", () => {
    const t = index.trace(T);
    assert.deepEqual(
      t.steps.map((s) => [s.eventType, s.sequence, s.time, s.durationMs]),
      [
        ['invoke_agent', 1, '2025-02-01T00:00:00.000Z', 2000],
        ['chat gpt-4o', 2, '2025-02-01T00:00:02.000Z', 500],
      ],
    );
    const r = index.resolve(`sha256:${h.answer}`);
    assert.ok(isResolvedTarget(r));
    assert.equal(r.producedBy?.eventType, 'chat gpt-4o');
    const genAi = Object.fromEntries(r.genAi ?? []);
    assert.equal(genAi['gen_ai.request.model'], 'gpt-4o');
    assert.equal(genAi['gen_ai.usage.input_tokens'], 812);
    assert.equal(index.trace('d'.repeat(32)).steps[0]?.eventType, 'pretty');
  });

  it('a broken line is a problem at that line; the rest is still read', async () => {
    ws.write('agent/runtime/broken.otlp.jsonl', '{"resourceSpans": [\n' + JSON.stringify(tracesData([{ ...chatSpan('f'.repeat(32), '1'.repeat(16), t0, t0 + 1, {}), name: 'after' }])) + '\n');
    await index.update([ws.p('agent/runtime/broken.otlp.jsonl')]);
    assert.ok(index.problems(ws.p('agent/runtime/broken.otlp.jsonl')).some((p) => p.code === 'malformed' && p.line === 0));
    assert.equal(index.trace('f'.repeat(32)).steps[0]?.eventType, 'after');
  });
});
