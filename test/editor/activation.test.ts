import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('extension activation', () => {
  it('activates in the demo workspace', async () => {
    const ext = vscode.extensions.getExtension('refscope.refscope');
    assert.ok(ext, 'extension refscope.refscope is installed');
    await ext.activate();
    assert.equal(ext.isActive, true);
  });
});
