// "Refscope: Trace Request…": trace a request (given, or picked from the newest-first list of
// requests with run, time and model), show the result in the Trace view and return it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RequestsRequest, TraceRequest, type TraceResult } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from '../views/format';
import type { TraceTreeProvider } from '../views/traceView';
import { refFromArgument } from './refArgument';

async function pickRequest(client: LanguageClient): Promise<string | undefined> {
  const requests = newestFirst(await client.sendRequest(RequestsRequest.type, {}));
  if (!requests.length) {
    void vscode.window.showInformationMessage('No request artifacts in this workspace yet.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    requests.map((r) => ({
      label: r.runId ?? shortRef(r.ref),
      description: [formatTime(r.time), r.model].filter(Boolean).join(' · '),
      detail: r.ref,
      ref: r.ref,
    })),
    { title: 'Trace Request', placeHolder: 'A request to trace (newest first)', matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.ref;
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
