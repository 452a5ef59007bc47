// Extension entry: start the language server, then wire the views, commands and status bar
// to it. Returns a small API (the tree providers, the running client, the guarded pull and GC
// entry points) that the real-editor tests drive.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { IndexChangedNotification, StatsRequest } from '../shared/protocol';
import { Commands } from './commandIds';
import { copyRef } from './commands/copyRef';
import { gcModelsCommand } from './commands/gcModels';
import { rebuildIndex, showStats, verifyStore } from './commands/indexCommands';
import { openArtifact } from './commands/openArtifact';
import { pullModelCommand } from './commands/pullModel';
import { refAtCursor, refFromArgument } from './commands/refArgument';
import { traceRequest } from './commands/traceRequest';
import { compareRuns, openComparePair } from './commands/compareRuns';
import { exportTrace, type ExportFormat } from './commands/exportTrace';
import { traceRun } from './commands/traceRun';
import { JSON_SCHEME, JsonDocumentProvider } from './compare/jsonDocuments';
import { RefTerminalLinkProvider } from './terminalLinks';
import { TimelinePanel } from './timelinePanel';
import { CompareTreeProvider, type ComparePairItem } from './views/compareView';
import { GraphPanel } from './graphPanel';
import { createLanguageClient } from './languageClient';
import { RefscopeStatusBar } from './statusBar';
import { forwardTrust } from './trust';
import { ModelsTreeProvider } from './views/modelsView';
import { RunsTreeProvider } from './views/runsView';
import { TraceTreeProvider } from './views/traceView';

export interface RefscopeApi {
  client: LanguageClient;
  /** Settles once the server has started (rejects if it could not). */
  started: Promise<void>;
  views: { runs: RunsTreeProvider; snapshots: RunsTreeProvider; models: ModelsTreeProvider; trace: TraceTreeProvider; compare: CompareTreeProvider };
  /** The timeline webview, once "Show Trace Timeline" has opened it. */
  timeline: () => TimelinePanel | undefined;
  terminalLinks: RefTerminalLinkProvider;
  statusBar: RefscopeStatusBar;
  /** The commands' own entry points with the trust state given explicitly (the palette passes `workspace.isTrusted`). */
  pullModel: (isTrusted: boolean) => ReturnType<typeof pullModelCommand>;
  gcModels: (isTrusted: boolean) => ReturnType<typeof gcModelsCommand>;
}

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): RefscopeApi {
  const output = vscode.window.createOutputChannel('Refscope', { log: true });
  client = createLanguageClient(context, output);
  const lc = client;
  const statusBar = new RefscopeStatusBar();
  const views = {
    runs: new RunsTreeProvider(lc, 'runs'),
    snapshots: new RunsTreeProvider(lc, 'snapshots'),
    models: new ModelsTreeProvider(lc),
    trace: new TraceTreeProvider(lc),
    compare: new CompareTreeProvider(),
  };
  const terminalLinks = new RefTerminalLinkProvider();
  const traceTree = vscode.window.createTreeView('refscope.trace', { treeDataProvider: views.trace, showCollapseAll: true });
  const refreshAll = () => {
    views.runs.refresh();
    views.snapshots.refresh();
    views.models.refresh();
  };
  const storeDeps = () => ({ client: lc, output, onStoreChanged: () => views.models.refresh() });
  const api: RefscopeApi = {
    client: lc,
    started: Promise.resolve(),
    views,
    timeline: () => TimelinePanel.open,
    terminalLinks,
    statusBar,
    pullModel: (isTrusted) => pullModelCommand({ ...storeDeps(), isTrusted }),
    gcModels: (isTrusted) => gcModelsCommand({ ...storeDeps(), isTrusted }),
  };
  const refOrAsk = (arg: unknown) => refFromArgument(arg) ?? refAtCursor();

  context.subscriptions.push(
    output,
    statusBar,
    traceTree,
    vscode.window.registerTreeDataProvider('refscope.runs', views.runs),
    vscode.window.registerTreeDataProvider('refscope.snapshots', views.snapshots),
    vscode.window.registerTreeDataProvider('refscope.models', views.models),
    vscode.commands.registerCommand(Commands.traceRequest, (arg?: unknown) => traceRequest(lc, views.trace, traceTree, arg)),
    vscode.commands.registerCommand(Commands.openArtifact, (arg?: unknown) => openArtifact(lc, arg)),
    vscode.commands.registerCommand(Commands.showProvenance, async (arg?: unknown) => {
      const ref = refOrAsk(arg) ?? (await vscode.window.showInputBox({ title: 'Show Provenance Graph', prompt: 'The ref to centre the graph on' }));
      return ref ? GraphPanel.show(lc, context.extensionUri, ref) : undefined;
    }),
    vscode.commands.registerCommand(Commands.copyRef, (arg?: unknown) => copyRef(arg)),
    vscode.commands.registerCommand(Commands.verifyStore, () => verifyStore(lc)),
    vscode.commands.registerCommand(Commands.reindex, async () => {
      statusBar.indexing();
      const stats = await rebuildIndex(lc);
      statusBar.update(stats);
      refreshAll();
      return stats;
    }),
    vscode.commands.registerCommand(Commands.pullModel, () => api.pullModel(vscode.workspace.isTrusted)),
    vscode.commands.registerCommand(Commands.gcModels, () => api.gcModels(vscode.workspace.isTrusted)),
    vscode.commands.registerCommand(Commands.showStats, () => showStats(lc, output)),
    vscode.commands.registerCommand(Commands.traceRun, (arg?: unknown) => traceRun(lc, views.trace, traceTree, arg)),
    vscode.commands.registerCommand(Commands.showTimeline, async (arg?: unknown) => {
      // A ref or run given: trace it first; else the trace on display, else ask for a run.
      const trace = arg !== undefined || !views.trace.current ? await traceRun(lc, views.trace, traceTree, arg) : views.trace.current;
      return trace ? TimelinePanel.show(context.extensionUri, trace) : undefined;
    }),
    views.trace.onDidShow((trace) => TimelinePanel.open?.update(trace)),
    vscode.window.registerTreeDataProvider('refscope.compare', views.compare),
    vscode.workspace.registerTextDocumentContentProvider(JSON_SCHEME, new JsonDocumentProvider()),
    vscode.commands.registerCommand(Commands.compareRuns, (a?: unknown, b?: unknown) => compareRuns(lc, views.compare, a, b)),
    vscode.commands.registerCommand(Commands.compareWith, (a?: unknown) => compareRuns(lc, views.compare, a)),
    vscode.commands.registerCommand(Commands.openComparePair, (item?: ComparePairItem) => (item?.pair ? openComparePair(item.pair) : undefined)),
    vscode.commands.registerCommand(Commands.exportTrace, (arg?: unknown, format?: ExportFormat, target?: vscode.Uri) => exportTrace(lc, views.trace, arg, format, target)),
    vscode.window.registerTerminalLinkProvider(terminalLinks),
  );

  api.started = lc.start().then(
    async () => {
      context.subscriptions.push(
        forwardTrust(lc),
        lc.onNotification(IndexChangedNotification.type, (stats) => {
          statusBar.update(stats);
          refreshAll();
        }),
      );
      // Stats wait for the first index build; the notification covers later changes.
      statusBar.update(await lc.sendRequest(StatsRequest.type, {}));
      refreshAll();
    },
    (err: unknown) => {
      const message = `Refscope: the language server did not start: ${(err as Error).message ?? err}`;
      output.error(message);
      statusBar.failed(message);
      throw err;
    },
  );
  api.started.catch(() => undefined);
  return api;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
