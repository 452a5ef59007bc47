import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RefscopeApi } from '../../client/extension';
import type { RunEntry } from '../../shared/protocol';
import { demoPath, demoSummary, refscope } from './helpers';

// Tree items come from the bundled extension, so they are recognised by shape, not by class.
type RunItem = vscode.TreeItem & { entry: RunEntry };
const isRun = (i: vscode.TreeItem): i is RunItem => (i as Partial<RunItem>).entry !== undefined;

function labelOf(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/**
 * The refs a run or snapshot file holds, read from the file itself: under each top-level key
 * (in document order) every `sha256:` string (a namespaced one keeps its namespace), bare
 * digest (a state hash) and `{"$artifact": id}` object, as `key: ref ref ...`.
 */
function refGroupsIn(file: string): string[] {
  const groups: string[] = [];
  for (const [key, value] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)) {
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') {
        const m = /^(?:(.+)\/)?(?:sha256:)?([0-9a-f]{64})$/.exec(v);
        if (m) refs.push(`${m[1] ? `${m[1]}/` : ''}sha256:${m[2]}`);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const artifact = (v as { $artifact?: unknown }).$artifact;
        if (typeof artifact === 'string') refs.push(`artifact:${artifact}`);
        else Object.values(v).forEach(walk);
      }
    };
    walk(value);
    if (refs.length) groups.push(`${key}: ${refs.join(' ')}`);
  }
  return groups;
}

/** What a run row shows under it, as `refGroupsIn` writes it. */
async function shownGroups(provider: vscode.TreeDataProvider<vscode.TreeItem>, run: RunItem): Promise<string[]> {
  const groups = (await provider.getChildren(run)) ?? [];
  return Promise.all(groups.map(async (g) => `${labelOf(g)}: ${((await provider.getChildren(g)) ?? []).map((leaf) => (leaf as { target?: { ref: string } }).target?.ref).join(' ')}`));
}

/** Every row of a runs-like view against the files it must list (found in the workspace), children included. */
async function assertRunRows(provider: vscode.TreeDataProvider<vscode.TreeItem>, files: vscode.Uri[]): Promise<RunItem[]> {
  const roots = (await provider.getChildren()) ?? [];
  const runs = roots.filter(isRun);
  assert.equal(runs.length, roots.length, 'every row is a run');
  assert.deepEqual(runs.map((r) => demoPath(vscode.Uri.parse(r.entry.uri).fsPath)).sort(), files.map((f) => demoPath(f.fsPath)).sort());
  for (const run of runs) assert.deepEqual(await shownGroups(provider, run), refGroupsIn(vscode.Uri.parse(run.entry.uri).fsPath), `the refs under ${run.entry.uri}`);
  return runs;
}

describe('Refscope views', () => {
  let api: RefscopeApi;
  before(async () => {
    api = await refscope();
  });

  it('Run Capsules lists every capsule and run state, newest first, each with every ref it holds', async () => {
    const summary = demoSummary();
    const capsules = await vscode.workspace.findFiles('**/artifacts/run_capsules/*.json');
    const runStates = await vscode.workspace.findFiles('**/run_*.json');
    assert.equal(capsules.length, summary.artifacts.byKind.run_capsules);
    assert.equal(runStates.length, summary.runs.flow);
    const runs = await assertRunRows(api.views.runs, [...capsules, ...runStates]);
    const times = runs.map((r) => (r.entry.time ? Date.parse(r.entry.time) : -Infinity));
    assert.deepEqual(times, [...times].sort((a, b) => (a === b ? 0 : b - a)), 'newest first, undated last');
    for (const run of runs) {
      assert.ok(run.description, `${run.entry.uri} shows mode/time/tools`);
      assert.equal(run.contextValue, 'refscope.ref.run', 'context menu Trace/Copy/Graph applies');
    }
  });

  it('Snapshots lists every snapshot artifact and snapshot file, each with every ref it holds', async () => {
    const artifacts = await vscode.workspace.findFiles('**/artifacts/snapshots/*.json');
    assert.equal(artifacts.length, demoSummary().artifacts.byKind.snapshots);
    const stateFiles = await vscode.workspace.findFiles('**/snapshot_*.json');
    assert.ok(stateFiles.length > 0, 'the workflow runtime saved a snapshot of a run state');
    await assertRunRows(api.views.snapshots, [...artifacts, ...stateFiles]);
  });

  it('Models shows every manifest, flags exactly the invalid one, and lists the partial download and the blob no manifest names', async () => {
    const items = await api.views.models.getChildren();
    const [stateDir] = (await vscode.workspace.findFiles('**/models/by-hash/*', undefined, 1)).map((u) => path.dirname(path.dirname(path.dirname(u.fsPath))));
    const modelsDir = path.join(stateDir, 'models');
    const manifests = fs.readdirSync(modelsDir).filter((n) => n.endsWith('.json'));
    const ids = manifests.map((m) => (JSON.parse(fs.readFileSync(path.join(modelsDir, m), 'utf8')) as { id?: string }).id ?? m.slice(0, -5));
    const parts = fs.readdirSync(modelsDir).filter((n) => n.endsWith('.part'));
    const named = new Set(manifests.map((m) => (JSON.parse(fs.readFileSync(path.join(modelsDir, m), 'utf8')) as { sha256?: string }).sha256));
    const orphans = fs.readdirSync(path.join(modelsDir, 'by-hash')).filter((n) => !named.has(n.slice(0, 64)));
    assert.ok(orphans.length > 0 && parts.length > 0, 'the demo keeps a blob no manifest names and a partial download');
    assert.deepEqual(
      items.map(labelOf).sort(),
      [...ids, ...parts.map((p) => p.slice(0, -'.part'.length)), 'Blobs no manifest names'].sort(),
    );
    const planted = demoSummary().faults.filter((f) => f.kind === 'manifest-outside-store').map((f) => path.basename(f.file, '.json'));
    const invalid = items.filter((i) => i.iconPath instanceof vscode.ThemeIcon && i.iconPath.id === 'warning' && String(i.description).startsWith('invalid: '));
    assert.deepEqual(invalid.map(labelOf), planted, 'the manifest pointing outside the store, and only it, is invalid with its reason');
    for (const p of parts) {
      const item = items.find((i) => labelOf(i) === p.slice(0, -'.part'.length))!;
      assert.match(String(item.description), /^partial: .+ of .+ so far$/, `partial ${p} shown with its bytes`);
    }
    const group = items.find((i) => labelOf(i) === 'Blobs no manifest names');
    const leaves = await api.views.models.getChildren(group);
    assert.deepEqual(leaves.map((l) => (l as { target?: { ref: string } }).target?.ref).sort(), orphans.map((n) => `sha256:${n.slice(0, 64)}`).sort());
  });
});
