// Pulls through a real proxy (tinyproxy, ./tinyproxy.ts) to a model host whose name only the
// proxy can resolve: a pull that succeeds went through the proxy. Covers the environment
// (HTTP_PROXY/HTTPS_PROXY/NO_PROXY in either case, from the CLI) and the editor's settings
// (http.proxy, http.noProxy) as the language server passes them to the HTTP layer, and the
// editor's path end to end: the settings the extension sends (initializationOptions, or
// workspace/configuration's `http` section) reach the server, which pulls on `refscope/pull`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pullModel, PullError } from '../../shared/models';
import { PullRequest } from '../../shared/protocol';
import { LspTestClient } from '../server/lspClient';
import { createHttpLayer } from '../../shared/models/httpClient';
import { startFaultServer, type FaultServer } from './faultServer';
import { CLI, content, sha256, tempDir } from './helpers';
import { startTinyproxy, type Tinyproxy } from './tinyproxy';

const HOST = 'models.refscope.internal';

/** `refscope pull` with exactly these proxy variables (none inherited from the machine). */
function cliPull(args: string[], proxyEnv: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY']) delete env[name];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, ...proxyEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('model pull: through a proxy (tinyproxy)', function () {
  this.timeout(60_000);
  const file = content(300 * 1024);
  const digest = sha256(file);
  let proxy: Tinyproxy;
  let server: FaultServer;
  let state: string;
  let modelUrl: string;

  before(async () => {
    proxy = await startTinyproxy([HOST]);
  });
  after(async () => {
    await proxy?.stop();
  });
  beforeEach(async () => {
    state = tempDir();
    server = await startFaultServer({ content: file });
    const url = new URL(server.url);
    url.hostname = HOST;
    modelUrl = url.toString();
  });
  afterEach(async () => {
    await server.close();
    fs.rmSync(state, { recursive: true, force: true });
  });

  const args = (id: string) => ['pull', '--id', id, '--url', modelUrl, '--sha256', digest, '--state', state, '--json'];

  it('refscope pull reaches the host through HTTP_PROXY or http_proxy, and fails without one', async () => {
    const direct = await cliPull(args('direct'), {});
    assert.equal(direct.code, 1, 'the host name does not resolve outside the proxy');
    assert.equal(server.gets().length, 0);

    const upper = await cliPull(args('upper'), { HTTP_PROXY: proxy.url });
    assert.equal(upper.code, 0, upper.stderr);
    assert.equal(JSON.parse(upper.stdout).sha256, digest);
    assert.equal(upper.stderr.includes('Warning'), false, `no warning a user cannot act on: ${upper.stderr}`);
    assert.match(proxy.log(), new RegExp(`${HOST.replace(/\./g, '\\.')}`), 'tinyproxy logged the model host');
    assert.equal(server.gets().length, 1);

    fs.rmSync(state, { recursive: true, force: true });
    // http:// URLs take http_proxy; lower case is read as well as upper case.
    const lower = await cliPull(args('lower'), { http_proxy: proxy.url });
    assert.equal(lower.code, 0, lower.stderr);
    assert.equal(server.gets().length, 2);
  });

  it('NO_PROXY (either case) sends the host direct, where it cannot be resolved', async () => {
    const cases: Record<string, string>[] = [{ NO_PROXY: HOST }, { no_proxy: `example.org,.refscope.internal` }];
    for (const noProxy of cases) {
      const r = await cliPull(args('skipped'), { HTTP_PROXY: proxy.url, ...noProxy });
      assert.equal(r.code, 1, JSON.stringify(noProxy));
    }
    assert.equal(server.gets().length, 0);
  });

  it("the editor's http.proxy over an empty environment, and http.noProxy beside NO_PROXY", async () => {
    const viaSetting = createHttpLayer({ proxy: proxy.url }, {});
    const r = await pullModel({ stateDir: state, id: 'setting', url: modelUrl, sha256: digest, http: viaSetting });
    assert.equal(r.sha256, digest);
    const skipped = createHttpLayer({ proxy: proxy.url, noProxy: [HOST] }, { NO_PROXY: 'example.org' });
    await assert.rejects(pullModel({ stateDir: state, id: 'skipped', url: modelUrl, sha256: 'a'.repeat(64), http: skipped, retries: 0 }), (err: unknown) => err instanceof PullError);
    assert.equal(server.gets().length, 1);
  });

  it("the language server pulls on refscope/pull through the proxy the editor's http settings name", async () => {
    // As the extension sends them: `http` beside the refscope settings at start, and the `http`
    // section of workspace/configuration.
    const channels = [
      { initializationOptions: { trusted: true, cacheDir: path.join(state, 'cache-a'), http: { proxy: proxy.url } } },
      { initializationOptions: { trusted: true, cacheDir: path.join(state, 'cache-b') }, configuration: { refscope: {}, http: { proxy: proxy.url } } },
    ];
    const logged = () => proxy.log().split(HOST).length - 1;
    const loggedBefore = logged();
    for (const [i, options] of channels.entries()) {
      const client = await LspTestClient.start(state, options);
      try {
        const r = await client.request(PullRequest.type, { id: `editor-${i}`, url: modelUrl, sha256: digest, stateDir: path.join(state, `store-${i}`) });
        assert.equal(r.status, 'downloaded', JSON.stringify(options));
        assert.deepEqual(fs.readFileSync(r.path), file);
      } finally {
        await client.stop();
      }
    }
    assert.equal(server.gets().length, 2, 'each pull reached the model host once');
    assert.ok(logged() >= loggedBefore + 2, `tinyproxy logged both requests: ${proxy.log()}`);
  });
});
