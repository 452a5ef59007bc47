import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { refscope, waitFor } from './helpers';

describe('extension activation', () => {
  it('activates on the demo workspace, starts the server and reports the index in the status bar', async () => {
    const api = await refscope();
    const ext = vscode.extensions.getExtension('refscope.refscope')!;
    assert.equal(ext.isActive, true);
    const text = await waitFor('the status bar to show the artifact count', () => (/artifacts/.test(api.statusBar.text) ? api.statusBar.text : undefined));
    const [artifacts] = /(\d+) artifacts/.exec(text)!.slice(1).map(Number);
    const files = await vscode.workspace.findFiles('**/runtime/artifacts/**/*.json');
    assert.ok(artifacts >= files.length, `status bar says ${artifacts} artifacts; the workspace holds at least ${files.length}`);
    assert.match(text, /^\$\(database\) Refscope \d+ artifacts · \d+ problems?$/);
  });

  it('contributes every command of CONTRACT 6', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of ['traceRequest', 'openArtifact', 'showProvenance', 'copyRef', 'verifyStore', 'reindex', 'pullModel', 'gcModels', 'traceRun', 'showTimeline', 'compareRuns', 'exportTrace']) {
      assert.ok(all.has(`refscope.${id}`), `refscope.${id} is registered`);
    }
  });
});
