// "Refscope: Compare Runs…" (and "Compare with…" on a run): two runs or requests aligned step
// by step by the server (`refscope/diff`), shown in the Compare view; a pair opens in VS Code's
// diff editor with both artifacts as pretty JSON in read-only documents.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DiffRequest, type DiffPair, type DiffResult, type TraceStep } from '../../shared/protocol';
import { jsonDocumentUri } from '../compare/jsonDocuments';
import { shortRef } from '../views/format';
import type { CompareTreeProvider } from '../views/compareView';
import { pickRuns, type RunPickStep } from './runPicker';
import { runFromArgument } from './traceRun';

export async function compareRuns(client: LanguageClient, view: CompareTreeProvider, argA?: unknown, argB?: unknown): Promise<DiffResult | undefined> {
  const [a, b] = (await runsToCompare(client, runFromArgument(argA), runFromArgument(argB))) ?? [];
  if (!a || !b) return undefined;
  const diff = await client.sendRequest(DiffRequest.type, { a, b });
  view.show(diff);
  await vscode.commands.executeCommand('refscope.compare.focus');
  const failed = [diff.a, diff.b].find((s) => s.error);
  if (failed) void vscode.window.showWarningMessage(`Cannot compare: ${failed.root} is ${failed.error}`);
  return diff;
}

/** A and B as given, the missing ones picked: both in one pick that stays open from A to B. */
async function runsToCompare(client: LanguageClient, a: string | undefined, b: string | undefined): Promise<string[] | undefined> {
  const second: RunPickStep = { title: (picked) => `Compare ${shortRef(a ?? picked[0], 8)} with…`, placeHolder: 'The second run, B' };
  if (a && b) return [a, b];
  if (a) return [a, ...((await pickRuns(client, [second], a)) ?? [])];
  if (b) return [...((await pickRuns(client, [{ title: 'Compare Runs (1 of 2)', placeHolder: 'The first run, A' }], b)) ?? []), b];
  return pickRuns(client, [{ title: 'Compare Runs (1 of 2)', placeHolder: 'The first run, A' }, second]);
}

/** The step's artifact with a file: its own, else its first child's. */
function artifactOf(s: TraceStep | undefined): TraceStep | undefined {
  if (!s) return undefined;
  if (s.ref !== undefined && s.uri?.startsWith('file:') && !s.missing) return s;
  return s.children?.find((c) => c.uri?.startsWith('file:') && !c.missing);
}

/** Opens a pair: changed in the diff editor, a pair with one artifact in an editor; undefined when there is none. */
export async function openComparePair(pair: DiffPair): Promise<vscode.Uri[] | undefined> {
  if (pair.withheld !== undefined) {
    // The server withheld the values (refscope.hidePreviewsAtSensitivity): the diff editor would show them.
    void vscode.window.showInformationMessage(`Content withheld (sensitivity: ${pair.withheld}): Compare does not show it.`);
    return undefined;
  }
  const a = artifactOf(pair.a);
  const b = artifactOf(pair.b);
  if (a && b && pair.status === 'changed') {
    const left = jsonDocumentUri(a.uri!, `A-${a.kind ?? 'artifact'}-${shortRef(a.ref!, 8).replace(/…$/, '')}`);
    const right = jsonDocumentUri(b.uri!, `B-${b.kind ?? 'artifact'}-${shortRef(b.ref!, 8).replace(/…$/, '')}`);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${pair.a?.eventType ?? 'step'}: A ↔ B`, { preview: true });
    return [left, right];
  }
  const one = a ?? b;
  if (!one) return undefined;
  const uri = jsonDocumentUri(one.uri!, `${a ? 'A' : 'B'}-${one.kind ?? 'artifact'}`);
  await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
  return [uri];
}
