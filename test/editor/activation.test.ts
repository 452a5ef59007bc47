import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { demoSummary, expectedProblems, refscope, waitFor } from './helpers';

describe('extension activation', () => {
  it('activates on the demo workspace, starts the server and reports the index in the status bar', async () => {
    const api = await refscope();
    const ext = vscode.extensions.getExtension('refscope.refscope')!;
    assert.equal(ext.isActive, true);
    const summary = demoSummary();
    // The artifact files are where the generator says, and the status bar counts them with the file stores' sidecar entries (as `refscope index` does).
    assert.equal((await vscode.workspace.findFiles('**/runtime/artifacts/**/*')).length, summary.artifacts.total);
    await waitFor('the status bar to show the index', () => /artifacts/.test(api.statusBar.text) || undefined);
    assert.equal(api.statusBar.text, `$(database) Refscope ${summary.artifacts.total + summary.sidecars} artifacts · ${expectedProblems(summary).length} problems`);
  });

  it('contributes every command of CONTRACT 6', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of ['traceRequest', 'openArtifact', 'showProvenance', 'copyRef', 'verifyStore', 'reindex', 'pullModel', 'gcModels', 'traceRun', 'showTimeline', 'compareRuns', 'exportTrace']) {
      assert.ok(all.has(`refscope.${id}`), `refscope.${id} is registered`);
    }
  });
});
