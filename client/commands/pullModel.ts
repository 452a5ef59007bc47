// "Refscope: Pull Model…": id, URL and sha256 (each validated as typed), then the language
// server pulls (`refscope/pull`: it owns the store, so its index sees the model at once) while a
// cancellable notification shows the server's work-done progress (percent, MB/s, time left).
// Cancelling sends $/cancelRequest; the server's pull cleans up after itself (CONTRACT 5).
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { validateModelId, validateSha256, validateUrl } from '../../shared/models';
import { PullRequest, storeErrorCode, type PullAnswer } from '../../shared/protocol';
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

async function ask(title: string, prompt: string, validate: (s: string) => string | undefined): Promise<string | undefined> {
  const value = await vscode.window.showInputBox({ title, prompt, validateInput: asTyped(validate), ignoreFocusOut: true });
  return value?.trim() || undefined;
}

export async function pullModelCommand(deps: PullDeps): Promise<PullAnswer | Refused | undefined> {
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
      async (progress, cancel) => {
        const workDoneToken = randomUUID();
        let lastPct = 0;
        const shown = deps.client.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
          if (p.kind === 'end') return;
          const pct = p.percentage ?? lastPct;
          progress.report({ message: p.message, increment: pct - lastPct });
          lastPct = pct;
        });
        try {
          return await deps.client.sendRequest(PullRequest.type, { id, url, sha256, preflight, maxMb, quotaMb, stateDir, workDoneToken }, cancel);
        } finally {
          shown.dispose();
        }
      },
    );
    deps.output.info(`pulled ${id}: ${result.status}, ${result.bytes} bytes -> ${result.path}`);
    void vscode.window.showInformationMessage(`Refscope: ${id} ${result.status === 'cached' ? 'was already in the store' : `downloaded and verified (${formatBytes(result.bytes)})`}.`);
    return result;
  } catch (err) {
    const code = storeErrorCode(err);
    const message = `${code ? `${code}: ` : ''}${(err as Error)?.message ?? err}`;
    deps.output.error(`pull ${id} failed: ${message}`);
    if (code !== 'cancelled' && !(err instanceof vscode.CancellationError)) void vscode.window.showErrorMessage(`Refscope: pulling ${id} failed (${message}).`);
    return undefined;
  } finally {
    deps.onStoreChanged();
  }
}

