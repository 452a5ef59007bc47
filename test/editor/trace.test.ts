import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import { RequestsRequest, type GraphResult, type RequestEntry, type TraceResult, type TraceStep } from '../../shared/protocol';
import { refscope, sendRequest, waitFor } from './helpers';

describe('Trace Request and the provenance graph', () => {
  let api: RefscopeApi;
  let request: RequestEntry;
  before(async () => {
    api = await refscope();
    [request] = await sendRequest(api, RequestsRequest, {});
  });

  it('traces a request through its response, in event order, into the Trace view', async () => {
    const trace = await vscode.commands.executeCommand<TraceResult>('refscope.traceRequest', request.ref);
    assert.equal(trace.error, undefined);
    const all = trace.steps.flatMap((s) => [s, ...(s.children ?? [])]);
    assert.ok(all.some((s) => s.kind === 'requests' && s.ref?.endsWith(request.ref.slice(-64))), 'the request itself is a step');
    const response = all.find((s) => s.kind === 'responses');
    assert.ok(response && !response.missing, 'the response is in the trace');
    const responseText = fs.readFileSync(vscode.Uri.parse(response.uri!).fsPath, 'utf8');
    assert.ok(responseText.length > 0);
    const seqs = trace.steps.map((s) => s.sequence).filter((n): n is number => n !== undefined);
    const times = trace.steps.map((s) => s.time).filter((t): t is string => !!t).map((t) => Date.parse(t));
    assert.ok(seqs.length > 0 || times.length > 0, 'steps carry sequence or time');
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'steps in event order');
    const items = await waitFor('the Trace view to fill', () => {
      const c = api.views.trace.getChildren();
      return c.length ? c : undefined;
    });
    // The run is named once, above the steps (CONTRACT 1.8), not as a missing artifact under each.
    assert.ok(trace.runId, 'the demo request belongs to a run');
    assert.equal(items[0].label, `run ${trace.runId}`);
    assert.deepEqual(items.slice(1).map((i) => (i as { step?: TraceStep }).step), trace.steps, 'one row per step, in order');
    assert.equal(api.views.trace.current, trace);
  });

  it('draws the provenance graph around the request in a webview', async () => {
    const graph = await vscode.commands.executeCommand<GraphResult>('refscope.showProvenance', request.ref);
    assert.ok(graph.nodes.length >= 2, `${graph.nodes.length} nodes`);
    assert.ok(graph.edges.length >= 1, `${graph.edges.length} edges`);
    const ids = new Set(graph.nodes.map((n) => n.id));
    for (const e of graph.edges) assert.ok(ids.has(e.from) && ids.has(e.to), 'edges join known nodes');
    await waitFor('the provenance webview tab', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Provenance')),
    );
  });
});
