// "Refscope: Open Artifact by Ref…": resolve a ref (given, or typed) and open what it names.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ResolveRequest, isResolveFailure, isResolveTarget, type ResolveFailure } from '../../shared/protocol';
import { parseRef } from '../../shared/refs/parseRef';
import { refFromArgument } from './refArgument';

export function describeFailure(f: ResolveFailure): string {
  switch (f.error) {
    case 'invalid':
      return `${f.ref} is not a valid ref${f.message ? `: ${f.message}` : ''}; it is never opened.`;
    case 'dangling':
      return `Nothing in the workspace has the content ${f.ref} names (dangling ref).`;
    case 'ambiguous':
      return `${f.ref} is ambiguous: ${f.candidates?.length ?? 'several'} artifacts start with it. Type more hex digits.`;
  }
}

/** Validates as the user types: empty is fine (not yet), anything else must parse as a ref. */
export function validateRefInput(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const m = parseRef(value);
  if (!m) return 'Not a ref: expected sha256:<hex> (8 to 64 digits), ns/sha256:<hex>, blake3:<hex> or an artifact id';
  return m.invalid ? `Invalid ref: ${m.invalid}` : undefined;
}

export async function openArtifact(client: LanguageClient, arg?: unknown): Promise<vscode.Uri | undefined> {
  const given = refFromArgument(arg);
  const uriHint = arg && typeof arg === 'object' && typeof (arg as { uri?: unknown }).uri === 'string' ? (arg as { uri: string }).uri : undefined;
  if (uriHint) {
    const uri = vscode.Uri.parse(uriHint);
    await vscode.commands.executeCommand('vscode.open', uri);
    return uri;
  }
  const ref = given ?? (await vscode.window.showInputBox({ title: 'Open Artifact by Ref', prompt: 'A ref: sha256:<hex>, a prefix of at least 8 hex digits, ns/sha256:<hex>, blake3:<hex>', validateInput: validateRefInput, ignoreFocusOut: true }));
  if (!ref) return undefined;
  const resolved = await client.sendRequest(ResolveRequest.type, { ref });
  if (isResolveFailure(resolved)) {
    void vscode.window.showWarningMessage(describeFailure(resolved));
    return undefined;
  }
  if (!resolved.uri) {
    const pruned = isResolveTarget(resolved) && resolved.verification === 'pruned';
    void vscode.window.showInformationMessage(`${resolved.ref} is ${pruned ? 'pruned: its bytes are gone, its metadata remains' : 'known but has no file to open'}.`);
    return undefined;
  }
  const uri = vscode.Uri.parse(resolved.uri);
  // A run opens at its capsule, run state or first event's line (CONTRACT 1.8).
  const line = isResolveTarget(resolved) ? resolved.details?.line : resolved.line;
  await vscode.commands.executeCommand('vscode.open', uri, line !== undefined ? { selection: new vscode.Range(line, 0, line, 0) } : undefined);
  return uri;
}
