// "Models": for each state dir, its manifests (id, size, provider, verified), partial
// downloads with the bytes so far, and blobs no manifest names. An invalid manifest gets a
// warning icon and its reason, and is never offered as something to open through its paths.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelsRequest, type ModelEntry, type ModelsResult } from '../../shared/protocol';
import { formatBytes } from './format';
import { GroupItem, RefTreeItem } from './refItem';

type StateDir = ModelsResult['stateDirs'][number];

function openFile(uri: string): vscode.Command {
  return { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.parse(uri)] };
}

export function manifestItem(m: ModelEntry): vscode.TreeItem {
  const item = m.sha256 && !m.error ? new RefTreeItem({ ref: `sha256:${m.sha256}` }, m.id, vscode.TreeItemCollapsibleState.None, '.model') : new vscode.TreeItem(m.id);
  // The manifest file itself is inside models/, so opening it is safe even when it is invalid.
  item.command = openFile(m.uri);
  if (m.error) {
    item.description = `invalid: ${m.error}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    item.tooltip = new vscode.MarkdownString().appendText(`Invalid manifest ${m.uri}\n${m.error}`);
    return item;
  }
  const verified = m.verified ? 'verified' : 'unverified';
  item.description = [formatBytes(m.bytes), m.provider, verified, m.blobPresent === false ? 'blob missing' : undefined].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(m.blobPresent === false ? 'warning' : m.verified ? 'package' : 'circle-large-outline');
  item.tooltip = new vscode.MarkdownString().appendText([m.id, m.sha256 && `sha256:${m.sha256}`, m.url, m.provider].filter(Boolean).join('\n'));
  return item;
}

function stateDirChildren(dir: StateDir): vscode.TreeItem[] {
  const items: vscode.TreeItem[] = dir.manifests.map(manifestItem);
  for (const p of dir.partials) {
    const item = new vscode.TreeItem(p.name);
    item.description = `partial: ${formatBytes(p.bytes)}${p.total ? ` of ${formatBytes(p.total)}` : ''} so far`;
    item.iconPath = new vscode.ThemeIcon('cloud-download');
    item.tooltip = p.uri;
    items.push(item);
  }
  if (dir.orphanBlobs.length) {
    const orphans = dir.orphanBlobs.map((b) => {
      const item = new RefTreeItem({ ref: `sha256:${b.digest}`, uri: b.uri }, `sha256:${b.digest.slice(0, 12)}…`, vscode.TreeItemCollapsibleState.None, '.blob');
      item.description = `${formatBytes(b.bytes)} · no manifest`;
      item.tooltip = item.target.ref; // a model blob is binary: no preview to resolve
      item.iconPath = new vscode.ThemeIcon('circle-slash');
      item.command = undefined; // a model blob is binary: nothing useful to open in an editor
      return item;
    });
    items.push(new GroupItem('Blobs no manifest names', orphans, String(orphans.length), 'question'));
  }
  return items;
}

export class ModelsTreeProvider implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly client: LanguageClient) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: vscode.TreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: vscode.TreeItem): Promise<vscode.TreeItem[]> {
    if (item instanceof GroupItem) return item.children;
    if (item) return [];
    const { stateDirs } = await this.client.sendRequest(ModelsRequest, {});
    if (stateDirs.length === 1) return stateDirChildren(stateDirs[0]);
    return stateDirs.map((d) => {
      const children = stateDirChildren(d);
      const group = new GroupItem(vscode.workspace.asRelativePath(d.dir), children, `${d.manifests.length} models`, 'database');
      group.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      return group;
    });
  }
}
