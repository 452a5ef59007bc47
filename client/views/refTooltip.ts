// The tooltip of a tree item that stands for a ref: what it is, its labels and sensitivity,
// and its content preview exactly as the core hands it out (masked, or withheld: CONTRACT 3),
// so no view shows content the hover would not. Built when the user points at the item
// (resolveTreeItem), not for every row. Artifact text goes in with appendText: never Markdown.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ResolveRequest, isResolveFailure, isResolveRun } from '../../shared/protocol';
import { contentLabels } from '../../shared/preview/labels';

export async function refTooltip(client: LanguageClient, ref: string, facts: (string | undefined)[]): Promise<vscode.MarkdownString> {
  const tooltip = new vscode.MarkdownString();
  const resolved = await client.sendRequest(ResolveRequest, { ref });
  // A run (a run id) has no content of its own; an error has nothing to add to the facts.
  const r = isResolveFailure(resolved) || isResolveRun(resolved) ? undefined : resolved;
  const lines = facts.filter((f): f is string => !!f);
  if (r) {
    const { labels, sensitivity } = contentLabels(r);
    if (labels?.length) lines.push(`labels: ${labels.join(', ')}`);
    if (sensitivity) lines.push(`sensitivity: ${sensitivity}`);
    if (r.preview?.state === 'withheld') lines.push(`content withheld (sensitivity: ${r.preview.sensitivity})`);
    if (r.preview?.state === 'binary') lines.push('binary content');
  }
  tooltip.appendText(lines.join('\n'));
  if (r?.preview?.state === 'shown') {
    tooltip.appendMarkdown('\n\n---\n\n');
    tooltip.appendText(r.preview.text);
  }
  return tooltip;
}
