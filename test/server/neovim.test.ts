// A second, independent client: Neovim's built-in LSP client (Debian's 0.7.2) asks the server
// for a hover and a definition on the demo workspace, and pulls and collects models through
// refscope/pull and refscope/gc, so we are not only compatible with our own client. Skipped
// (with a message) where `nvim` is not installed.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFaultServer } from '../models/faultServer';
import { age, content, sha256 } from '../models/helpers';
import { writeDemo, writeFixture } from './fixture';
import { cliPath, fileUri, positionOf } from './lspClient';
import { skipOutsideCi } from '../skipOutsideCi';

const LUA = String.raw`
local args = vim.fn.json_decode(os.getenv('REFSCOPE_NVIM_ARGS'))
local ready = false
local client_id = vim.lsp.start_client({
  cmd = { args.node, args.cli, 'lsp', '--stdio' },
  root_dir = args.root,
  workspace_folders = { { uri = vim.uri_from_fname(args.root), name = 'demo' } },
  on_init = function() ready = true end,
})
vim.cmd('edit ' .. vim.fn.fnameescape(args.file))
local bufnr = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(bufnr, client_id)
local out = { started = client_id ~= nil }
out.initialized = vim.wait(20000, function() return ready end, 20)
local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = args.line, character = args.character } }
local function first(responses)
  for _, r in pairs(responses or {}) do return { result = r.result, error = r.error } end
  return { missing = true }
end
out.hover = first(vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', params, 20000))
out.definition = first(vim.lsp.buf_request_sync(bufnr, 'textDocument/definition', params, 20000))
local f = io.open(args.out, 'w')
f:write(vim.fn.json_encode(out))
f:close()
vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.lsp.client_is_stopped(client_id) end, 20)
vim.cmd('qa!')
`;

// Trusted through initializationOptions, as the user's config says for a workspace they trust.
const STORE_LUA = String.raw`
local args = vim.fn.json_decode(os.getenv('REFSCOPE_NVIM_ARGS'))
local ready = false
local client_id = vim.lsp.start_client({
  cmd = { args.node, args.cli, 'lsp', '--stdio' },
  root_dir = args.root,
  init_options = { trusted = true },
  workspace_folders = { { uri = vim.uri_from_fname(args.root), name = 'ws' } },
  on_init = function() ready = true end,
})
local out = { started = client_id ~= nil }
out.initialized = vim.wait(20000, function() return ready end, 20)
local client = vim.lsp.get_client_by_id(client_id)
local function call(method, params)
  local r, err = client.request_sync(method, params, 30000, 0)
  if not r then return { failed = tostring(err) } end
  return { result = r.result, error = r.err }
end
out.pull = call('refscope/pull', { id = 'nvim-model', url = args.url, sha256 = args.sha256, stateDir = args.state })
out.bad = call('refscope/pull', { id = 'nvim-bad', url = args.url, sha256 = string.rep('e', 64), stateDir = args.state })
out.gc = call('refscope/gc', { stateDir = args.state, ttlDays = 30 })
local f = io.open(args.out, 'w')
f:write(vim.fn.json_encode(out))
f:close()
vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.lsp.client_is_stopped(client_id) end, 20)
vim.cmd('qa!')
`;

/** Runs `lua` in a headless Neovim with a throwaway home; returns what the script wrote to `args.out`. */
async function runNvim<T>(lua: string, args: Record<string, unknown>): Promise<T> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-nvim-home-'));
  try {
    const script = path.join(home, 'client.lua');
    const out = path.join(home, 'answer.json');
    fs.writeFileSync(script, lua);
    const env = {
      ...process.env,
      HOME: home,
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_STATE_HOME: path.join(home, 'state'),
      REFSCOPE_NVIM_ARGS: JSON.stringify({ node: process.execPath, cli: cliPath, out, ...args }),
    };
    const nvim = spawn('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${script}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    nvim.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => nvim.kill(), 50000);
    await new Promise((resolve) => nvim.once('exit', resolve));
    clearTimeout(killer);
    assert.ok(fs.existsSync(out), `nvim wrote no answer; stderr: ${stderr}`);
    return JSON.parse(fs.readFileSync(out, 'utf8')) as T;
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

interface StoreAnswer {
  initialized: boolean;
  pull: { result?: unknown };
  bad: { error?: { data?: { code?: string } } };
  gc: { result?: { deleted: number } };
}

interface NvimAnswer {
  initialized: boolean;
  hover: { result?: { contents: { kind: string; value: string } } };
  definition: { result?: { uri: string; range: { start: { line: number } } } | { uri: string }[] };
}

describe('language server: neovim client', function () {
  this.timeout(60000);

  it('answers a hover and a definition to Neovim', async function () {
    if (spawnSync('nvim', ['--version'], { stdio: 'ignore' }).status !== 0) skipOutsideCi(this, 'nvim is not installed (apt-get install neovim)');
    const dir = writeDemo();
    try {
      const file = path.join(dir, 'notes', 'incident.md');
      const text = fs.readFileSync(file, 'utf8');
      const request = /sent request (sha256:[0-9a-f]{64})/.exec(text)![1];
      const pos = positionOf(text, request, 10);
      const answer = await runNvim<NvimAnswer>(LUA, { root: dir, file, line: pos.line, character: pos.character });
      assert.equal(answer.initialized, true);
      const hover = answer.hover.result!.contents;
      assert.equal(hover.kind, 'markdown');
      assert.ok(hover.value.includes(request), hover.value);
      assert.match(hover.value, /\*\*Kind:\*\* requests/);
      const def = answer.definition.result!;
      const loc = Array.isArray(def) ? def[0] : def;
      const hex = request.slice(7);
      assert.equal(loc.uri, fileUri(fs.realpathSync(path.join(dir, 'agent-a', 'runtime', 'artifacts', 'requests', `${hex}.json`))));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pulls and collects through refscope/pull and refscope/gc from Neovim', async function () {
    if (spawnSync('nvim', ['--version'], { stdio: 'ignore' }).status !== 0) skipOutsideCi(this, 'nvim is not installed (apt-get install neovim)');
    const fx = writeFixture();
    const model = content(512 * 1024);
    const server = await startFaultServer({ content: model });
    try {
      const state = path.join(fx.dir, 'state');
      const byHash = path.join(state, 'models', 'by-hash');
      fs.mkdirSync(byHash, { recursive: true });
      const orphan = path.join(byHash, sha256(Buffer.from('orphan')));
      fs.writeFileSync(orphan, 'orphan');
      age(orphan, 40);
      const answer = await runNvim<StoreAnswer>(STORE_LUA, { root: fx.dir, url: server.url, sha256: sha256(model), state });
      assert.equal(answer.initialized, true);
      assert.deepEqual(answer.pull.result, { status: 'downloaded', sha256: sha256(model), bytes: model.length, path: path.join(byHash, `${sha256(model)}.bin`) });
      assert.equal(answer.bad.error?.data?.code, 'checksum_mismatch', JSON.stringify(answer.bad));
      assert.equal(answer.gc.result?.deleted, 1, JSON.stringify(answer.gc));
      assert.ok(!fs.existsSync(orphan), 'the orphan blob was collected');
      assert.ok(fs.existsSync(path.join(byHash, `${sha256(model)}.bin`)), 'the pulled model, named by a manifest, stays');
    } finally {
      await server.close();
      fs.rmSync(fx.dir, { recursive: true, force: true });
    }
  });
});
