// The server owns the model store (CONTRACT 3, 5): `refscope/pull` and `refscope/gc` over stdio
// from the real LSP client against a real HTTP server on 127.0.0.1. Refused until the client
// says the workspace is trusted; work-done progress on the request's token; $/cancelRequest
// cancels; failures are LSP errors with `data.code`; the index sees a pull or GC at once.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource, LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { GcRequest, ModelsRequest, PullRequest, ResolveRequest, TrustChangedNotification, storeErrorCode, type StoreErrorData } from '../../shared/protocol';
import { startFaultServer, type FaultServer } from '../models/faultServer';
import { age, content, sha256 } from '../models/helpers';
import { writeFixture, type Fixture } from './fixture';
import { LspTestClient, waitFor } from './lspClient';

/** The LSP error a request failed with (failing the test when it succeeded). */
async function lspError(pending: Promise<unknown>): Promise<ResponseError<StoreErrorData>> {
  try {
    await pending;
  } catch (err) {
    assert.ok(err instanceof ResponseError, `expected an LSP error, got ${String(err)}`);
    return err as ResponseError<StoreErrorData>;
  }
  throw new Error('expected the request to fail');
}

describe('language server: the model store (refscope/pull, refscope/gc)', function () {
  this.timeout(60_000);
  const file = content(2 * 1024 * 1024);
  const digest = sha256(file);
  let fx: Fixture;
  let state: string;
  let server: FaultServer;
  const clients: LspTestClient[] = [];

  const start = async (trusted: boolean) => {
    const client = await LspTestClient.start(fx.dir, { initializationOptions: { trusted, cacheDir: path.join(fx.dir, '.cache') } });
    clients.push(client);
    return client;
  };
  const pullParams = (id: string) => ({ id, url: server.url, sha256: digest, stateDir: state });

  beforeEach(async () => {
    fx = writeFixture();
    state = path.join(fx.dir, 'state');
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    server = await startFaultServer({ content: file });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await server.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('refuses pull and GC with `untrusted` until the client says the workspace is trusted', async () => {
    const client = await start(false);
    const pull = await lspError(client.request(PullRequest.type, pullParams('m')));
    assert.equal(pull.code, LSPErrorCodes.RequestFailed);
    assert.equal(storeErrorCode(pull), 'untrusted');
    assert.equal(storeErrorCode(await lspError(client.request(GcRequest.type, { stateDir: state, ttlDays: 0 }))), 'untrusted');
    assert.equal(server.requests.length, 0, 'nothing was fetched');
    await client.connection.sendNotification(TrustChangedNotification.type, { trusted: true });
    const r = await client.request(PullRequest.type, pullParams('m'));
    assert.equal(r.status, 'downloaded');
  });

  it('pulls with work-done progress on the request token, and the index shows the model at once', async () => {
    const client = await start(true);
    const workDoneToken = 'pull-1';
    const r = await client.request(PullRequest.type, { ...pullParams('model-a'), workDoneToken });
    assert.deepEqual(r, { status: 'downloaded', sha256: digest, bytes: file.length, path: path.join(state, 'models', 'by-hash', `${digest}.bin`) });
    assert.deepEqual(fs.readFileSync(r.path), file);
    const progress = client.progress.filter((p) => p.token === workDoneToken).map((p) => p.value);
    assert.equal(progress[0].kind, 'begin');
    assert.equal(progress.at(-1)!.kind, 'end');
    const reports = progress.filter((p) => p.kind === 'report');
    assert.ok(reports.some((p) => /MB/.test(p.message ?? '')), JSON.stringify(reports));
    // No wait: the answer came after the index took the pull in.
    const models = await client.request(ModelsRequest.type, {});
    const store = models.stateDirs.find((d) => path.resolve(d.dir) === state || d.dir.endsWith('/state'));
    assert.ok(store?.manifests.some((m) => m.id === 'model-a' && m.sha256 === digest), JSON.stringify(models));
    const resolved = await client.request(ResolveRequest.type, { ref: `sha256:${digest}` });
    assert.ok(!('error' in resolved), JSON.stringify(resolved));
    const again = await client.request(PullRequest.type, pullParams('model-a'));
    assert.equal(again.status, 'cached');
  });

  it('pulls into state/ of the first folder when no store exists yet, and the index discovers it at once', async () => {
    fs.rmSync(state, { recursive: true, force: true });
    const client = await start(true);
    const r = await client.request(PullRequest.type, { id: 'first', url: server.url, sha256: digest });
    assert.equal(path.dirname(path.dirname(path.dirname(r.path))), state);
    const models = await client.request(ModelsRequest.type, {});
    assert.ok(models.stateDirs.some((d) => d.manifests.some((m) => m.id === 'first')), JSON.stringify(models));
  });

  it('answers a checksum mismatch as an LSP error with data.code, keeping nothing', async () => {
    const client = await start(true);
    const err = await lspError(client.request(PullRequest.type, { ...pullParams('bad'), sha256: 'e'.repeat(64) }));
    assert.equal(storeErrorCode(err), 'checksum_mismatch');
    assert.deepEqual(fs.readdirSync(path.join(state, 'models', 'by-hash')), []);
    assert.ok(!fs.readdirSync(path.join(state, 'models')).some((n) => n.endsWith('.part')));
  });

  it('cancels a slow pull on $/cancelRequest and removes its partial download', async () => {
    server.config.trickleBytesPerSec = 256 * 1024;
    const client = await start(true);
    const source = new CancellationTokenSource();
    const pending = client.connection.sendRequest(PullRequest.type, { ...pullParams('slow'), workDoneToken: 'slow' }, source.token);
    await waitFor(() => server.gets().length > 0 && fs.existsSync(path.join(state, 'models', `${digest}.part`)), 10_000, 'the transfer to start');
    source.cancel();
    const err = await lspError(pending);
    assert.equal(err.code, LSPErrorCodes.RequestCancelled);
    assert.equal(storeErrorCode(err), 'cancelled');
    assert.deepEqual(fs.readdirSync(path.join(state, 'models', 'by-hash')), []);
    assert.ok(!fs.readdirSync(path.join(state, 'models')).some((n) => n.includes('.part')));
  });

  it('collects with the index refs as roots: dry run, then the real run, seen by the index at once', async () => {
    const byHash = path.join(state, 'models', 'by-hash');
    const orphan = Buffer.from('an old orphan blob');
    const cited = Buffer.from('a blob a workspace file cites');
    const orphanFile = path.join(byHash, sha256(orphan));
    const citedFile = path.join(byHash, sha256(cited));
    fs.writeFileSync(orphanFile, orphan);
    fs.writeFileSync(citedFile, cited);
    age(orphanFile, 40);
    age(citedFile, 40);
    fs.writeFileSync(path.join(fx.dir, 'uses.md'), `the eval used sha256:${sha256(cited)}\n`);
    const client = await start(true);
    const plan = await client.request(GcRequest.type, { stateDir: state, ttlDays: 30, dryRun: true, explain: true });
    assert.equal(plan.deleted, 1);
    assert.ok(fs.existsSync(orphanFile), 'a dry run deletes nothing');
    assert.ok(plan.explain?.some((e) => e.action === 'kept' && e.digest === sha256(cited)), JSON.stringify(plan.explain));
    const orphansBefore = (await client.request(ModelsRequest.type, {})).stateDirs.flatMap((d) => d.orphanBlobs.map((o) => o.digest));
    assert.ok(orphansBefore.includes(sha256(orphan)));
    const report = await client.request(GcRequest.type, { stateDir: state, ttlDays: 30 });
    assert.equal(report.deleted, 1);
    assert.ok(!fs.existsSync(orphanFile) && fs.existsSync(citedFile));
    const orphansAfter = (await client.request(ModelsRequest.type, {})).stateDirs.flatMap((d) => d.orphanBlobs.map((o) => o.digest));
    assert.ok(!orphansAfter.includes(sha256(orphan)), JSON.stringify(orphansAfter));
    assert.equal(storeErrorCode(await lspError(client.request(GcRequest.type, { stateDir: state, ttlDays: -1 }))), 'invalid_args');
  });

});
