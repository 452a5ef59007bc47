import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { refscope, waitFor } from './helpers';

describe('Verify Store', () => {
  it('fills the Problems panel with the artifact whose bytes do not match its name', async () => {
    await refscope();
    // Ground truth: an artifact file whose sha256 differs from its name and from its canonical form.
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
    assert.ok(tampered.length > 0, 'the demo plants a tampered artifact');
    const { problems } = await vscode.commands.executeCommand<{ problems: number }>('refscope.verifyStore');
    assert.ok(problems > 0);
    await waitFor('a diagnostic on the tampered artifact', () =>
      tampered.every((f) => vscode.languages.getDiagnostics(f).some((d) => d.source?.toLowerCase().includes('refscope') || /mismatch|match/i.test(d.message))) || undefined,
    );
  });
});
