import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import { filesUnder, refscope } from './helpers';

// The suite runs in a trusted window; the commands' own entry points take the trust state, so
// the untrusted path is exercised exactly as `workspace.isTrusted === false` would drive it.
describe('untrusted workspaces', () => {
  let api: RefscopeApi;
  let stateDir: string;
  before(async () => {
    api = await refscope();
    const [blob] = await vscode.workspace.findFiles('**/models/by-hash/*', undefined, 1);
    stateDir = path.dirname(path.dirname(path.dirname(blob.fsPath)));
  });

  it('Pull Model refuses with a clear message and touches nothing', async () => {
    const before = filesUnder(stateDir);
    const result = await api.pullModel(false);
    assert.ok(result && 'refused' in result && result.refused, 'refused');
    assert.match(result.message, /untrusted workspace/);
    assert.deepEqual(filesUnder(stateDir), before);
  });

  it('Garbage-Collect Model Store refuses with a clear message and deletes nothing', async () => {
    const before = filesUnder(stateDir);
    const result = await api.gcModels(false);
    assert.ok(result && 'refused' in result && result.refused, 'refused');
    assert.match(result.message, /untrusted workspace/);
    assert.deepEqual(filesUnder(stateDir), before);
  });

  it('both commands are disabled unless the workspace is trusted', () => {
    const pkg = vscode.extensions.getExtension('refscope.refscope')!.packageJSON as { contributes: { commands: { command: string; enablement?: string }[] }; capabilities: { untrustedWorkspaces: { supported: string } } };
    for (const id of ['refscope.pullModel', 'refscope.gcModels']) {
      assert.equal(pkg.contributes.commands.find((c) => c.command === id)?.enablement, 'isWorkspaceTrusted');
    }
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });
});
