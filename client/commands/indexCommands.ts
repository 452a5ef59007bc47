// "Refscope: Verify Store" and "Refscope: Rebuild Index": both ask the server, which publishes
// the problems it finds to the Problems panel.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ReindexRequest, StatsRequest, VerifyRequest, type StatsResult } from '../../shared/protocol';

export async function verifyStore(client: LanguageClient): Promise<{ problems: number }> {
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Refscope: verifying every store…' }, () => client.sendRequest(VerifyRequest.type, {}));
  const msg = result.problems === 0 ? 'Refscope: every artifact, chain and digest verified.' : `Refscope: ${result.problems} problem${result.problems === 1 ? '' : 's'} found; see the Problems panel.`;
  if (result.problems === 0) void vscode.window.showInformationMessage(msg);
  else {
    void vscode.window.showWarningMessage(msg);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
  return result;
}

export async function rebuildIndex(client: LanguageClient): Promise<StatsResult> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Refscope: rebuilding the index…' }, () => client.sendRequest(ReindexRequest.type, {}));
}

export function describeStats(s: StatsResult): string {
  return [
    `${s.artifacts} artifacts, ${s.refs} refs (${s.dangling} dangling), ${s.events} events, ${s.blobs} model blobs`,
    s.problems !== undefined ? `${s.problems} problems` : undefined,
    `indexed in ${s.indexMs} ms`,
    `roots: ${s.roots.join(', ') || 'none found'}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

export async function showStats(client: LanguageClient, output: vscode.OutputChannel): Promise<StatsResult> {
  const stats = await client.sendRequest(StatsRequest.type, {});
  output.appendLine(`index: ${describeStats(stats)}`);
  const choice = await vscode.window.showInformationMessage(`Refscope: ${describeStats(stats)}`, 'Verify Store', 'Show Log');
  if (choice === 'Verify Store') await verifyStore(client);
  if (choice === 'Show Log') output.show();
  return stats;
}
