// "Refscope: Copy Ref": the ref of a tree item, or the one under the cursor, to the clipboard.
import * as vscode from 'vscode';
import { refAtCursor, refFromArgument } from './refArgument';

export async function copyRef(arg?: unknown): Promise<string | undefined> {
  const ref = refFromArgument(arg) ?? refAtCursor();
  if (!ref) {
    void vscode.window.showInformationMessage('Put the cursor on a ref (or pick one in a Refscope view) to copy it.');
    return undefined;
  }
  await vscode.env.clipboard.writeText(ref);
  vscode.window.setStatusBarMessage(`Copied ${ref}`, 3000);
  return ref;
}
