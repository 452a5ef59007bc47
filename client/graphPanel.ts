// "Refscope: Show Provenance Graph": the `refscope/graph` slice around a ref, drawn as a layered
// DAG in a webview. The webview runs only our own script (nonce CSP, no inline handlers), gets
// the data by postMessage and writes every label with textContent, so artifact text is never
// markup. Clicking a node asks the extension to open that artifact.
import * as vscode from 'vscode';
import { createMediaPanel } from './mediaPanel';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GraphRequest, type GraphResult } from '../shared/protocol';
import { layoutDag, NODE_HEIGHT, NODE_WIDTH } from './graph/layout';
import { Commands } from './commandIds';

export function graphHtml(webview: vscode.Webview, mediaUri: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, 'graph.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(mediaUri, 'graph.css'));
  const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${webview.cspSource}; img-src ${webview.cspSource}; font-src ${webview.cspSource}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}">
<title>Provenance</title></head>
<body><header id="title"></header><div id="graph" role="img" aria-label="provenance graph"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
}

export class GraphPanel {
  private static current: GraphPanel | undefined;
  private graph: GraphResult = { nodes: [], edges: [] };

  private constructor(private readonly panel: vscode.WebviewPanel) {
    panel.onDidDispose(() => {
      if (GraphPanel.current === this) GraphPanel.current = undefined;
    });
    panel.webview.onDidReceiveMessage((msg: unknown) => this.onMessage(msg));
  }

  /** The open panel (for tests and to reuse one panel instead of stacking them). */
  static get open(): GraphPanel | undefined {
    return GraphPanel.current;
  }

  get webviewPanel(): vscode.WebviewPanel {
    return this.panel;
  }

  static async show(client: LanguageClient, extensionUri: vscode.Uri, ref: string): Promise<GraphResult> {
    const graph = await client.sendRequest(GraphRequest.type, { ref, depth: 2, direction: 'both' });
    if (!GraphPanel.current) {
      GraphPanel.current = new GraphPanel(createMediaPanel(extensionUri, 'refscope.graph', 'Provenance', graphHtml));
    }
    const me = GraphPanel.current;
    me.graph = graph;
    me.panel.title = `Provenance: ${ref.length > 24 ? ref.slice(0, 24) + '…' : ref}`;
    me.panel.reveal(undefined, true);
    const layout = layoutDag(graph);
    // The webview may still be loading: it asks for the data with 'ready', and gets it now too.
    me.pending = { type: 'graph', root: ref, graph, layout, nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT };
    void me.panel.webview.postMessage(me.pending);
    return graph;
  }

  private pending: unknown;

  private onMessage(msg: unknown): void {
    if (!msg || typeof msg !== 'object') return;
    const m = msg as { type?: unknown; id?: unknown };
    if (m.type === 'ready' && this.pending) void this.panel.webview.postMessage(this.pending);
    if (m.type === 'open' && typeof m.id === 'string') {
      // Only ids of nodes we sent are honoured: the webview cannot name an arbitrary file.
      const node = this.graph.nodes.find((n) => n.id === m.id);
      if (!node || node.missing) return;
      void vscode.commands.executeCommand(Commands.openArtifact, node.uri ? { ref: node.id, uri: node.uri } : node.id);
    }
  }
}
