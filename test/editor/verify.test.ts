import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { demoPath, demoSummary, expectedProblems, refscope, shownProblems, waitForEqual } from './helpers';

describe('Verify Store', () => {
  it('fills the Problems panel with every planted fault, by its code at its line, and nothing else', async () => {
    await refscope();
    const summary = demoSummary();
    // Ground truth: the artifact files whose sha256 differs from their name and from their canonical form are the one the demo tampered with.
    const files = await vscode.workspace.findFiles('**/runtime/artifacts/**/*.json');
    const tampered = files.filter((f) => {
      const hex = path.basename(f.fsPath, '.json');
      const bytes = fs.readFileSync(f.fsPath);
      if (crypto.createHash('sha256').update(bytes).digest('hex') === hex) return false;
      try {
        const canon = (v: unknown): unknown => (Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v);
        return crypto.createHash('sha256').update(JSON.stringify(canon(JSON.parse(bytes.toString('utf8'))))).digest('hex') !== hex;
      } catch {
        return true;
      }
    });
    assert.deepEqual(
      tampered.map((f) => demoPath(f.fsPath)),
      summary.faults.filter((f) => f.kind === 'tampered-artifact').map((f) => f.file),
    );
    const expected = expectedProblems(summary);
    const { problems } = await vscode.commands.executeCommand<{ problems: number }>('refscope.verifyStore');
    assert.equal(problems, expected.length);
    await waitForEqual('the Problems panel', shownProblems, expected);
  });
});
