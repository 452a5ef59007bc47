// CONTRACT 1.8 through the real language server: the wiring of a run id that is no ref (a
// UUID) to hover, definition and references. What runs and fingerprints answer (sha256 run
// ids, state hashes, symbols, no warnings) is tested on the service directly, in
// services/refscopeService.test.ts.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DefinitionRequest, HoverRequest, type Location, ReferencesRequest } from 'vscode-languageserver-protocol';
import { StatsRequest } from '../../shared/protocol';
import { buildAbstractWorkspace } from '../runtimes/shapedWorkspaces';
import { LspTestClient, waitFor } from './lspClient';

describe('language server: run ids that are no ref (CONTRACT 1.8)', function () {
  this.timeout(120000);
  let tmp: string;
  let client: LspTestClient;
  let flows: ReturnType<typeof buildAbstractWorkspace>;

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-runs-lsp-')));
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

  it('a UUID run id (no ref at all) reaches hover, definition and references', async () => {
    const ledger = path.join(tmp, 'flows', `ledger_${flows.runIds[0]}.jsonl`);
    await client.open(ledger);
    const p = at(ledger, flows.runIds[0]);
    assert.match(await hoverText(p), /\*\*Run\*\*[\s\S]*Status:\*\* completed/);
    const def = (await client.request(DefinitionRequest.type, p)) as Location | null;
    assert.ok(def?.uri.endsWith(`run_${flows.runIds[0]}.json`), JSON.stringify(def));
    const refs = await client.request(ReferencesRequest.type, { ...p, context: { includeDeclaration: true } });
    assert.ok((refs ?? []).length >= 4, JSON.stringify(refs));
  });
});
