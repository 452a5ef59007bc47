// A second, independent client: Neovim's built-in LSP client (Debian's 0.7.2) asks the server
// for a hover and a definition on the demo workspace, so we are not only compatible with
// our own client. Skipped (with a message) where `nvim` is not installed.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDemo } from './fixture';
import { cliPath, fileUri, positionOf } from './lspClient';

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

interface NvimAnswer {
  initialized: boolean;
  hover: { result?: { contents: { kind: string; value: string } } };
  definition: { result?: { uri: string; range: { start: { line: number } } } | { uri: string }[] };
}

describe('language server: neovim client', function () {
  this.timeout(60000);

  it('answers a hover and a definition to Neovim', async function () {
    if (spawnSync('nvim', ['--version'], { stdio: 'ignore' }).status !== 0) {
      console.log('      (skipped: nvim is not installed; .ci/run installs it with apt-get install -y neovim)');
      this.skip();
    }
    const dir = writeDemo();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-nvim-home-'));
    try {
      const file = path.join(dir, 'notes', 'incident.md');
      const text = fs.readFileSync(file, 'utf8');
      const request = /sent request (sha256:[0-9a-f]{64})/.exec(text)![1];
      const pos = positionOf(text, request, 10);
      const script = path.join(home, 'client.lua');
      const out = path.join(home, 'answer.json');
      fs.writeFileSync(script, LUA);
      const env = {
        ...process.env,
        HOME: home,
        XDG_CACHE_HOME: path.join(home, 'cache'),
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_DATA_HOME: path.join(home, 'data'),
        XDG_STATE_HOME: path.join(home, 'state'),
        REFSCOPE_NVIM_ARGS: JSON.stringify({ node: process.execPath, cli: cliPath, root: dir, file, out, line: pos.line, character: pos.character }),
      };
      const nvim = spawn('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${script}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      nvim.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => nvim.kill(), 50000);
      await new Promise((resolve) => nvim.once('exit', resolve));
      clearTimeout(killer);
      assert.ok(fs.existsSync(out), `nvim wrote no answer; stderr: ${stderr}`);
      const answer = JSON.parse(fs.readFileSync(out, 'utf8')) as NvimAnswer;
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
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
