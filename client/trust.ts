// Untrusted workspaces are `limited` (CONTRACT 6): reading, navigating and verifying work,
// but nothing that downloads into or deletes from a store. Each such command asks here first.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TrustChangedNotification } from '../shared/protocol';

export interface Refused {
  refused: true;
  message: string;
}

/** Undefined when trusted; otherwise tells the user why nothing happens and returns the refusal. */
export function refuseIfUntrusted(isTrusted: boolean, action: string): Refused | undefined {
  if (isTrusted) return undefined;
  const message = `Refscope: ${action} is disabled in an untrusted workspace (read-only mode). Trust the workspace to enable it; nothing was changed.`;
  void vscode.window.showWarningMessage(message);
  return { refused: true, message };
}

/** The server refuses pulls and GC until told the workspace is trusted: tell it when trust is granted. */
export function forwardTrust(client: LanguageClient): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(() => void client.sendNotification(TrustChangedNotification.type, { trusted: true }));
}
