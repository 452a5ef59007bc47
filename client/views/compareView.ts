// "Compare": the last Compare Runs result, one row per aligned pair (same, changed, only in A,
// only in B) with both durations and the difference; a changed pair lists the JSON paths that
// differ, and clicking it opens both artifacts in the diff editor.
import * as vscode from 'vscode';
import type { DiffPair, DiffResult, TraceStep } from '../../shared/protocol';
import { formatDuration } from '../../shared/trace/duration';
import { Commands } from '../commandIds';
import { shortRef } from './format';

const ICONS: Record<DiffPair['status'], [string, string]> = {
  same: ['check', 'charts.green'],
  changed: ['diff-modified', 'charts.yellow'],
  onlyA: ['diff-removed', 'charts.red'],
  onlyB: ['diff-added', 'charts.blue'],
};

const STATUS_TEXT: Record<DiffPair['status'], string> = { same: 'same', changed: 'changed', onlyA: 'only in A', onlyB: 'only in B' };

function valueText(v: unknown): string {
  if (v === undefined) return '(absent)';
  const t = JSON.stringify(v);
  return t.length > 60 ? t.slice(0, 59) + '…' : t;
}

function stepName(s: TraceStep | undefined): string {
  if (!s) return '';
  const kind = s.kind ?? s.children?.find((c) => c.kind !== undefined)?.kind;
  return kind ? `${s.eventType ?? 'step'} → ${kind}` : (s.eventType ?? 'step');
}

export class ComparePairItem extends vscode.TreeItem {
  constructor(
    readonly pair: DiffPair,
    readonly index: number,
  ) {
    super(stepName(pair.a ?? pair.b), pair.changes?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    const da = pair.a?.durationMs;
    const db = pair.b?.durationMs;
    const durations = [da !== undefined ? `A ${formatDuration(da)}` : undefined, db !== undefined ? `B ${formatDuration(db)}` : undefined].filter(Boolean).join(' · ');
    const delta = pair.durationDeltaMs ? ` (${pair.durationDeltaMs > 0 ? '+' : ''}${formatDuration(pair.durationDeltaMs)})` : '';
    this.description = `${STATUS_TEXT[pair.status]}${durations ? ' · ' + durations : ''}${delta}`;
    const [icon, colour] = ICONS[pair.status];
    this.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(colour));
    this.contextValue = `refscope.comparePair.${pair.status}`;
    const refs = [pair.a?.children?.[0]?.ref, pair.b?.children?.[0]?.ref].filter(Boolean) as string[];
    this.tooltip = new vscode.MarkdownString().appendText([STATUS_TEXT[pair.status], ...refs].join('\n'));
    this.command = { command: Commands.openComparePair, title: 'Open', arguments: [this] };
    this.id = `pair:${index}`;
  }
}

export class CompareTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private last: DiffResult | undefined;

  get current(): DiffResult | undefined {
    return this.last;
  }

  show(diff: DiffResult): void {
    this.last = diff;
    this.changed.fire();
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: vscode.TreeItem): vscode.TreeItem[] {
    const d = this.last;
    if (!d) return [];
    if (!item) {
      const errors = [d.a, d.b].filter((s) => s.error).map((s) => {
        const e = new vscode.TreeItem(`${shortRef(s.root)}: ${s.error}`);
        e.iconPath = new vscode.ThemeIcon('error');
        return e;
      });
      return errors.length ? errors : d.pairs.map((p, i) => new ComparePairItem(p, i));
    }
    if (item instanceof ComparePairItem) {
      return (item.pair.changes ?? []).map((c) => {
        const leaf = new vscode.TreeItem(c.path);
        leaf.description = `${valueText(c.a)} → ${valueText(c.b)}`;
        leaf.tooltip = new vscode.MarkdownString().appendText(`${c.path}\nA: ${valueText(c.a)}\nB: ${valueText(c.b)}`);
        leaf.iconPath = new vscode.ThemeIcon('symbol-field');
        return leaf;
      });
    }
    return [];
  }
}
