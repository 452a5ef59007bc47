// A real HTTP server on 127.0.0.1 serving one file, with the faults a model pull must survive
// injected per test: ignored or misplaced ranges, changed files, resets, stalls, error pages,
// gzip, lying Content-Length, refused or lying HEAD, trickling bodies, Connection: close. Every request is recorded.
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/** A fault applied to one GET (consumed in order, one per GET). */
export interface GetFault {
  /** Destroy the connection after this many body bytes. */
  resetAfter?: number;
  /** Send this many body bytes, then nothing (the connection stays open). */
  stallAfter?: number;
}

export interface FaultConfig {
  content: Buffer;
  /** ETag sent (default: a hash of the content); null sends none. */
  etag?: string | null;
  lastModified?: string;
  /** Answer range requests with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Answer range requests with a 206 starting this many bytes off the requested start. */
  rangeOffsetError?: number;
  headStatus?: number;
  /** Content-Length announced by HEAD (default: the real one). */
  headLength?: number;
  /** Status for GET (with `errorBody`), instead of the file. */
  getStatus?: number;
  errorBody?: string;
  contentType?: string;
  gzip?: boolean;
  /** Chunked transfer, no Content-Length. */
  omitContentLength?: boolean;
  /** Content-Length announced instead of the real one (the body sent is the real one, then the connection closes). */
  contentLength?: number;
  contentDisposition?: string;
  /** Close the connection after each response (`Connection: close`). */
  connectionClose?: boolean;
  /** Body bytes per second (sent in 16 KiB slices), for slow transfers. */
  trickleBytesPerSec?: number;
  faults?: GetFault[];
}

export interface RecordedRequest {
  method: string;
  headers: http.IncomingHttpHeaders;
}

export interface FaultServer {
  url: string;
  /** Answers 302 to `url`. */
  redirectUrl: string;
  config: FaultConfig;
  requests: RecordedRequest[];
  /** GETs of the file (redirects not counted). */
  gets(): RecordedRequest[];
  close(): Promise<void>;
}

export function etagOf(content: Buffer): string {
  return `"${createHash('sha256').update(content).digest('hex').slice(0, 16)}"`;
}

function sendBody(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, fault: GetFault | undefined, trickle: number | undefined): void {
  const limit = Math.min(body.length, fault?.resetAfter ?? fault?.stallAfter ?? body.length);
  const slice = trickle ? 16 * 1024 : 64 * 1024;
  let pos = 0;
  const next = () => {
    if (res.destroyed) return;
    if (pos >= limit) {
      if (fault?.resetAfter !== undefined) req.socket.destroy();
      else if (fault?.stallAfter === undefined) res.end();
      return; // stall: keep the connection open, send nothing
    }
    const chunk = body.subarray(pos, Math.min(limit, pos + slice));
    pos += chunk.length;
    const delay = trickle ? (chunk.length / trickle) * 1000 : 0;
    res.write(chunk, () => (delay ? setTimeout(next, delay) : setImmediate(next)));
  };
  next();
}

export async function startFaultServer(config: FaultConfig): Promise<FaultServer> {
  const requests: (RecordedRequest & { url: string })[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', headers: req.headers, url: req.url ?? '' });
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/files/model.bin' }).end();
      return;
    }
    const c = server_.config;
    const etag = c.etag === undefined ? etagOf(c.content) : c.etag;
    const common: Record<string, string> = {};
    if (etag) common.etag = etag;
    if (c.lastModified) common['last-modified'] = c.lastModified;
    if (c.contentDisposition) common['content-disposition'] = c.contentDisposition;
    common['content-type'] = c.contentType ?? 'application/octet-stream';
    if (c.connectionClose) common.connection = 'close';

    if (req.method === 'HEAD') {
      if (c.headStatus && c.headStatus !== 200) {
        res.writeHead(c.headStatus).end();
        return;
      }
      res.writeHead(200, { ...common, 'content-length': String(c.headLength ?? c.content.length), 'accept-ranges': 'bytes' }).end();
      return;
    }
    if (c.getStatus && c.getStatus !== 200) {
      res.writeHead(c.getStatus, { 'content-type': c.contentType ?? 'text/plain' }).end(c.errorBody ?? `error ${c.getStatus}`);
      return;
    }
    const fault = c.faults?.shift();
    if (c.errorBody !== undefined) {
      res.writeHead(200, { 'content-type': c.contentType ?? 'text/html', 'content-length': String(Buffer.byteLength(c.errorBody)) }).end(c.errorBody);
      return;
    }
    if (c.gzip) {
      const gz = zlib.gzipSync(c.content);
      res.writeHead(200, { ...common, 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      sendBody(req, res, gz, fault, c.trickleBytesPerSec);
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const validatorMatches = !ifRange || ifRange === etag || (c.lastModified !== undefined && ifRange === c.lastModified);
    if (range && !c.ignoreRange && validatorMatches) {
      const start = Number(range[1]);
      if (start >= c.content.length) {
        res.writeHead(416, { 'content-range': `bytes */${c.content.length}` }).end();
        return;
      }
      const shown = start + (c.rangeOffsetError ?? 0);
      const body = c.content.subarray(shown);
      res.writeHead(206, { ...common, 'content-range': `bytes ${shown}-${c.content.length - 1}/${c.content.length}`, 'content-length': String(body.length) });
      sendBody(req, res, body, fault, c.trickleBytesPerSec);
      return;
    }
    const headers: Record<string, string> = { ...common, 'accept-ranges': 'bytes' };
    if (!c.omitContentLength) headers['content-length'] = String(c.contentLength ?? c.content.length);
    res.writeHead(200, headers);
    if (c.contentLength !== undefined && c.contentLength > c.content.length) {
      res.write(c.content, () => req.socket.destroy());
      return;
    }
    sendBody(req, res, c.content, fault, c.trickleBytesPerSec);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const server_: FaultServer = {
    url: `http://127.0.0.1:${port}/files/model.bin`,
    redirectUrl: `http://127.0.0.1:${port}/redirect`,
    config,
    requests,
    gets: () => requests.filter((r) => r.method === 'GET' && r.url !== '/redirect'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return server_;
}
