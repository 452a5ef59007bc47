// Which model store a pull or GC acts on: the state dirs the server found (a quick pick when
// there are several), or, when none exists yet, `state/` in the first workspace folder.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelsRequest } from '../../shared/protocol';

export async function chooseStateDir(client: LanguageClient, purpose: string, allowNew: boolean): Promise<string | undefined> {
  const { stateDirs } = await client.sendRequest(ModelsRequest.type, {});
  const known = stateDirs.map((d) => d.dir.startsWith('file:') ? vscode.Uri.parse(d.dir).fsPath : d.dir);
  if (known.length === 1) return known[0];
  if (known.length > 1) {
    const picked = await vscode.window.showQuickPick(known.map((d) => ({ label: vscode.workspace.asRelativePath(d), detail: d, dir: d })), { title: purpose, placeHolder: 'Which state dir (model store)?' });
    return picked?.dir;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!allowNew || !folder) {
    void vscode.window.showInformationMessage('Refscope: no model store (a state dir holding models/by-hash/) in this workspace. Add one with the refscope.stateDirs setting.');
    return undefined;
  }
  return path.join(folder.uri.fsPath, 'state');
}
