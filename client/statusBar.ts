// "$(database) Refscope N artifacts · M problems", with a spinner while the index is being
// built; a click shows the full statistics.
import * as vscode from 'vscode';
import type { StatsResult } from '../shared/protocol';
import { Commands } from './commandIds';

export class RefscopeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('refscope.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Refscope';
    this.item.command = Commands.showStats;
    this.indexing();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  indexing(): void {
    this.item.text = '$(sync~spin) Refscope indexing…';
    this.item.tooltip = 'Refscope is indexing the workspace';
  }

  update(stats: StatsResult): void {
    if (!stats.ready) return this.indexing();
    const problems = stats.problems ?? stats.dangling;
    this.item.text = `$(database) Refscope ${stats.artifacts} artifacts · ${problems} problem${problems === 1 ? '' : 's'}`;
    this.item.tooltip = `${stats.artifacts} artifacts, ${stats.refs} refs, ${stats.events} events, ${stats.blobs} model blobs; indexed in ${stats.indexMs} ms. Click for details.`;
  }

  failed(message: string): void {
    this.item.text = '$(error) Refscope';
    this.item.tooltip = message;
  }

  dispose(): void {
    this.item.dispose();
  }
}
