// "Refscope: Show Trace Timeline": the trace on display in the Trace view as a waterfall in a
// webview, following the view as it changes. Strict CSP (only our nonce'd script, styles from
// the extension, nothing from the network); the webview gets the rows by postMessage and can
// only send back a row index, which the extension maps to a step it sent.
import * as vscode from 'vscode';
import { createMediaPanel } from './mediaPanel';
import type { TraceResult } from '../shared/protocol';
import { Commands } from './commandIds';
import { stepArtifact, timelineRows } from './timeline/rows';

export function timelineHtml(webview: vscode.Webview, mediaUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, 'timeline.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, 'timeline.css'));
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource}; font-src ${webview.cspSource}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}">
<title>Trace Timeline</title></head>
<body><header><strong id="title"></strong><span class="total" id="total"></span>
<span class="legend"><span class="swatch"></span>step<span class="swatch critical"></span>critical path<span class="swatch missing"></span>missing</span></header>
<div class="axis" id="axis"></div><div class="rows" id="rows" role="grid" aria-label="trace timeline"></div><div id="tip" hidden></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
}

export class TimelinePanel {
  private static current: TimelinePanel | undefined;
  private trace: TraceResult | undefined;
  private ready = false;
  /** The last render the webview reported (rows, ms): for the tests and the output channel. */
  lastRender: { rows: number; ms: number } | undefined;
  private readonly rendered = new vscode.EventEmitter<{ rows: number; ms: number }>();
  readonly onDidRender = this.rendered.event;

  private constructor(private readonly panel: vscode.WebviewPanel) {
    panel.onDidDispose(() => {
      if (TimelinePanel.current === this) TimelinePanel.current = undefined;
      this.rendered.dispose();
    });
    panel.webview.onDidReceiveMessage((msg: unknown) => this.onMessage(msg));
  }

  static get open(): TimelinePanel | undefined {
    return TimelinePanel.current;
  }

  static show(extensionUri: vscode.Uri, trace: TraceResult): TimelinePanel {
    if (!TimelinePanel.current) {
      TimelinePanel.current = new TimelinePanel(createMediaPanel(extensionUri, 'refscope.timeline', 'Trace Timeline', timelineHtml));
    }
    const me = TimelinePanel.current;
    me.panel.reveal(undefined, true);
    me.update(trace);
    return me;
  }

  /** Shows `trace` (the Trace view changed); before the webview is ready it waits for 'ready'. */
  update(trace: TraceResult): void {
    this.trace = trace;
    this.panel.title = `Timeline: ${trace.runId ?? (trace.root.length > 24 ? trace.root.slice(0, 24) + '…' : trace.root)}`;
    if (this.ready) this.post();
  }

  private post(): void {
    if (this.trace) void this.panel.webview.postMessage({ type: 'timeline', model: timelineRows(this.trace) });
  }

  private onMessage(msg: unknown): void {
    if (!msg || typeof msg !== 'object') return;
    const m = msg as { type?: unknown; i?: unknown; rows?: unknown; ms?: unknown };
    if (m.type === 'ready') {
      this.ready = true;
      this.post();
    } else if (m.type === 'rendered' && typeof m.rows === 'number' && typeof m.ms === 'number') {
      this.lastRender = { rows: m.rows, ms: m.ms };
      this.rendered.fire(this.lastRender);
    } else if (m.type === 'open' && typeof m.i === 'number') {
      // Only a step we sent is opened: the webview cannot name an arbitrary file.
      const step = this.trace?.steps[m.i];
      if (!step) return;
      const art = stepArtifact(step);
      if (art?.uri && !art.missing) void vscode.commands.executeCommand(Commands.openArtifact, { ref: art.ref, uri: art.uri });
      else if (step.uri) void vscode.commands.executeCommand('vscode.open', vscode.Uri.parse(step.uri), { selection: new vscode.Range(step.line ?? 0, 0, step.line ?? 0, 0) });
    }
  }
}
