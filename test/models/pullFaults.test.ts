import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pullModel, PullError, type PullOptions } from '../../shared/models';
import { etagOf, startFaultServer, type FaultConfig, type FaultServer } from './faultServer';
import { content, modelsListing, sha256, tempDir } from './helpers';
import { skipOutsideCi } from '../skipOutsideCi';

const SIZE = 512 * 1024;

describe('model pull: fault matrix', function () {
  let server: FaultServer | undefined;
  let state: string;
  let file: Buffer;
  let digest: string;

  beforeEach(() => {
    state = tempDir();
    file = content(SIZE);
    digest = sha256(file);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(state, { recursive: true, force: true });
  });

  async function serve(config: Partial<FaultConfig> = {}): Promise<FaultServer> {
    server = await startFaultServer({ content: file, ...config });
    return server;
  }

  function pull(extra: Partial<PullOptions> = {}) {
    return pullModel({ stateDir: state, id: 'model-a', url: server!.url, sha256: digest, stallTimeoutMs: 300, backoffMs: 10, retries: 3, ...extra });
  }

  async function pullError(extra: Partial<PullOptions> = {}): Promise<PullError> {
    try {
      await pull(extra);
    } catch (err) {
      assert.ok(err instanceof PullError, `expected a PullError, got ${err}`);
      return err;
    }
    assert.fail('the pull succeeded');
  }

  const partFile = () => path.join(state, 'models', `${digest}.part`);
  const metaFile = () => `${partFile()}.meta`;
  const blobFile = () => path.join(state, 'models', 'by-hash', `${digest}.bin`);

  /** A partial download as a previous (interrupted) pull leaves it. */
  function leavePartial(bytes: Buffer, meta: Record<string, unknown> | string | undefined) {
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    fs.writeFileSync(partFile(), bytes);
    if (meta !== undefined) fs.writeFileSync(metaFile(), typeof meta === 'string' ? meta : JSON.stringify(meta));
  }

  function assertCommitted() {
    assert.deepEqual(fs.readFileSync(blobFile()), file);
    assert.deepEqual(modelsListing(state), ['by-hash', `by-hash/${digest}.bin`, 'model-a.json']);
  }

  it('downloads, verifies, commits the blob, writes the manifest and the event, and leaves nothing else', async () => {
    await serve();
    const progress: number[] = [];
    const r = await pull({ provider: 'local', onProgress: (p) => progress.push(p.received) });
    assert.equal(r.status, 'downloaded');
    assert.equal(r.path, blobFile());
    assertCommitted();
    const manifest = JSON.parse(fs.readFileSync(path.join(state, 'models', 'model-a.json'), 'utf8'));
    assert.deepEqual(manifest, { id: 'model-a', file: `${digest}.bin`, name: 'model.bin', path: blobFile(), url: server!.url, sha256: digest, cas: 'sha256', bytes: SIZE, provider: 'local', verified: true });
    const events = fs.readFileSync(path.join(state, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const written = events.filter((e) => e.event_type === 'models.manifest.written');
    assert.equal(written.length, 1);
    assert.equal(written[0].sha256, digest);
    assert.ok(progress.at(-1) === SIZE);
    assert.equal(server!.gets()[0].headers['accept-encoding'], 'identity');
    const again = await pull();
    assert.equal(again.status, 'cached');
    assert.equal(server!.gets().length, 1, 'a cached pull makes no request');
  });

  it('resumes a partial left under another name whose meta names the digest', async () => {
    await serve();
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    const legacy = path.join(state, 'models', 'model.bin.part');
    fs.writeFileSync(legacy, file.subarray(0, 5000));
    fs.writeFileSync(`${legacy}.meta`, JSON.stringify({ url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE }));
    await pull();
    assert.equal(server!.gets()[0].headers.range, 'bytes=5000-');
    assertCommitted();
  });

  it('restarts from zero when the server answers a range request with 200', async () => {
    await serve({ ignoreRange: true });
    leavePartial(file.subarray(0, 1000), { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE });
    assert.equal((await pull()).status, 'downloaded');
    assert.equal(server!.gets()[0].headers.range, 'bytes=1000-');
    assertCommitted();
  });

  it('restarts from zero when a 206 starts at the wrong offset', async () => {
    await serve({ rangeOffsetError: 7 });
    leavePartial(file.subarray(0, 1000), { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE });
    await pull();
    const gets = server!.gets();
    assert.equal(gets.length, 2);
    assert.equal(gets[0].headers.range, 'bytes=1000-');
    assert.equal(gets[1].headers.range, undefined);
    assertCommitted();
  });

  it('restarts from zero when If-Range no longer matches (the remote file changed)', async () => {
    const old = content(SIZE);
    await serve();
    leavePartial(old.subarray(0, 4096), { url: server!.url, sha256: digest, etag: etagOf(old), total: SIZE });
    await pull();
    assert.equal(server!.gets()[0].headers['if-range'], etagOf(old));
    assertCommitted();
  });

  for (const [label, meta] of [
    ['missing', undefined],
    ['corrupt', '{"url": "trunc'],
  ] as const) {
    it(`restarts from zero, without a Range, when .part.meta is ${label}`, async () => {
      await serve();
      leavePartial(Buffer.alloc(2000, 0x41), meta);
      await pull();
      assert.equal(server!.gets()[0].headers.range, undefined);
      assertCommitted();
    });
  }

  it('commits an already complete .part without fetching it again', async () => {
    await serve();
    leavePartial(file, { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE, bytes: SIZE });
    assert.equal((await pull()).status, 'downloaded');
    assert.equal(server!.gets().length, 0);
    assertCommitted();
    const metrics = JSON.parse(fs.readFileSync(path.join(state, 'downloads.metrics.json'), 'utf8'));
    assert.equal(metrics.ewma_mbps, 0, 'nothing was fetched, so no throughput was measured');
  });

  it('restarts when the .part is larger than the remote file (size known or learnt from a 416)', async () => {
    await serve();
    leavePartial(Buffer.concat([file, Buffer.alloc(10)]), { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE });
    await pull();
    assert.equal(server!.gets()[0].headers.range, undefined);
    assertCommitted();
    fs.rmSync(blobFile());
    fs.rmSync(path.join(state, 'models', 'model-a.json'));
    leavePartial(Buffer.concat([file, Buffer.alloc(10)]), { url: server!.url, sha256: digest, etag: etagOf(file) });
    await pull();
    const gets = server!.gets().slice(1);
    assert.equal(gets[0].headers.range, `bytes=${SIZE + 10}-`);
    assert.equal(gets[1].headers.range, undefined);
    assertCommitted();
  });

  it('fails with checksum_mismatch on a corrupt start of .part, keeps nothing, and a clean retry succeeds', async () => {
    await serve();
    const corrupt = Buffer.from(file.subarray(0, 100_000));
    corrupt[0] ^= 0xff;
    leavePartial(corrupt, { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE });
    const err = await pullError();
    assert.equal(err.code, 'checksum_mismatch');
    assert.match(err.message, new RegExp(digest));
    assert.match(err.message, new RegExp(sha256(Buffer.concat([corrupt, file.subarray(100_000)]))));
    assert.deepEqual(modelsListing(state), ['by-hash']);
    assert.equal((await pull()).status, 'downloaded');
    assertCommitted();
  });

  it('resumes with Range after a connection reset mid-body', async () => {
    await serve({ faults: [{ resetAfter: 200_000 }] });
    await pull();
    const gets = server!.gets();
    assert.equal(gets.length, 2);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(String(gets[1].headers.range))?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 200_000, `resumed at ${gets[1].headers.range}`);
    assert.equal(gets[1].headers['if-range'], etagOf(file));
    assertCommitted();
  });

  it('hashes in a worker thread for large files, across a resume and a corrupt prefix alike', async () => {
    await serve({ faults: [{ resetAfter: 150_000 }] });
    await pull({ workerHashMinBytes: 0 });
    assert.equal(server!.gets().length, 2);
    assertCommitted();
    fs.rmSync(blobFile());
    fs.rmSync(path.join(state, 'models', 'model-a.json'));
    const corrupt = Buffer.from(file.subarray(0, 100_000));
    corrupt[5] ^= 0x01;
    leavePartial(corrupt, { url: server!.url, sha256: digest, etag: etagOf(file), total: SIZE });
    const err = await pullError({ workerHashMinBytes: 0 });
    assert.equal(err.code, 'checksum_mismatch');
    assert.match(err.message, new RegExp(sha256(Buffer.concat([corrupt, file.subarray(100_000)]))));
  });

  it('retries a stall before the first byte and a stall mid-body', async () => {
    await serve({ faults: [{ stallAfter: 0 }, { stallAfter: 100_000 }] });
    await pull();
    const gets = server!.gets();
    assert.equal(gets.length, 3);
    assert.equal(gets[1].headers.range, undefined);
    assert.match(String(gets[2].headers.range), /^bytes=\d+-$/);
    assertCommitted();
  });

  it('gives up with stalled when the server never sends, keeping the .part for later', async () => {
    await serve({ faults: [{ stallAfter: 1000 }, { stallAfter: 0 }, { stallAfter: 0 }] });
    const err = await pullError({ retries: 1, stallTimeoutMs: 150 });
    assert.equal(err.code, 'stalled');
    assert.deepEqual(modelsListing(state), [`${digest}.part`, `${digest}.part.meta`, 'by-hash'].sort());
  });

  for (const status of [404, 403, 500, 503]) {
    it(`fails clearly on HTTP ${status}`, async () => {
      await serve({ getStatus: status });
      const err = await pullError();
      assert.equal(err.code, 'http_error');
      assert.match(err.message, new RegExp(`HTTP ${status}`));
      assert.deepEqual(modelsListing(state), ['by-hash']);
    });
  }

  it('rejects an HTML error page served with 200 as a checksum mismatch that says so', async () => {
    await serve({ errorBody: '<html><body>Rate limited</body></html>', contentType: 'text/html; charset=utf-8' });
    const err = await pullError();
    assert.equal(err.code, 'checksum_mismatch');
    assert.match(err.message, /text\/html/);
    assert.deepEqual(modelsListing(state), ['by-hash']);
  });

  it('rejects an empty 200', async () => {
    await serve({ content: Buffer.alloc(0) });
    const err = await pullError();
    assert.equal(err.code, 'checksum_mismatch');
    assert.match(err.message, /over 0 bytes/);
  });

  it('decodes a gzip body the server sent although asked for identity', async () => {
    await serve({ gzip: true });
    await pull();
    assertCommitted();
  });

  // undici 6 and 7 crash the process (an AssertionError from the socket's 'end' handler) when a
  // server closes a non-keep-alive response while the parser is paused: a gzip body (its decoder
  // falls behind at once) or a worker hashing behind the writes used to pause it.
  it('survives a server that closes each response (Connection: close), compressed or plain, hashed inline or in a worker', async () => {
    await serve({ connectionClose: true, gzip: true });
    await pull();
    assertCommitted();
    fs.rmSync(path.join(state, 'models'), { recursive: true });
    server!.config.gzip = false;
    await pull({ workerHashMinBytes: 0 });
    assertCommitted();
    fs.rmSync(path.join(state, 'models'), { recursive: true });
    server!.config.omitContentLength = true;
    await pull();
    assertCommitted();
    assert.ok(server!.gets().every((r) => r.headers['accept-encoding'] === 'identity'));
  });

  it('handles a missing Content-Length (chunked) and one longer than the body', async () => {
    await serve({ omitContentLength: true });
    await pull();
    assertCommitted();
    fs.rmSync(blobFile());
    server!.config.omitContentLength = false;
    server!.config.contentLength = SIZE + 1000;
    assert.equal((await pull()).status, 'downloaded');
    assertCommitted();
  });

  it('proceeds without a preflight size when HEAD is refused', async () => {
    await serve({ headStatus: 405 });
    await pull({ preflight: true, maxMb: 1 });
    assert.equal(server!.requests[0].method, 'HEAD');
    assertCommitted();
  });

  it('lets GET win when HEAD disagrees, re-checking the limits', async () => {
    await serve({ headLength: 100 });
    const err = await pullError({ preflight: true, maxMb: 0.1 });
    assert.equal(err.code, 'size_limit');
    assert.equal(server!.gets().length, 1);
    assert.ok(!fs.existsSync(partFile()), 'no .part for a refused size');
    server!.config.headLength = 50 * 1024 * 1024;
    await pull({ preflight: false, maxMb: 1 });
    assertCommitted();
  });

  it('refuses a preflight over the quota before any transfer, writing no .part', async () => {
    await serve();
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    fs.writeFileSync(path.join(state, 'models', 'by-hash', 'a'.repeat(64)), Buffer.alloc(600_000));
    const err = await pullError({ preflight: true, quotaMb: 1 });
    assert.equal(err.code, 'quota_exceeded');
    assert.equal(server!.gets().length, 0);
    assert.deepEqual(modelsListing(state), ['by-hash', `by-hash/${'a'.repeat(64)}`]);
    const limit = await pullError({ preflight: true, maxMb: 0.5 });
    assert.equal(limit.code, 'size_limit');
    assert.equal(server!.gets().length, 0);
  });

  it('enforces --max-mb while streaming when the size is unknown', async () => {
    await serve({ omitContentLength: true });
    const err = await pullError({ maxMb: 0.2 });
    assert.equal(err.code, 'size_limit');
    assert.ok(!fs.existsSync(blobFile()));
  });

  it('fails at once with no_space on ENOSPC, keeps the .part, and a later pull resumes it', async () => {
    await serve();
    let written = 0;
    const err = await pullError({
      writer: {
        write(fd, chunk, position) {
          if (written + chunk.length > 150_000) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          fs.writeSync(fd, chunk, 0, chunk.length, position);
          written += chunk.length;
        },
      },
    });
    assert.equal(err.code, 'no_space');
    assert.equal(server!.gets().length, 1, 'no retry on a full disk');
    assert.equal(fs.statSync(partFile()).size, written);
    assert.ok(fs.existsSync(metaFile()));
    await pull();
    assert.equal(server!.gets()[1].headers.range, `bytes=${written}-`);
    assertCommitted();
  });

  it('fails with no_space on a really full disk (a 256 KiB tmpfs, where root may mount one), hashing inline or in a worker', async function () {
    const mnt = tempDir('refscope-tmpfs-');
    if (process.getuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]).status !== 0) {
      fs.rmSync(mnt, { recursive: true, force: true });
      skipOutsideCi(this, 'a 256 KiB tmpfs cannot be mounted here (needs root and mount rights)');
    }
    try {
      await serve();
      for (const [i, workerHashMinBytes] of [undefined, 0].entries()) {
        fs.rmSync(path.join(mnt, 'models'), { recursive: true, force: true });
        const err = await pullModel({ stateDir: mnt, id: 'model-a', url: server!.url, sha256: digest, retries: 3, backoffMs: 10, workerHashMinBytes }).then(
          () => assert.fail('the pull succeeded'),
          (e: unknown) => e as PullError,
        );
        assert.equal(err.code, 'no_space', err.message);
        assert.equal(server!.gets().length, i + 1, 'no retry on a full disk');
        assert.ok(fs.statSync(path.join(mnt, 'models', `${digest}.part`)).size > 0, 'the partial download is kept');
      }
    } finally {
      spawnSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    }
  });

  it('names both digests on a checksum mismatch and commits nothing', async () => {
    await serve();
    const wrong = 'f'.repeat(64);
    const err = await pullError({ sha256: wrong });
    assert.equal(err.code, 'checksum_mismatch');
    assert.match(err.message, new RegExp(wrong));
    assert.match(err.message, new RegExp(digest));
    assert.deepEqual(modelsListing(state), ['by-hash']);
  });

  it('keeps Content-Disposition names inside the store', async () => {
    await serve({ contentDisposition: 'attachment; filename="../../../.evil name.sh"' });
    const r = await pull();
    assert.equal(r.path, path.join(state, 'models', 'by-hash', `${digest}.sh`));
    assert.equal(r.manifest.name, 'evil_name.sh');
    assert.deepEqual(fs.readdirSync(state).sort(), ['downloads.metrics.json', 'events.jsonl', 'models']);
  });

  it('never writes through a .part planted as a symlink', async () => {
    await serve();
    const outside = path.join(state, 'precious.txt');
    fs.writeFileSync(outside, 'keep me');
    fs.mkdirSync(path.join(state, 'models', 'by-hash'), { recursive: true });
    fs.symlinkSync(outside, partFile());
    await pull();
    assert.equal(fs.readFileSync(outside, 'utf8'), 'keep me');
    assertCommitted();
  });

  it('follows redirects and accepts an upper-case digest, storing it lower-case', async () => {
    await serve();
    const r = await pull({ url: server!.redirectUrl, sha256: digest.toUpperCase() });
    assert.equal(r.sha256, digest);
    assertCommitted();
  });

  it('retries a refused connection with backoff, then fails with network', async () => {
    await serve();
    const url = server!.url;
    await server!.close();
    server = undefined;
    const started = Date.now();
    const err = await pullModel({ stateDir: state, id: 'model-a', url, sha256: digest, retries: 2, backoffMs: 40 }).then(
      () => assert.fail('the pull succeeded'),
      (e: unknown) => e as PullError,
    );
    assert.equal(err.code, 'network');
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(Date.now() - started >= 100, 'backed off between attempts (40 ms, then 80 ms)');
    assert.deepEqual(modelsListing(state), ['by-hash']);
  });

  it('refuses unsafe ids and malformed digests before any request', async () => {
    await serve();
    for (const bad of [{ id: '../x' }, { id: 'a/b' }, { id: '..' }, { sha256: 'abc' }, { url: 'file:///etc/passwd' }]) {
      const err = await pullError(bad);
      assert.equal(err.code, 'invalid_args', JSON.stringify(bad));
    }
    assert.equal(server!.requests.length, 0);
  });
});
