// "Refscope: Pull Model…": id, URL and sha256 (each validated as typed), then the pull runs in
// the extension host with a cancellable progress notification (percent, MB/s, time left).
// Cancelling aborts the transfer; the shared pull code cleans up after itself (CONTRACT 5).
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { pullModel, PullError, validateModelId, validateSha256, validateUrl, type PullProgress, type PullResult } from '../../shared/models';
import { formatBytes } from '../views/format';
import { refuseIfUntrusted, type Refused } from '../trust';
import { chooseStateDir } from './stateDir';

export interface PullDeps {
  client: LanguageClient;
  output: vscode.LogOutputChannel;
  isTrusted: boolean;
  onStoreChanged: () => void;
}

/** `validate*` from shared/models return an error message or undefined; empty input is "not yet". */
function asTyped(validate: (s: string) => string | undefined): (s: string) => string | undefined {
  return (s) => (s.trim() ? validate(s.trim()) : undefined);
}

export function progressMessage(p: PullProgress): string {
  const parts: string[] = [p.status];
  if (p.total) parts.push(`${Math.floor((p.received / p.total) * 100)}% of ${formatBytes(p.total)}`);
  else parts.push(formatBytes(p.received));
  if (p.bytesPerSec > 0) parts.push(`${(p.bytesPerSec / 1e6).toFixed(1)} MB/s`);
  if (p.etaSec !== undefined && Number.isFinite(p.etaSec)) parts.push(`${Math.ceil(p.etaSec)} s left`);
  return parts.join(' · ');
}

async function ask(title: string, prompt: string, validate: (s: string) => string | undefined): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({ title, prompt, validateInput: asTyped(validate), ignoreFocusOut: true });
  return value?.trim() || undefined;
}

export async function pullModelCommand(deps: PullDeps): Promise<PullResult | Refused | undefined> {
  const refused = refuseIfUntrusted(deps.isTrusted, 'Pull Model');
  if (refused) return refused;
  const id = await ask('Pull Model (1/3)', 'Model id (the manifest is written as models/<id>.json)', validateModelId);
  if (!id) return undefined;
  const url = await ask('Pull Model (2/3)', 'Download URL (http or https)', validateUrl);
  if (!url) return undefined;
  const sha256 = await ask('Pull Model (3/3)', 'Expected sha256 of the file (64 hex digits); the download is verified against it', validateSha256);
  if (!sha256) return undefined;
  const stateDir = await chooseStateDir(deps.client, 'Pull Model', true);
  if (!stateDir) return undefined;
  const cfg = vscode.workspace.getConfiguration('refscope');
  const maxMb = cfg.get<number>('pull.maxMB', 0) || undefined;
  const quotaMb = cfg.get<number>('pull.quotaMB', 0) || undefined;
  const preflight = cfg.get<boolean>('pull.preflight', true);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Pulling ${id}`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let lastPct = 0;
        try {
          return await pullModel({
            stateDir, id, url, sha256, preflight, maxMb, quotaMb, signal: abort.signal,
            onProgress: (p) => {
              const pct = p.total ? Math.min(100, (p.received / p.total) * 100) : lastPct;
              progress.report({ message: progressMessage(p), increment: pct - lastPct });
              lastPct = pct;
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
    deps.output.info(`pulled ${id}: ${result.status}, ${result.bytes} bytes -> ${result.path}`);
    void vscode.window.showInformationMessage(`Refscope: ${id} ${result.status === 'cached' ? 'was already in the store' : `downloaded and verified (${formatBytes(result.bytes)})`}.`);
    return result;
  } catch (err) {
    const message = err instanceof PullError ? `${err.code}: ${err.message}` : String((err as Error).message ?? err);
    deps.output.error(`pull ${id} failed: ${message}`);
    if (!(err instanceof PullError && err.code === 'cancelled')) void vscode.window.showErrorMessage(`Refscope: pulling ${id} failed (${message}).`);
    return undefined;
  } finally {
    deps.onStoreChanged();
  }
}
