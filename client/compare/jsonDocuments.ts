// Read-only virtual documents holding an artifact as pretty JSON, for VS Code's diff editor
// (Compare Runs): `refscope-json:/<label>.json?<file uri>`, credentials masked like any preview.
// A content provider's documents cannot be edited or saved, so the artifact on disk is never touched.
import * as vscode from 'vscode';
import { comparedDocument } from '../../shared/preview/diffPreview';

export const JSON_SCHEME = 'refscope-json';

export function jsonDocumentUri(fileUri: string, label: string): vscode.Uri {
  return vscode.Uri.from({ scheme: JSON_SCHEME, path: `/${label.replace(/[^\w.-]+/g, '_')}.json`, query: fileUri });
}

export class JsonDocumentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = vscode.Uri.parse(uri.query);
    if (file.scheme !== 'file') return '';
    const bytes = await vscode.workspace.fs.readFile(file);
    // Credentials masked as in every other preview (`refscope.maskSecrets`, default on).
    const maskSecrets = vscode.workspace.getConfiguration('refscope').get<boolean>('maskSecrets', true);
    return comparedDocument(Buffer.from(bytes).toString('utf8'), { maskSecrets });
  }
}
