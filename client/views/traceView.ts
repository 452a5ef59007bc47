// "Trace": the last trace, steps in event order with their time, duration (the critical path
// marked where steps overlap) and the gap to the previous step, each expandable to the artifacts it references. Missing steps stay in the list,
// marked missing, so a gap in the evidence is visible rather than silently skipped; pruned
// evidence (deleted, but recorded) is marked pruned, not missing (CONTRACT 1.3).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { TraceResult, TraceStep } from '../../shared/protocol';
import { formatDuration } from '../../shared/trace/duration';
import { formatDelta, formatTime, shortRef } from './format';
import { refTooltip } from './refTooltip';

export class TraceStepItem extends vscode.TreeItem {
  constructor(readonly step: TraceStep) {
    super(stepLabel(step), step.children?.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.description = [
      step.sequence !== undefined ? `#${step.sequence}` : undefined,
      formatTime(step.time),
      step.durationMs !== undefined ? formatDuration(step.durationMs) : undefined,
      formatDelta(step.deltaMs),
      step.critical ? 'critical path' : undefined,
      step.ref ? shortRef(step.ref, 8) : undefined,
    ]
      .filter(Boolean)
      .join(' · ');
    // A step with a ref gets its tooltip (with the content preview) when pointed at: resolveTreeItem.
    if (!step.ref) this.tooltip = new vscode.MarkdownString().appendText(this.facts.filter(Boolean).join('\n'));
    if (step.missing) {
      this.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      this.contextValue = 'refscope.traceStep.missing';
    } else {
      const icon = step.verification === 'pruned' ? 'archive' : step.eventType ? 'debug-stackframe' : 'file';
      this.iconPath = step.critical ? new vscode.ThemeIcon(icon, new vscode.ThemeColor('charts.red')) : new vscode.ThemeIcon(icon);
      if (step.ref) this.contextValue = 'refscope.ref.traceStep';
      if (step.uri) {
        const uri = vscode.Uri.parse(step.uri);
        const line = step.line ?? 0;
        this.command = { command: 'vscode.open', title: 'Open', arguments: [uri, { selection: new vscode.Range(line, 0, line, 0) }] };
      }
    }
  }

  /** What the tooltip says before the preview. */
  get facts(): (string | undefined)[] {
    const s = this.step;
    const timing = s.durationMs !== undefined ? `${formatDuration(s.durationMs)} (${s.start} .. ${s.end})${s.critical ? ', on the critical path' : ''}` : undefined;
    return [s.eventType, s.kind, s.ref, s.time, timing, s.uri];
  }

  /** For the context-menu commands (Trace, Copy Ref, Show Provenance Graph). */
  get target(): { ref: string } | undefined {
    return this.step.ref ? { ref: this.step.ref } : undefined;
  }
}

function stepLabel(step: TraceStep): string {
  const what = step.eventType ?? step.kind ?? 'artifact';
  if (step.missing) return `${what} (missing)`;
  if (step.verification === 'pruned') return `${what} (pruned)`;
  return step.eventType && step.kind ? `${step.eventType} → ${step.kind}` : what;
}

export class TraceTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private last: TraceResult | undefined;
  private readonly shown = new vscode.EventEmitter<TraceResult>();
  /** A new trace is on display: the timeline follows it. */
  readonly onDidShow = this.shown.event;

  constructor(private readonly client: LanguageClient) {}

  /** The trace on display (the result of the last "Trace Request…" or "Trace Run…"). */
  get current(): TraceResult | undefined {
    return this.last;
  }

  show(trace: TraceResult): void {
    this.last = trace;
    this.changed.fire();
    this.shown.fire(trace);
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem): Promise<vscode.TreeItem> {
    if (item instanceof TraceStepItem && item.step.ref && item.tooltip === undefined) item.tooltip = await refTooltip(this.client, item.step.ref, item.facts);
    return item;
  }

  getChildren(item?: vscode.TreeItem): vscode.TreeItem[] {
    if (!item) {
      if (!this.last) return [];
      if (this.last.error) {
        const err = new vscode.TreeItem(`${shortRef(this.last.root)}: ${this.last.error}`);
        err.iconPath = new vscode.ThemeIcon('error');
        return [err];
      }
      const steps: vscode.TreeItem[] = this.last.steps.map((s) => new TraceStepItem(s));
      // The run the steps belong to, named once at the top (CONTRACT 1.8).
      if (this.last.runId !== undefined) {
        const run = new vscode.TreeItem(`run ${this.last.runId}`);
        run.iconPath = new vscode.ThemeIcon('play-circle');
        steps.unshift(run);
      }
      return steps;
    }
    if (item instanceof TraceStepItem) return (item.step.children ?? []).map((c) => new TraceStepItem(c));
    return [];
  }
}

