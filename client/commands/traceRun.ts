// "Refscope: Trace Run…": trace a run (given as a run id or capsule ref, or picked from the runs
// newest first) through every event of its root, into the Trace view.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RunsRequest, TraceRequest, type RunEntry, type TraceResult } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from '../views/format';
import type { TraceTreeProvider } from '../views/traceView';
import { refFromArgument } from './refArgument';

/** What names a run to the server: its run id where the entry has one, else its ref. */
export function runRef(entry: RunEntry): string {
  return entry.runId ?? entry.ref;
}

/** A run picked from the Run Capsules list; `exclude` leaves one out (Compare with…). */
export async function pickRun(client: LanguageClient, title: string, placeHolder: string, exclude?: string): Promise<string | undefined> {
  const runs = newestFirst(await client.sendRequest(RunsRequest.type, {})).filter((r) => runRef(r) !== exclude);
  if (!runs.length) {
    void vscode.window.showInformationMessage('No runs in this workspace yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.runId ?? shortRef(r.ref), description: [r.mode, formatTime(r.time)].filter(Boolean).join(' · '), detail: r.ref, run: runRef(r) })),
    { title, placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.run;
}

/** The run a tree item or argument names: a Run Capsules entry by its run id. */
export function runFromArgument(arg: unknown): string | undefined {
  const entry = arg && typeof arg === 'object' ? (arg as { entry?: RunEntry }).entry : undefined;
  return entry && typeof entry.ref === 'string' ? runRef(entry) : refFromArgument(arg);
}

export async function traceRun(client: LanguageClient, view: TraceTreeProvider, treeView: vscode.TreeView<vscode.TreeItem>, arg?: unknown): Promise<TraceResult | undefined> {
  const ref = runFromArgument(arg) ?? (await pickRun(client, 'Trace Run', 'A run to trace (newest first)'));
  if (!ref) return undefined;
  const trace = await client.sendRequest(TraceRequest.type, { ref });
  view.show(trace);
  treeView.description = shortRef(trace.runId ?? trace.root, 8);
  await vscode.commands.executeCommand('refscope.trace.focus');
  if (trace.error) void vscode.window.showWarningMessage(`Cannot trace ${trace.root}: ${trace.error}`);
  return trace;
}
