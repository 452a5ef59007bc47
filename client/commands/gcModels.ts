// "Refscope: Garbage-Collect Model Store…": the language server collects (`refscope/gc`: roots
// are the manifests plus every digest its index references, as in `refscope gc`, and its index
// sees the deletions at once). A dry run first (what would go, how many bytes, why the rest
// stays), a modal confirmation, then the real run.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { GcReport } from '../../shared/models';
import { GcRequest, storeErrorCode } from '../../shared/protocol';
import { formatBytes } from '../views/format';
import { refuseIfUntrusted, type Refused } from '../trust';
import { chooseStateDir } from './stateDir';

export interface GcDeps {
  client: LanguageClient;
  output: vscode.LogOutputChannel;
  isTrusted: boolean;
  onStoreChanged: () => void;
}

export function describeDryRun(r: GcReport): string {
  const lines = [`Would delete ${r.deleted} of ${r.scanned} blobs (${formatBytes(r.deleted_bytes)}); ${r.kept} stay (${r.referenced} referenced).`];
  if (r.partials_deleted) lines.push(`Would delete ${r.partials_deleted} stale partial download${r.partials_deleted === 1 ? '' : 's'} (${formatBytes(r.partials_deleted_bytes)}).`);
  if (r.quota_shortfall_bytes) lines.push(`Still ${formatBytes(r.quota_shortfall_bytes)} over the quota: referenced blobs alone exceed it.`);
  for (const m of r.invalid_manifests) lines.push(`Invalid manifest ${m.file}: ${m.reason} (its digest still counts as a root).`);
  const why = new Map<string, number>();
  for (const e of r.explain ?? []) if (e.action === 'kept') why.set(e.reason, (why.get(e.reason) ?? 0) + 1);
  for (const [reason, n] of why) lines.push(`${n} kept: ${reason}.`);
  return lines.join('\n');
}

export async function gcModelsCommand(deps: GcDeps): Promise<GcReport | Refused | undefined> {
  const refused = refuseIfUntrusted(deps.isTrusted, 'Garbage-Collect Model Store');
  if (refused) return refused;
  const stateDir = await chooseStateDir(deps.client, 'Garbage-Collect Model Store', false);
  if (!stateDir) return undefined;
  const cfg = vscode.workspace.getConfiguration('refscope');
  const ttlDays = cfg.get<number>('gc.ttlDays', 30);
  const quotaMb = cfg.get<number>('gc.quotaMB', 0) || undefined;
  try {
    const plan = await deps.client.sendRequest(GcRequest.type, { stateDir, ttlDays, quotaMb, dryRun: true, explain: true });
    const summary = describeDryRun(plan);
    deps.output.info(`gc dry run on ${stateDir}:\n${summary}`);
    for (const e of plan.explain ?? []) deps.output.info(`  ${e.action === 'kept' ? 'keep' : 'delete'} ${e.file} (${e.bytes} bytes): ${e.reason}`);
    if (plan.deleted === 0 && plan.partials_deleted === 0) {
      void vscode.window.showInformationMessage(`Refscope: nothing to collect in ${vscode.workspace.asRelativePath(stateDir)}. ${summary}`);
      return plan;
    }
    const confirm = await vscode.window.showWarningMessage(
      `Delete ${plan.deleted} unreferenced blob${plan.deleted === 1 ? '' : 's'} (${formatBytes(plan.deleted_bytes + plan.partials_deleted_bytes)}) from ${vscode.workspace.asRelativePath(stateDir)}?`,
      { modal: true, detail: `${summary}\nTTL ${ttlDays} days${quotaMb ? `, quota ${quotaMb} MB` : ''}. Details are in the Refscope output.` },
      'Delete',
    );
    if (confirm !== 'Delete') return undefined;
    const report = await deps.client.sendRequest(GcRequest.type, { stateDir, ttlDays, quotaMb });
    deps.output.info(`gc on ${stateDir}: deleted ${report.deleted} blobs (${report.deleted_bytes} bytes), kept ${report.kept}`);
    void vscode.window.showInformationMessage(`Refscope: deleted ${report.deleted} blobs (${formatBytes(report.deleted_bytes)}); ${report.kept} kept.`);
    deps.onStoreChanged();
    return report;
  } catch (err) {
    const code = storeErrorCode(err);
    const message = `${code ? `${code}: ` : ''}${(err as Error)?.message ?? err}`;
    deps.output.error(`gc failed: ${message}`);
    void vscode.window.showErrorMessage(`Refscope: garbage collection refused (${message}); nothing was deleted.`);
    return undefined;
  }
}
