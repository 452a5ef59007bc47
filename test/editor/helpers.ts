// Shared by the real-editor tests: the activated extension's API, a deadline-bound wait, and
// ground truth read straight from the workspace files (never from Refscope itself).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';

export async function refscope(): Promise<RefscopeApi> {
  const ext = vscode.extensions.getExtension<RefscopeApi>('refscope.refscope');
  if (!ext) throw new Error('extension refscope.refscope is not installed');
  const api = await ext.activate();
  await api.started;
  return api;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The artifact file named `<hex>.*` under some `artifacts/<kind>/`, found by glob. */
export async function artifactFile(hex: string): Promise<{ uri: vscode.Uri; kind: string; verified: boolean }> {
  const [uri] = await vscode.workspace.findFiles(`**/artifacts/**/${hex}.*`, '**/node_modules/**', 2);
  if (!uri) throw new Error(`no artifact file for ${hex}`);
  const parts = uri.path.split('/');
  const bytes = fs.readFileSync(uri.fsPath);
  return { uri, kind: parts[parts.length - 2], verified: crypto.createHash('sha256').update(bytes).digest('hex') === hex };
}

/** The position of the first match of `pattern` in a workspace file, opened in an editor. */
export async function openAt(relPath: string, pattern: RegExp): Promise<{ doc: vscode.TextDocument; pos: vscode.Position; match: RegExpExecArray }> {
  const [uri] = await vscode.workspace.findFiles(relPath, undefined, 1);
  if (!uri) throw new Error(`${relPath} is not in the workspace`);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const match = pattern.exec(doc.getText());
  if (!match) throw new Error(`${pattern} not found in ${relPath}`);
  return { doc, pos: doc.positionAt(match.index + Math.floor(match[0].length / 2)), match };
}

export function markdownOf(hovers: vscode.Hover[]): vscode.MarkdownString[] {
  return hovers.flatMap((h) => h.contents).filter((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString);
}

export function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : [];
}
