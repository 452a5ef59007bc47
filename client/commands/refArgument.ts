// Commands take their ref from wherever they were started: a string (hover link, code lens,
// another command, a test), a tree item (`target`), or else the ref under the cursor.
import * as vscode from 'vscode';
import { scanRefs } from '../../shared/refs/scanner';

export function refFromArgument(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg.trim()) return arg.trim();
  if (arg && typeof arg === 'object') {
    const o = arg as { ref?: unknown; target?: { ref?: unknown } };
    if (typeof o.ref === 'string') return o.ref;
    if (o.target && typeof o.target.ref === 'string') return o.target.ref;
  }
  return undefined;
}

/** The ref the cursor of the active editor sits on, if any. */
export function refAtCursor(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const pos = editor.selection.active;
  const line = editor.document.lineAt(pos.line).text;
  const hit = scanRefs(line).find((m) => m.start <= pos.character && pos.character <= m.end && !m.invalid);
  return hit?.text;
}
