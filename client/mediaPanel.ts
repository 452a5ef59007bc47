// A webview panel beside the editor for one of our own pages (provenance graph, timeline): its
// scripts run, it loads nothing but the extension's media folder, it keeps its state while
// hidden, and its HTML is made with a fresh nonce for the page's CSP.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

export type PageHtml = (webview: vscode.Webview, mediaUri: vscode.Uri, nonce: string) => string;

export function createMediaPanel(extensionUri: vscode.Uri, viewType: string, title: string, html: PageHtml): vscode.WebviewPanel {
  const media = vscode.Uri.joinPath(extensionUri, 'media');
  const panel = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Beside, {
    enableScripts: true,
    localResourceRoots: [media],
    retainContextWhenHidden: true,
  });
  panel.webview.html = html(panel.webview, media, crypto.randomBytes(16).toString('base64'));
  return panel;
}
