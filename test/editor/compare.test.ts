import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import { RunsRequest, type DiffPair, type DiffResult, type RunEntry, type TraceResult, type TraceStep } from '../../shared/protocol';
import { refscope, sendRequest, waitFor } from './helpers';

describe('Trace Run, the timeline, Compare Runs and Export Trace', () => {
  let api: RefscopeApi;
  let runs: RunEntry[];
  before(async () => {
    api = await refscope();
    runs = (await sendRequest(api, RunsRequest, {})).filter((r) => r.runId !== undefined && r.ref.startsWith('sha256:'));
    assert.ok(runs.length >= 2, `${runs.length} capsule runs in the demo workspace`);
  });

  it('traces a run into the Trace view with a duration on every timed step', async () => {
    const trace = await vscode.commands.executeCommand<TraceResult>('refscope.traceRun', runs[0].runId);
    assert.equal(trace.runId, runs[0].runId);
    assert.ok(trace.steps.length > 1);
    const items = await waitFor('the Trace view to show the run', () => {
      const c = api.views.trace.getChildren();
      // The run is named once, at the top, above the steps.
      return c.length === trace.steps.length + 1 ? c.slice(1) : undefined;
    });
    assert.deepEqual(items.map((i) => (i as { step?: TraceStep }).step), trace.steps, 'one row per step, in order');
    const timed = trace.steps.filter((s) => s.time);
    assert.ok(timed.length > 0 && timed.every((s) => s.durationMs !== undefined));
    assert.match(String(items[0].description), /\d+(\.\d+)? (ms|s)/);
  });

  it('shows the trace timeline in a webview that renders one bar per step and follows the Trace view', async () => {
    const panel = await vscode.commands.executeCommand<{ onDidRender: vscode.Event<{ rows: number }> }>('refscope.showTimeline');
    assert.ok(panel);
    const first = await waitFor('the timeline to render', () => api.timeline()?.lastRender);
    assert.equal(first.rows, api.views.trace.current!.steps.length);
    const next = await vscode.commands.executeCommand<TraceResult>('refscope.traceRun', runs[1].runId);
    await waitFor('the timeline to follow the Trace view', () => api.timeline()?.lastRender?.rows === next.steps.length || undefined);
    assert.ok(vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Timeline')));
  });

  it('compares two runs into the Compare view and opens a changed pair in the diff editor as pretty JSON', async () => {
    const diff = await vscode.commands.executeCommand<DiffResult>('refscope.compareRuns', runs[0].runId, runs[1].runId);
    assert.equal(diff.a.runId, runs[0].runId);
    assert.ok(diff.pairs.length > 0);
    const items = await waitFor('the Compare view to fill', () => {
      const c = api.views.compare.getChildren();
      return c.length ? c : undefined;
    });
    assert.deepEqual(items.map((i) => (i as { pair?: DiffPair }).pair), diff.pairs, 'one row per aligned pair, in order');
    const changed = items.find((i) => (i as { pair?: { status: string } }).pair?.status === 'changed');
    assert.ok(changed, 'two different runs have a changed pair');
    const uris = await vscode.commands.executeCommand<vscode.Uri[]>('refscope.openComparePair', changed);
    assert.equal(uris.length, 2);
    const doc = await vscode.workspace.openTextDocument(uris[0]);
    assert.ok(doc.getText().includes('\n  "'), 'pretty-printed with two-space indent');
    assert.doesNotThrow(() => JSON.parse(doc.getText()));
    await waitFor('the diff editor', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff));
  });

  it('exports the trace on display as OTLP/JSON to the chosen file', async () => {
    const target = vscode.Uri.file(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-export-')), 'run.otlp.json'));
    const written = await vscode.commands.executeCommand<vscode.Uri>('refscope.exportTrace', undefined, 'otlp', target);
    assert.equal(written.fsPath, target.fsPath);
    const otlp = JSON.parse(fs.readFileSync(target.fsPath, 'utf8')) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] };
    assert.equal(otlp.resourceSpans[0].scopeSpans[0].spans.length, api.views.trace.current!.steps.length + 1);
  });

  it('makes refs printed in the terminal links', () => {
    const ref = runs[0].ref;
    const links = api.terminalLinks.provideTerminalLinks({ line: `verified ${ref} ok`, terminal: undefined as unknown as vscode.Terminal });
    assert.deepEqual(
      links.map((l) => [l.startIndex, l.length]),
      [[9, ref.length]],
    );
  });
});
