import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import type { RunEntry } from '../../shared/protocol';
import { refscope } from './helpers';

// Tree items come from the bundled extension, so they are recognised by shape, not by class.
type RunItem = vscode.TreeItem & { entry: RunEntry };
const isRun = (i: vscode.TreeItem): i is RunItem => (i as Partial<RunItem>).entry !== undefined;

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

describe('Refscope views', () => {
  let api: RefscopeApi;
  before(async () => {
    api = await refscope();
  });

  it('Run Capsules lists every capsule and run state, newest first, with their refs as children', async () => {
    const roots = await api.views.runs.getChildren();
    const capsules = await vscode.workspace.findFiles('**/artifacts/run_capsules/*.json');
    const runStates = await vscode.workspace.findFiles('**/run_*.json');
    assert.ok(roots.length >= capsules.length + runStates.length, `${roots.length} runs shown for ${capsules.length} capsules and ${runStates.length} run states`);
    const runs = roots.filter(isRun);
    const shown = new Set(runs.map((r) => vscode.Uri.parse(r.entry.uri).fsPath));
    for (const f of [...capsules, ...runStates]) assert.ok(shown.has(f.fsPath), `${f.fsPath} is in the view`);
    const times = runs.map((r) => r.entry.time).filter((t): t is string => !!t).map((t) => Date.parse(t));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const capsule = runs.find((r) => r.entry.uri.includes('/run_capsules/'))!;
    assert.ok(capsule.description, 'a capsule shows mode/time/tools');
    const groups = await api.views.runs.getChildren(capsule);
    assert.ok(groups.length > 0, 'a capsule has children');
    const leaves = (await Promise.all(groups.map((g) => api.views.runs.getChildren(g)))).flat();
    const text = fs.readFileSync(vscode.Uri.parse(capsule.entry.uri).fsPath, 'utf8');
    const refsInFile = new Set([...text.matchAll(/sha256:[0-9a-f]{64}/g)].map((m) => m[0]));
    const shownRefs = [...groups, ...leaves].map((i) => (i as { target?: { ref: string } }).target?.ref).filter(Boolean);
    assert.ok(shownRefs.some((r) => refsInFile.has(r!)), 'the children are the refs the capsule holds');
    assert.equal(capsule.contextValue?.startsWith('refscope.ref'), true, 'context menu Trace/Copy/Graph applies');
  });

  it('Snapshots lists snapshot artifacts and snapshot files', async () => {
    const roots = (await api.views.snapshots.getChildren()).filter(isRun);
    const files = [...(await vscode.workspace.findFiles('**/artifacts/snapshots/*.json')), ...(await vscode.workspace.findFiles('**/snapshot_*.json'))];
    assert.ok(files.length > 0, 'the demo has snapshots');
    const shown = new Set(roots.map((r) => vscode.Uri.parse(r.entry.uri).fsPath));
    for (const f of files) assert.ok(shown.has(f.fsPath), `${f.fsPath} is in the view`);
  });

  it('Models shows every manifest, flags the invalid one, and lists partial downloads', async () => {
    const items = await api.views.models.getChildren();
    const [stateDir] = (await vscode.workspace.findFiles('**/models/by-hash/*', undefined, 1)).map((u) => path.dirname(path.dirname(path.dirname(u.fsPath))));
    const modelsDir = path.join(stateDir, 'models');
    const manifests = fs.readdirSync(modelsDir).filter((n) => n.endsWith('.json'));
    const parts = fs.readdirSync(modelsDir).filter((n) => n.endsWith('.part'));
    const labels = items.map(labelOf);
    for (const m of manifests) {
      const id = (JSON.parse(fs.readFileSync(path.join(modelsDir, m), 'utf8')) as { id?: string }).id ?? m.slice(0, -5);
      assert.ok(labels.includes(id), `manifest ${id} is listed (${labels.join(', ')})`);
    }
    const invalid = items.filter((i) => i.iconPath instanceof vscode.ThemeIcon && i.iconPath.id === 'warning');
    assert.ok(invalid.some((i) => String(i.description).startsWith('invalid')), 'an invalid manifest gets a warning icon and its reason');
    for (const p of parts) assert.ok(items.some((i) => labelOf(i).startsWith(p.replace(/\.part$/, '')) && /partial/.test(String(i.description))), `partial ${p} shown with its bytes`);
  });
});
