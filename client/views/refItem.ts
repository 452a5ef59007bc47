// A tree item that stands for one ref: clicking opens the artifact, and its context menu
// (package.json `view/item/context`, matched on contextValue `refscope.ref*`) offers Trace,
// Copy Ref and Show Provenance Graph. The commands read the ref back from `target`.
import * as vscode from 'vscode';
import { Commands } from '../commandIds';
import { shortRef } from './format';

export interface RefTarget {
  ref: string;
  uri?: string;
}

export class RefTreeItem extends vscode.TreeItem {
  constructor(
    readonly target: RefTarget,
    label: string,
    collapsible = vscode.TreeItemCollapsibleState.None,
    contextSuffix = '',
  ) {
    super(label, collapsible);
    this.contextValue = `refscope.ref${contextSuffix}`;
    // The tooltip (with labels, sensitivity and the content preview) is made when pointed at: resolveTreeItem.
    this.command = { command: Commands.openArtifact, title: 'Open Artifact', arguments: [target] };
  }
}

/** A leaf for a ref found inside a capsule, snapshot or trace step. */
export function refLeaf(ref: string, label?: string): RefTreeItem {
  const item = new RefTreeItem({ ref }, label ?? shortRef(ref));
  if (label) item.description = shortRef(ref);
  item.iconPath = new vscode.ThemeIcon('symbol-reference');
  return item;
}

/** A plain grouping node (no ref of its own). */
export class GroupItem extends vscode.TreeItem {
  constructor(label: string, readonly children: vscode.TreeItem[], description?: string, icon = 'folder') {
    super(label, vscode.TreeItemCollapsibleState.Collapsed);
    this.description = description ?? String(children.length);
    this.iconPath = new vscode.ThemeIcon(icon);
  }
}
