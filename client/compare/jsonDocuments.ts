// Read-only virtual documents holding an artifact as pretty JSON, for VS Code's diff editor
// (Compare Runs): `refscope-json:/<label>.json?<file uri>`. A content provider's documents
// cannot be edited or saved, so the artifact on disk is never touched.
import * as vscode from 'vscode';

export const JSON_SCHEME = 'refscope-json';

export function jsonDocumentUri(fileUri: string, label: string): vscode.Uri {
  return vscode.Uri.from({ scheme: JSON_SCHEME, path: `/${label.replace(/[^\w.-]+/g, '_')}.json`, query: fileUri });
}

/** Pretty JSON (2-space indent, keys as written); text that is not JSON is shown as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2) + '\n';
  } catch {
    return text;
  }
}

export class JsonDocumentProvider implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const file = vscode.Uri.parse(uri.query);
    if (file.scheme !== 'file') return '';
    const bytes = await vscode.workspace.fs.readFile(file);
    return prettyJson(Buffer.from(bytes).toString('utf8'));
  }
}
