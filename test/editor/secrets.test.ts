// Masking and withholding in the real editor, on a fresh profile: the setting is on by
// default, and a traced request holding a token shows neither in the hover nor in the Trace
// view's tooltips; a response labelled secret is withheld there. The evidence is written at
// run time (values from test/preview/credentials.ts) and removed afterwards.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import { canonicalJson } from '../../shared/canonicalJson';
import { ResolveRequest, StatsRequest, type TraceResult } from '../../shared/protocol';
import { credentials, secretPart } from '../preview/credentials';
import { markdownOf, refscope, sendRequest, waitFor } from './helpers';

describe('Secrets in previews (fresh profile)', () => {
  let api: RefscopeApi;
  const written: string[] = [];
  const token = credentials()[0];
  let requestRef: string;
  let editorWatcher: vscode.FileSystemWatcher | undefined;
  const editorReported = new Set<string>();

  before(async () => {
    api = await refscope();
    // What the editor itself reports of the files written below (see seeTheEvidence).
    editorWatcher = vscode.workspace.createFileSystemWatcher('**/*.{json,jsonl}');
    const reported = (uri: vscode.Uri) => editorReported.add(uri.fsPath);
    editorWatcher.onDidCreate(reported);
    editorWatcher.onDidChange(reported);
    const [capsule] = await vscode.workspace.findFiles('**/runtime/artifacts/requests/*.json', undefined, 1);
    const runtime = path.dirname(path.dirname(path.dirname(capsule.fsPath)));
    const put = (kind: string, doc: unknown) => {
      const text = canonicalJson(doc);
      const hex = crypto.createHash('sha256').update(text).digest('hex');
      const file = path.join(runtime, 'artifacts', kind, `${hex}.json`);
      fs.writeFileSync(file, text);
      written.push(file);
      return `sha256:${hex}`;
    };
    const run = 'r-secrets-editor';
    // Old timestamps: the other suites take the newest request as theirs.
    requestRef = put('requests', { schema: 'req.v1', run_id: run, ts: '2020-01-01T00:00:00Z', headers: { authorization: token.text } });
    const responseRef = put('responses', { schema: 'resp.v1', run_id: run, ts: '2020-01-01T00:00:01Z', sensitivity: 'secret', labels: ['http_trace'], output: token.text });
    const log = path.join(runtime, 'secrets-editor.events.jsonl');
    const events = [
      { seq: 1, ts: '2020-01-01T00:00:00Z', event_type: 'provider_request_written', run_id: run, artifact_ref: requestRef },
      { seq: 2, ts: '2020-01-01T00:00:01Z', event_type: 'provider_response_written', run_id: run, artifact_ref: responseRef },
    ];
    fs.writeFileSync(log, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    written.push(log);
    await seeTheEvidence(responseRef);
  });

  /**
   * Waits for the index to take in the files written: the editor's file watcher reports them to
   * the server through the language client. Once, on a fresh CI machine, the index did not see
   * them within 30 s (not reproduced here: editor runs at load 1-16, some 140 protocol-level
   * runs of the same writes). Should the editor's own watcher not have reported them either, that is the
   * editor's watcher, not Refscope: the index is rebuilt so the masking tests still run. Should
   * the editor have reported them and the index not see them, that is Refscope's bug: it fails,
   * saying what the server answers.
   */
  async function seeTheEvidence(ref: string): Promise<void> {
    const seen = async () => {
      const r = await sendRequest(api, ResolveRequest, { ref });
      return 'producedBy' in r && r.producedBy !== undefined;
    };
    try {
      await waitFor('the index to see the new evidence', seen, 20000);
      return;
    } catch (err) {
      const unreported = written.filter((f) => !editorReported.has(f));
      if (unreported.length === 0) {
        const answers = await Promise.all([requestRef, ref].map((r) => sendRequest(api, ResolveRequest, { ref: r })));
        const stats = await sendRequest(api, StatsRequest, {});
        throw new Error(`${(err as Error).message}, though the editor reported every file written; the server answers ${JSON.stringify({ answers, stats })}`);
      }
      console.warn(`Warning: the editor's file watcher did not report ${unreported.map((f) => path.basename(f)).join(', ')}: rebuilding the index`);
    }
    await vscode.commands.executeCommand('refscope.reindex');
    await waitFor('the rebuilt index to see the new evidence', seen);
  }

  after(() => {
    editorWatcher?.dispose();
    for (const f of written) fs.rmSync(f, { force: true });
  });

  it('refscope.maskSecrets is on by default and nothing in this profile turns it off', () => {
    const inspected = vscode.workspace.getConfiguration('refscope').inspect<boolean>('maskSecrets');
    assert.equal(inspected?.defaultValue, true);
    assert.deepEqual([inspected?.globalValue, inspected?.workspaceValue, inspected?.workspaceFolderValue], [undefined, undefined, undefined]);
    assert.equal(vscode.workspace.getConfiguration('refscope').get('hidePreviewsAtSensitivity'), 'secret');
  });

  it('the hover of a request holding a token shows the marker, not the token', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `see ${requestRef}\n` });
    const hovers = await waitFor('a hover with a preview', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(0, 10));
      const md = markdownOf(h ?? []).map((m) => m.value).join('\n');
      return md.includes('masked') ? md : undefined;
    });
    assert.ok(!hovers.includes(secretPart(token)), hovers);
    assert.ok(hovers.includes('[masked: github token]'), hovers);
  });

  it("the Trace view's tooltips mask the token and withhold the secret response", async () => {
    const trace = await vscode.commands.executeCommand<TraceResult>('refscope.traceRequest', requestRef);
    assert.equal(trace.error, undefined);
    const roots = api.views.trace.getChildren();
    const items = roots.concat(roots.flatMap((i) => api.views.trace.getChildren(i)));
    const tooltips: string[] = [];
    for (const item of items) {
      const resolved = await api.views.trace.resolveTreeItem(item);
      const tip = resolved.tooltip;
      tooltips.push(typeof tip === 'string' ? tip : (tip?.value ?? ''));
    }
    const markdown = tooltips.join('\n---\n');
    // As a reader sees it: appendText escapes punctuation and keeps blanks as &nbsp;.
    const all = markdown.replace(/&nbsp;/g, ' ').replace(/\\([!-/:-@[-`{-~])/g, '$1');
    for (const text of [markdown, all]) assert.ok(!text.includes(secretPart(token)), text);
    assert.ok(all.includes('[masked: github token]'), all);
    assert.ok(all.includes('content withheld (sensitivity: secret)'), all);
    assert.ok(all.includes('labels: http_trace'), all);
  });
});
