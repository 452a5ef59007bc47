// "Run Capsules" and "Snapshots": one provider, two requests. Runs newest first (run id, mode,
// time, tool count); children are the refs inside, grouped as the server grouped them
// (state, prompts, tool I/O...). Refreshed when the index changes.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ResolveRequest, RunsRequest, SnapshotsRequest, isResolveTarget, type RunEntry } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from './format';
import { GroupItem, RefTreeItem, refLeaf } from './refItem';
import { refTooltip } from './refTooltip';

export class RunTreeItem extends RefTreeItem {
  constructor(readonly entry: RunEntry, isSnapshot: boolean) {
    super({ ref: entry.ref, uri: entry.uri }, entry.runId ?? shortRef(entry.ref), vscode.TreeItemCollapsibleState.Collapsed, isSnapshot ? '.snapshot' : '.run');
    const parts = [entry.mode, formatTime(entry.time), entry.toolCount !== undefined ? `${entry.toolCount} tool${entry.toolCount === 1 ? '' : 's'}` : undefined];
    this.description = parts.filter(Boolean).join(' · ');
    this.iconPath = new vscode.ThemeIcon(isSnapshot ? 'archive' : 'play-circle');
    this.id = `${isSnapshot ? 'snapshot' : 'run'}:${entry.ref}`;
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly kind: 'runs' | 'snapshots',
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async resolveTreeItem(item: vscode.TreeItem): Promise<vscode.TreeItem> {
    if (item instanceof RefTreeItem && item.tooltip === undefined) {
      item.tooltip = await refTooltip(this.client, item.target.ref, [item.target.ref, item instanceof RunTreeItem ? item.entry.uri : undefined]);
    }
    return item;
  }

  async getChildren(item?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (!item) {
      const entries = await this.client.sendRequest(this.kind === 'runs' ? RunsRequest : SnapshotsRequest, {});
      return newestFirst(entries).map((e) => new RunTreeItem(e, this.kind === 'snapshots'));
    }
    if (item instanceof RunTreeItem) return this.refsOf(item.entry);
    if (item instanceof GroupItem) return item.children;
    return [];
  }

  private async refsOf(entry: RunEntry): Promise<vscode.TreeItem[]> {
    if (entry.groups?.length) {
      return entry.groups.map((g) => new GroupItem(g.label, g.refs.map((r) => refLeaf(r.ref, r.path))));
    }
    // No grouping from the server: list what the artifact itself refers to.
    const resolved = await this.client.sendRequest(ResolveRequest, { ref: entry.ref });
    return isResolveTarget(resolved) ? resolved.refs.map((r) => refLeaf(r)) : [];
  }
}
