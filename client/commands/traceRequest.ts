// "Refscope: Trace Request…": trace a request (given, or picked from the newest-first list of
// requests with run, time and model), show the result in the Trace view and return it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RequestsRequest, TraceRequest, type TraceResult } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from '../views/format';
import type { TraceTreeProvider } from '../views/traceView';
import { refFromArgument } from './refArgument';
import { pickOne } from './stepPick';

/** A request picked newest first, in a pick opened at once (see stepPick.ts). */
function pickRequest(client: LanguageClient): Promise<string | undefined> {
  return pickOne(
    { title: 'Trace Request', placeHolder: 'A request to trace (newest first)' },
    async () =>
      newestFirst(await client.sendRequest(RequestsRequest.type, {})).map((r) => ({
        label: r.runId ?? shortRef(r.ref),
        description: [formatTime(r.time), r.model].filter(Boolean).join(' · '),
        detail: r.ref,
        value: r.ref,
      })),
    'No request artifacts in this workspace yet.',
  );
}

export async function traceRequest(client: LanguageClient, view: TraceTreeProvider, treeView: vscode.TreeView<vscode.TreeItem>, arg?: unknown): Promise<TraceResult | undefined> {
  const ref = refFromArgument(arg) ?? (await pickRequest(client));
  if (!ref) return undefined;
  const trace = await client.sendRequest(TraceRequest.type, { ref });
  view.show(trace);
  treeView.description = shortRef(trace.root, 8);
  await vscode.commands.executeCommand('refscope.trace.focus');
  if (trace.error) void vscode.window.showWarningMessage(`Cannot trace ${trace.root}: ${trace.error}`);
  return trace;
}
