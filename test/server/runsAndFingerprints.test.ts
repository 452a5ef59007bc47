// CONTRACT 1.8 through the real language server: a run id (sha256 or UUID) hovers as its run,
// leads to its capsule or run state, has references and a workspace symbol; a state hash is a
// fingerprint whose hover says so, and an open document shows no warning for either.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DefinitionRequest, HoverRequest, type Location, ReferencesRequest, type SymbolInformation, WorkspaceSymbolRequest } from 'vscode-languageserver-protocol';
import { StatsRequest } from '../../shared/protocol';
import { buildAbstractWorkspace, buildServerdWorkspace } from '../runtimes/shapedWorkspaces';
import { LspTestClient, waitFor } from './lspClient';

describe('language server: runs and fingerprints (CONTRACT 1.8)', function () {
  this.timeout(120000);
  let tmp: string;
  let client: LspTestClient;
  let serverd: ReturnType<typeof buildServerdWorkspace>;
  let flows: ReturnType<typeof buildAbstractWorkspace>;

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-runs-lsp-')));
    serverd = buildServerdWorkspace(tmp, 2, 2);
    flows = buildAbstractWorkspace(tmp, 2);
    client = await LspTestClient.start(tmp);
    await waitFor(async () => (await client.request(StatsRequest.type, {})).ready, 60000, 'ready');
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The position of the first `needle` in `file` (inside it, past its first character). */
  const at = (file: string, needle: string) => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes(needle));
    assert.ok(line >= 0, `${needle} in ${file}`);
    return { textDocument: { uri: 'file://' + file }, position: { line, character: lines[line].indexOf(needle) + 3 } };
  };
  const hoverText = async (p: ReturnType<typeof at>) => {
    const h = await client.request(HoverRequest.type, p);
    return h ? (h.contents as { value: string }).value : '';
  };

  it('hover and definition on a sha256 run id in a capsule show and open the run', async () => {
    const capsule = path.join(tmp, 'serverd', 'runtime', 'artifacts', 'run_capsules', `${serverd.capsules[1]}.json`);
    const uri = await client.open(capsule);
    const p = at(capsule, serverd.runIds[1]);
    const text = await hoverText(p);
    assert.match(text, /\*\*Run\*\*/);
    assert.match(text, /Events:\*\* 11/);
    assert.doesNotMatch(text, /dangling/);
    const def = (await client.request(DefinitionRequest.type, p)) as Location | null;
    assert.equal(def?.uri, uri);
    const diags = await client.waitForDiagnostics(uri, () => true);
    assert.deepEqual(diags.filter((d) => d.code === 'dangling-ref'), []);
  });

  it('a state hash is a fingerprint: its hover says so and where else it appears, and it is no diagnostic', async () => {
    const capsule = path.join(tmp, 'serverd', 'runtime', 'artifacts', 'run_capsules', `${serverd.capsules[1]}.json`);
    const text = await hoverText(at(capsule, serverd.stateHashes[3]));
    assert.match(text, /fingerprint/);
    assert.match(text, /appears in 2 places/);
  });

  it('a UUID run id (no ref at all) hovers as its run and leads to its run state; references list the run', async () => {
    const ledger = path.join(tmp, 'flows', `ledger_${flows.runIds[0]}.jsonl`);
    await client.open(ledger);
    const p = at(ledger, flows.runIds[0]);
    assert.match(await hoverText(p), /\*\*Run\*\*[\s\S]*Status:\*\* completed/);
    const def = (await client.request(DefinitionRequest.type, p)) as Location | null;
    assert.ok(def?.uri.endsWith(`run_${flows.runIds[0]}.json`), JSON.stringify(def));
    const refs = await client.request(ReferencesRequest.type, { ...p, context: { includeDeclaration: true } });
    assert.ok((refs ?? []).length >= 4, JSON.stringify(refs));
  });

  it('workspace symbols find runs by id', async () => {
    const symbols = ((await client.request(WorkspaceSymbolRequest.type, { query: flows.runIds[1].slice(0, 8) })) ?? []) as SymbolInformation[];
    assert.ok(symbols.some((s) => s.name === `run ${flows.runIds[1]}`), JSON.stringify(symbols.map((s) => s.name)));
  });
});
