// "Refscope: Trace Run…": trace a run (given as a run id or capsule ref, or picked from the runs
// newest first) through every event of its root, into the Trace view.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TraceRequest, type RunEntry, type TraceResult } from '../../shared/protocol';
import { shortRef } from '../views/format';
import type { TraceTreeProvider } from '../views/traceView';
import { refFromArgument } from './refArgument';
import { pickRuns, runRef } from './runPicker';

/** The run a tree item or argument names: a Run Capsules entry by its run id. */
export function runFromArgument(arg: unknown): string | undefined {
  const entry = arg && typeof arg === 'object' ? (arg as { entry?: RunEntry }).entry : undefined;
  return entry && typeof entry.ref === 'string' ? runRef(entry) : refFromArgument(arg);
}

export async function traceRun(client: LanguageClient, view: TraceTreeProvider, treeView: vscode.TreeView<vscode.TreeItem>, arg?: unknown): Promise<TraceResult | undefined> {
  const ref = runFromArgument(arg) ?? (await pickRuns(client, [{ title: 'Trace Run', placeHolder: 'A run to trace (newest first)' }]))?.[0];
  if (!ref) return undefined;
  const trace = await client.sendRequest(TraceRequest.type, { ref });
  view.show(trace);
  treeView.description = shortRef(trace.runId ?? trace.root, 8);
  await vscode.commands.executeCommand('refscope.trace.focus');
  if (trace.error) void vscode.window.showWarningMessage(`Cannot trace ${trace.root}: ${trace.error}`);
  return trace;
}
