// The server's message reading and writing: bodies cut into chunks at every byte (so each
// multi-byte character is split between chunks somewhere, and each header too), ASCII and not,
// one body longer than its chunk, a body that is not JSON and a header without a length. The whole path over a real pipe is in
// features.test.ts (a large document with such characters, opened and diagnosed); here the
// server's exit when its client closes stdin.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { ShutdownRequest } from 'vscode-languageserver-protocol';
import type { Message } from 'vscode-languageserver/node';
import { bodyPieces, FramedReader, FramedWriter } from '../../server/stdioConnection';
import { writeFixture } from './fixture';
import { LspTestClient } from './lspClient';

function framedText(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
}

const framed = (message: unknown) => framedText(JSON.stringify(message));

/** Writes `bytes` in pieces of `size` and collects the messages (and errors) the reader makes of them. */
async function readAll(bytes: Buffer, size: number, expected: number): Promise<{ messages: Message[]; errors: Error[] }> {
  const stream = new PassThrough();
  const reader = new FramedReader(stream);
  const messages: Message[] = [];
  const errors: Error[] = [];
  reader.onError((e) => errors.push(e));
  const done = new Promise<void>((resolve) => {
    reader.listen((m) => {
      messages.push(m);
      if (messages.length === expected) resolve();
    });
  });
  for (let i = 0; i < bytes.length; i += size) stream.write(bytes.subarray(i, i + size));
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 2000))]);
  reader.dispose();
  return { messages, errors };
}

describe('server: stdio messages, read and written', () => {
  const text = 'naïve café → 中文 😀 sha256:' + 'a'.repeat(64) + '\n"quoted" \\ back\u0000slash';
  const open = { jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///x.md', languageId: 'markdown', version: 1, text } } };
  // ASCII bytes whose escapes stand for characters outside it.
  const escaped = '{"jsonrpc":"2.0","id":7,"result":"caf\\u00e9 \\ud83d\\ude00 \\"q\\""}';

  it('reads multi-byte UTF-8 split across chunks at every byte, and ASCII bodies, as the same messages', async () => {
    const bytes = Buffer.concat([framed(open), framed({ jsonrpc: '2.0', id: 1, result: 'plain ascii' }), framed(open)]);
    for (const size of [1, 2, 3, 5, 7, 64 * 1024]) {
      const { messages, errors } = await readAll(bytes, size, 3);
      assert.deepEqual(errors, [], `chunks of ${size}`);
      assert.deepEqual(messages, [open, { jsonrpc: '2.0', id: 1, result: 'plain ascii' }, open], `chunks of ${size}`);
    }
    const { messages } = await readAll(framedText(escaped), 3, 1);
    assert.deepEqual(messages, [{ jsonrpc: '2.0', id: 7, result: 'café 😀 "q"' }]);
  });

  it('writes each message framed whole, in order, as the reader reads them back', async () => {
    const stream = new PassThrough();
    const writer = new FramedWriter(stream);
    const written: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => written.push(chunk));
    const sent = [open, { jsonrpc: '2.0', id: 1, result: 'plain ascii' }, open];
    await Promise.all(sent.map((m) => writer.write(m as Message)));
    // One write per message: the header never goes out alone.
    assert.equal(written.length, sent.length);
    const { messages, errors } = await readAll(Buffer.concat(written), 5, 3);
    assert.deepEqual(errors, []);
    assert.deepEqual(messages, sent);
  });

  it('writes a response with a long array result in pieces whose bytes are those of the whole message', async () => {
    const result = Array.from({ length: 2500 }, (_, i) => ({ uri: `file:///notes/café-${i % 7}.md`, range: { start: { line: i, character: 2 }, end: { line: i, character: 73 } } }));
    const long = { jsonrpc: '2.0', id: 12, result } as Message;
    const pieces = bodyPieces(long);
    assert.ok(pieces.length > 2, `in pieces (${pieces.length})`);
    assert.deepEqual(Buffer.concat(pieces), Buffer.from(JSON.stringify(long), 'utf8'));
    assert.deepEqual(bodyPieces({ jsonrpc: '2.0', id: 13, result: result.slice(0, 3) } as Message), [Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 13, result: result.slice(0, 3) }), 'utf8')]);
    const stream = new PassThrough();
    const writer = new FramedWriter(stream);
    const written: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => written.push(chunk));
    await Promise.all([long, open, long].map((m) => writer.write(m as Message)));
    assert.deepEqual(Buffer.concat(written), Buffer.concat([framed(long), framed(open), framed(long)]));
    const { messages, errors } = await readAll(Buffer.concat(written), 64 * 1024, 3);
    assert.deepEqual(errors, []);
    assert.deepEqual(messages, [long, open, long]);
  });

  it('rejects a write the stream fails, and reports the error', async () => {
    const stream = new PassThrough();
    const writer = new FramedWriter(stream);
    const reported: Error[] = [];
    writer.onError(([e]) => reported.push(e));
    stream.destroy();
    await assert.rejects(writer.write(open as Message));
    assert.ok(reported.length >= 1);
  });

  it('reports a body that is not JSON as an error, and reads the next message', async () => {
    const bad = Buffer.from('{"jsonrpc": "2.0", "method": ', 'ascii');
    const bytes = Buffer.concat([Buffer.from(`Content-Length: ${bad.length}\r\n\r\n`, 'ascii'), bad, framed(open)]);
    const { messages, errors } = await readAll(bytes, 4, 1);
    assert.equal(errors.length, 1);
    assert.deepEqual(messages, [open]);
  });

  it('reads a header with a content type beside its length, and reports one without a length', async () => {
    const body = Buffer.from(JSON.stringify(open), 'utf8');
    const typed = Buffer.concat([Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    const bytes = Buffer.concat([Buffer.from('Content-Type: application/json\r\n\r\n', 'ascii'), typed, framed(open)]);
    for (const size of [1, 64 * 1024]) {
      const { messages, errors } = await readAll(bytes, size, 2);
      assert.equal(errors.length, 1, `chunks of ${size}`);
      assert.match(errors[0].message, /Content-Length/);
      assert.deepEqual(messages, [open, open], `chunks of ${size}`);
    }
  });
});

describe('server: stdio lifetime', function () {
  this.timeout(30000);
  let dir: string;
  before(() => {
    dir = writeFixture().dir;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The server's exit code once the client closes its stdin, after a shutdown request or not. */
  async function exitCodeWhenStdinCloses(shutdownFirst: boolean): Promise<number | null> {
    const client = await LspTestClient.start(dir);
    try {
      const exited = new Promise<number | null>((resolve) => client.proc.once('exit', (code) => resolve(code)));
      if (shutdownFirst) await client.connection.sendRequest(ShutdownRequest.type);
      client.proc.stdin!.end();
      return await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10000))]).then((c) => {
        if (c === 'still running') throw new Error('the server kept running after its stdin closed');
        return c;
      });
    } finally {
      await client.stop();
    }
  }

  it('exits when the client closes stdin: 0 after a shutdown request, 1 without one', async () => {
    assert.equal(await exitCodeWhenStdinCloses(true), 0);
    assert.equal(await exitCodeWhenStdinCloses(false), 1);
  });
});
