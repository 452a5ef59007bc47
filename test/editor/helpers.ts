// Shared by the real-editor tests: the activated extension's API, a deadline-bound wait, and
// ground truth read straight from the workspace files and from the demo generator's summary
// of what it planted (never from Refscope itself).
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import type { RequestType } from 'vscode-languageserver-protocol';
import type { RefscopeApi } from '../../client/extension';
import type { DemoSummary } from '../../shared/demo/demoWorkspace';
import { FAULT_CODES } from '../demo/faultCodes';

export async function refscope(): Promise<RefscopeApi> {
  const ext = vscode.extensions.getExtension<RefscopeApi>('refscope.refscope');
  if (!ext) throw new Error('extension refscope.refscope is not installed');
  const api = await ext.activate();
  await api.started;
  return api;
}

/**
 * Sends one of shared/protocol.ts's requests through the extension's own client, typed by its
 * `X.type`. On the wire by `X.method`: the extension bundles its own vscode-jsonrpc, whose
 * parameter-structure check rejects a RequestType object made by the copy this module imports
 * ("Unknown parameter structure auto").
 */
export function sendRequest<P, R>(api: RefscopeApi, request: { method: string; type: RequestType<P, R, void> }, params: P): Promise<R> {
  return api.client.sendRequest<R>(request.method, params);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `probe()` deep-equals `expected`; past the deadline, fails showing the difference. */
export async function waitForEqual<T>(what: string, probe: () => Promise<T> | T, expected: T, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const actual = await probe();
    if (Date.now() > deadline || isDeepStrictEqual(actual, expected)) return assert.deepEqual(actual, expected, what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The demo folder this editor opened. */
export function demoDir(): string {
  const [folder] = vscode.workspace.workspaceFolders ?? [];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri.fsPath;
}

/** A path inside the demo folder as the generator names it: relative, with `/`. */
export function demoPath(file: string): string {
  return path.relative(demoDir(), file).split(path.sep).join('/');
}

/** What `refscope demo --json` said it wrote into the opened folder, saved by the script that started this editor. */
export function demoSummary(): DemoSummary {
  const file = process.env.REFSCOPE_DEMO_SUMMARY;
  if (!file) throw new Error('REFSCOPE_DEMO_SUMMARY is not set: run this suite through scripts/editor-tests.js or npm run test:electron');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DemoSummary;
}

/** One problem as the tests compare them: where (0-based line, as the editor counts), its code, and the event for a database row. */
function problemRow(file: string, line: number, code: string, sequence: number | string | undefined): string {
  return `${file}:${line} ${code}${sequence === undefined ? '' : ` (event #${sequence})`}`;
}

/**
 * Every problem Refscope must report on the demo, sorted: each planted fault by its code at
 * its place, and the upper-case ref the incident note cites on purpose (non-canonical).
 */
export function expectedProblems(summary: DemoSummary): string[] {
  const rows = summary.faults.filter((f) => f.fault).map((f) => problemRow(f.file, f.line === undefined ? 0 : f.line - 1, FAULT_CODES[f.kind] ?? `(no code for ${f.kind})`, f.sequence));
  const note = 'notes/incident.md';
  const upperCase = fs.readFileSync(path.join(demoDir(), note), 'utf8').split('\n').findIndex((l) => /sha256:[0-9A-F]{64}/.test(l));
  if (upperCase < 0) throw new Error(`${note} no longer cites an upper-case ref`);
  rows.push(problemRow(note, upperCase, 'non-canonical', undefined));
  return rows.sort();
}

/** Refscope's diagnostics on the demo's files, in the form of `expectedProblems`. */
export function shownProblems(): string[] {
  const root = demoDir() + path.sep;
  return vscode.languages
    .getDiagnostics()
    .filter(([uri]) => uri.scheme === 'file' && uri.fsPath.startsWith(root))
    .flatMap(([uri, diagnostics]) =>
      diagnostics
        .filter((d) => d.source === 'refscope')
        .map((d) => problemRow(demoPath(uri.fsPath), d.range.start.line, String(typeof d.code === 'object' ? d.code.value : d.code), /\(event #(\d+)\)$/.exec(d.message)?.[1])),
    )
    .sort();
}

/** The artifact file named `<hex>.*` under some `artifacts/<kind>/`, found by glob. */
export async function artifactFile(hex: string): Promise<{ uri: vscode.Uri; kind: string; verified: boolean }> {
  const [uri] = await vscode.workspace.findFiles(`**/artifacts/**/${hex}.*`, '**/node_modules/**', 2);
  if (!uri) throw new Error(`no artifact file for ${hex}`);
  const parts = uri.path.split('/');
  const bytes = fs.readFileSync(uri.fsPath);
  return { uri, kind: parts[parts.length - 2], verified: crypto.createHash('sha256').update(bytes).digest('hex') === hex };
}

/** The position of the first match of `pattern` in a workspace file, opened in an editor. */
export async function openAt(relPath: string, pattern: RegExp): Promise<{ doc: vscode.TextDocument; pos: vscode.Position; match: RegExpExecArray }> {
  const [uri] = await vscode.workspace.findFiles(relPath, undefined, 1);
  if (!uri) throw new Error(`${relPath} is not in the workspace`);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const match = pattern.exec(doc.getText());
  if (!match) throw new Error(`${pattern} not found in ${relPath}`);
  return { doc, pos: doc.positionAt(match.index + Math.floor(match[0].length / 2)), match };
}

export function markdownOf(hovers: vscode.Hover[]): vscode.MarkdownString[] {
  return hovers.flatMap((h) => h.contents).filter((c): c is vscode.MarkdownString => c instanceof vscode.MarkdownString);
}

export function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : [];
}
