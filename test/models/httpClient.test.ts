import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createHttpLayer } from '../../shared/models/httpClient';
import { content, tempDir } from './helpers';

/** A raw TCP server answering every connection with `respond`, which writes bytes as it likes (split anywhere). */
async function rawServer(respond: (socket: net.Socket, request: string) => void): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      requests.push(text);
      respond(socket, text);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/file.bin?x=1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Write `pieces` one per event-loop turn, so the client sees them in separate reads. */
function writeApart(socket: net.Socket, pieces: (string | Buffer)[], then?: () => void): void {
  const next = (i: number) => {
    if (socket.destroyed) return;
    if (i === pieces.length) return then?.();
    socket.write(pieces[i], () => setTimeout(() => next(i + 1), 2));
  };
  next(0);
}

/** No proxy in the environment: these tests talk to 127.0.0.1 directly. */
const http = createHttpLayer({}, {});

async function readAll(url: string, headers: Record<string, string> = {}, onChunk?: (chunk: Buffer) => void) {
  const res = await http.request(url, { method: 'GET', headers });
  const parts: Buffer[] = [];
  await res.readBody((chunk) => {
    parts.push(Buffer.from(chunk)); // a copy: the chunk is valid only during the call
    onChunk?.(chunk);
  });
  return { head: res, body: Buffer.concat(parts) };
}

describe('model pull: HTTP through undici', function () {
  this.timeout(20_000);
  let server: Awaited<ReturnType<typeof rawServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reads a head split across reads, joining repeated headers', async () => {
    const body = content(200_000);
    server = await rawServer((s) =>
      writeApart(s, ['HTTP/1.1 200 OK\r\nContent-Le', `ngth: ${body.length}\r\nX-Two: a\r\nx-two: b\r\n\r`, '\n', body.subarray(0, 1000), body.subarray(1000)]),
    );
    const { head, body: got } = await readAll(server.url, { range: 'bytes=0-' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['x-two'], 'a, b');
    assert.deepEqual(got, body);
    assert.match(server.requests[0], /^GET \/file\.bin\?x=1 HTTP\/1\.1\r\n/);
    assert.match(server.requests[0], /\r\nrange: bytes=0-\r\n/);
  });

  it('reads a chunked body and a close-delimited one, ignoring bytes past Content-Length', async () => {
    const body = content(300_000);
    let mode = 'chunked';
    server = await rawServer((s) => {
      if (mode === 'chunked') {
        const a = body.subarray(0, 100_000);
        const b = body.subarray(100_000);
        writeApart(s, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', `${a.length.toString(16)}\r\n`, a, `\r\n${b.length.toString(16)}\r\n`, b, '\r\n0\r\n\r\n']);
      } else if (mode === 'close') {
        writeApart(s, ['HTTP/1.1 200 OK\r\n\r\n', body], () => s.end());
      } else {
        writeApart(s, [`HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n`, Buffer.concat([body.subarray(0, 10), Buffer.from('garbage')])]);
      }
    });
    assert.deepEqual((await readAll(server.url)).body, body);
    mode = 'close';
    assert.deepEqual((await readAll(server.url)).body, body);
    mode = 'length';
    assert.deepEqual((await readAll(server.url)).body, body.subarray(0, 10));
  });

  it('reads two bodies at once over two connections into one reused buffer, each body intact', async () => {
    // Pieces that arrive before readBody (with the head, say) are held as copies by design; the
    // server holds each body until both readers are reading, so every piece here is read live.
    const bodies = [content(600_000), content(700_000)];
    let startBodies!: () => void;
    const bothReading = new Promise<void>((resolve) => (startBodies = resolve));
    server = await rawServer((s, request) => {
      const body = bodies[request.includes('/second') ? 1 : 0];
      const pieces = Array.from({ length: 12 }, (_, i) => body.subarray((i * body.length) / 12, ((i + 1) * body.length) / 12));
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, () => void bothReading.then(() => writeApart(s, pieces)));
    });
    const memory = new Set<ArrayBufferLike>();
    const responses = await Promise.all([http.request(server.url, { method: 'GET', headers: {} }), http.request(server.url.replace('/file.bin', '/second'), { method: 'GET', headers: {} })]);
    const reads = responses.map(async (res) => {
      const parts: Buffer[] = [];
      await res.readBody((chunk) => {
        parts.push(Buffer.from(chunk));
        memory.add(chunk.buffer);
      });
      return Buffer.concat(parts);
    });
    startBodies();
    const [first, second] = await Promise.all(reads);
    assert.deepEqual(first, bodies[0]);
    assert.deepEqual(second, bodies[1]);
    assert.equal(memory.size, 1, 'every piece of both bodies was read into the same memory');
  });

  it('fails when the connection ends before Content-Length bytes or before the last chunk', async () => {
    let chunked = false;
    server = await rawServer((s) => {
      const head = chunked ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123' : 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123';
      writeApart(s, [head], () => s.end());
    });
    await assert.rejects(readAll(server.url), /other side closed|premature close|socket/i);
    chunked = true;
    await assert.rejects(readAll(server.url), /other side closed|premature close|socket/i);
  });

  // undici 6 and 7 die on an AssertionError when the server closes a non-keep-alive response
  // while the parser is paused (nodejs/undici#5360): the layer must never leave it paused.
  it('reads Connection: close responses to the end however slowly they are read, or late', async () => {
    const body = content(4 * 1024 * 1024);
    const heads: Record<string, string> = {
      length: `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      chunked: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      eof: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n',
      http10: `HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`,
    };
    let mode = 'length';
    server = await rawServer((s) => {
      const payload = mode === 'chunked' ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : body;
      s.end(Buffer.concat([Buffer.from(heads[mode]), payload]));
    });
    const slowly = () => {
      const until = Date.now() + 2; // a disk that takes its time: the server is done long before
      while (Date.now() < until);
    };
    for (mode of Object.keys(heads)) assert.deepEqual((await readAll(server.url, {}, slowly)).body, body, mode);
    // A body read only after the server has sent it all and closed.
    mode = 'length';
    const res = await http.request(server.url, { method: 'GET', headers: {} });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const parts: Buffer[] = [];
    await res.readBody((chunk) => void parts.push(Buffer.from(chunk)));
    assert.deepEqual(Buffer.concat(parts), body);
  });

  it('rejects with what the consumer threw and closes the connection', async () => {
    let closed = false;
    server = await rawServer((s) => {
      s.on('close', () => (closed = true));
      writeApart(s, ['HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n', Buffer.alloc(1000)]);
    });
    const ex = await http.request(server.url, { method: 'GET', headers: {} });
    const boom = new Error('disk full');
    await assert.rejects(
      ex.readBody(() => {
        throw boom;
      }),
      (err) => err === boom,
    );
    const deadline = Date.now() + 5000;
    while (!closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(closed, 'the server saw the connection close');
  });

  it('refuses a header value that would split the request, before connecting; rejects malformed heads; aborts on the signal', async () => {
    const malformed = await rawServer((s) => s.end('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'));
    server = malformed;
    await assert.rejects(http.request(malformed.url, { method: 'GET', headers: { 'if-range': '"x"\r\nevil: 1' } }), /invalid if-range header/);
    assert.equal(malformed.requests.length, 0);
    await assert.rejects(http.request(malformed.url, { method: 'GET', headers: {} }), /invalid header|parse error|HPE_/i);
    const silent = await rawServer(() => undefined);
    try {
      const ac = new AbortController();
      const pending = http.request(silent.url, { method: 'GET', headers: {}, signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    } finally {
      await silent.close();
    }
  });

  it('speaks TLS: trusts NODE_EXTRA_CA_CERTS, refuses a self-signed certificate unless http.proxyStrictSSL is off', async () => {
    const dir = tempDir('refscope-tls-');
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { encoding: 'utf8' });
      assert.equal(made.status, 0, `openssl (Debian's openssl package) made no certificate: ${made.stderr}`);
      const script = `
        const https = require('https'), fs = require('fs');
        const body = Buffer.alloc(3_000_000, 7);
        const srv = https.createServer({ key: fs.readFileSync(process.argv[1]), cert: fs.readFileSync(process.argv[2]) }, (req, res) => res.end(body));
        srv.listen(0, 'localhost', async () => {
          const { createHttpLayer } = require(process.argv[3]);
          const url = 'https://localhost:' + srv.address().port + '/m.bin';
          const out = [];
          try {
            const res = await createHttpLayer({ proxyStrictSSL: process.argv[4] !== 'lax' }, {}).request(url, { method: 'GET', headers: {} });
            let n = 0;
            await res.readBody((c) => { n += c.length; if (c.some((b) => b !== 7)) throw new Error('corrupt'); });
            out.push('ok ' + res.status + ' ' + n);
          } catch (err) { out.push('error ' + err.code); }
          console.log(out.join('\\n'));
          srv.close();
        });`;
      const client = path.join(__dirname, '..', '..', 'shared', 'models', 'httpClient.js');
      const trusted = spawnSync(process.execPath, ['-e', script, key, cert, client], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: cert }, timeout: 15_000 });
      assert.equal(trusted.stdout.trim(), 'ok 200 3000000', trusted.stderr);
      const untrusted = spawnSync(process.execPath, ['-e', script, key, cert, client], { encoding: 'utf8', timeout: 15_000 });
      assert.match(untrusted.stdout.trim(), /^error (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/, untrusted.stderr);
      const lax = spawnSync(process.execPath, ['-e', script, key, cert, client, 'lax'], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(lax.stdout.trim(), 'ok 200 3000000', lax.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
