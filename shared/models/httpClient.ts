// The HTTP layer pulls go through: undici's dispatcher, whose handler gets each piece of the
// body as it arrives (a view of the socket's read, no stream adapters: Node's http module and
// fetch's streams cost three times the CPU of hashing and writing), so the transfer can write
// and hash each piece at once. Redirects are followed here so the transfer learns the URL that
// answered. Proxies as CONTRACT 5 "Networks" says: HTTPS_PROXY/HTTP_PROXY/NO_PROXY (either
// case) through undici's EnvHttpProxyAgent, with VS Code's http.* settings over them; extra
// certificate authorities come from NODE_EXTRA_CA_CERTS through Node's default TLS store.
// Injectable for fault tests.
import type * as net from 'node:net';
import { Agent, EnvHttpProxyAgent, type Dispatcher, type ProxyAgent } from 'undici';

export interface HttpRequest {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ', '. */
  headers: Record<string, string | undefined>;
  /**
   * Hand the body to `onChunk` as it arrives, resolving at its end. A chunk is valid only
   * during the call; the socket is read no faster than `onChunk` returns; throwing closes the
   * connection and rejects with what was thrown.
   */
  readBody(onChunk: (chunk: Buffer) => void): Promise<void>;
  /** Close the connection without reading (the rest of) the body. */
  discard(): void;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpLayer {
  request(url: string, req: HttpRequest): Promise<HttpResponse>;
}

/** The editor's network settings (VS Code's `http.proxy`, `http.proxyStrictSSL`, `http.noProxy`). */
export interface NetworkSettings {
  /** A proxy for every URL, over HTTPS_PROXY/HTTP_PROXY. */
  proxy?: string;
  /** false: accept any certificate, from the proxy and from the host (default true). */
  proxyStrictSSL?: boolean;
  /** Hosts reached directly, beside those in NO_PROXY. */
  noProxy?: string[];
}

const MAX_REDIRECTS = 5;

/** An HTTP layer over one connection pool, routed through the proxies the environment and `network` name. */
export function createHttpLayer(network: NetworkSettings = {}, env: NodeJS.ProcessEnv = process.env): HttpLayer {
  const dispatcher = dispatcherFor(network, env);
  return {
    async request(url: string, req: HttpRequest): Promise<HttpResponse> {
      let current = new URL(url);
      for (let hop = 0; ; hop++) {
        const response = await exchange(dispatcher, current, req);
        const location = response.headers.location;
        if (response.status < 300 || response.status >= 400 || !location || hop >= MAX_REDIRECTS) return response;
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') return response;
        response.discard();
        current = next;
      }
    },
  };
}

let environmentLayer: HttpLayer | undefined;

/** The layer for pulls given no editor settings (the CLI): the environment's proxies only. */
export function environmentHttp(): HttpLayer {
  return (environmentLayer ??= createHttpLayer());
}

function dispatcherFor(network: NetworkSettings, env: NodeJS.ProcessEnv): Dispatcher {
  const strict = network.proxyStrictSSL !== false;
  const tls = strict ? {} : { rejectUnauthorized: false };
  const httpProxy = network.proxy || env.http_proxy || env.HTTP_PROXY;
  const httpsProxy = network.proxy || env.https_proxy || env.HTTPS_PROXY;
  // Idle pooled sockets must not keep a finished `refscope pull` alive.
  const agentOptions = { connect: { ...tls, onread: { buffer: socketReadBuffer, callback: parseNow } }, keepAliveTimeout: 1000 };
  if (!httpProxy && !httpsProxy) return new Agent(agentOptions);
  const noProxy = [env.no_proxy ?? env.NO_PROXY ?? '', ...(network.noProxy ?? [])].map((s) => s.trim()).filter(Boolean).join(',');
  // EnvHttpProxyAgent hands its options to each ProxyAgent it makes, TLS options included.
  const options: EnvHttpProxyAgent.Options & Pick<ProxyAgent.Options, 'requestTls' | 'proxyTls'> = { ...agentOptions, httpProxy, httpsProxy, noProxy, requestTls: tls, proxyTls: tls };
  return quietly(() => new EnvHttpProxyAgent(options));
}

/**
 * undici marks EnvHttpProxyAgent experimental with a process warning on stderr: noise a user of
 * `refscope pull` cannot act on, so only that warning is held back while it is made.
 */
function quietly<T>(make: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code !== 'UNDICI-EHPA') (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * The one buffer direct connections (no proxy; plain or TLS) read into. A socket left to itself
 * reads into a fresh 64 KiB buffer per read, and those pages fault in anew each time: measured
 * over loopback, 0.33-0.69 CPU s per GiB read against 0.15-0.25 into one reused buffer. One
 * buffer serves every socket because each read is handed on, and consumed, before the next.
 * 256 KiB: over loopback a read then returns 236 KiB on average, so a GiB takes 4.5k reads and
 * passes through the parser and the transfer's callbacks 4.5k times instead of 17k at 64 KiB:
 * in three A/B runs against the bench's server (load 5-8) the receiving thread used 0.65, 0.52
 * and 0.57 CPU s per GiB against 0.67, 0.61 and 1.12. The transfer still writes 64 KiB at a
 * time (see syncWriter).
 */
const socketReadBuffer = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * A socket's `onread`: hands the piece to undici's parser at once, which copies it into its own
 * memory and gives the body to `onData` (whose consumer is synchronous: see exchange) before this
 * returns, so the shared buffer is free again. A piece nobody parsed (no request yet, a parser
 * gone) stays with the socket as a copy, as a socket's own read would have.
 */
function parseNow(this: net.Socket, bytes: number, buffer: Uint8Array): boolean {
  if (this.destroyed) return false;
  this.push(buffer.subarray(0, bytes));
  this.emit('readable'); // undici reads the socket on 'readable'
  if (this.readableLength > 0) {
    const unparsed = this.read() as Buffer | null;
    if (unparsed) this.unshift(Buffer.from(unparsed));
  }
  return true;
}

/** Lower-case names, repeated headers joined with ', ' (undici hands raw name/value pairs). */
function headerRecord(raw: Buffer[] | string[] | null): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  if (!raw) return headers;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString().toLowerCase();
    const value = raw[i + 1].toString();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

type Consumer = (chunk: Buffer) => void;

/**
 * Body bytes held for a response whose body nobody reads yet (the transfer reads or discards at
 * once, so this is a safety bound, not a buffer size); past it the request fails.
 */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

/**
 * One request; resolves at the response head. undici's parser is never paused: undici 6 and 7
 * assert (an uncatchable AssertionError from the socket's 'end' handler: the process dies) when
 * a server closes a non-keep-alive response while the parser is paused (nodejs/undici#5360,
 * fixed only in undici 8, which needs Node 22.19). So the body is read synchronously as it
 * arrives (the consumer's own work is the back-pressure, as with any blocking reader), and the
 * pieces that arrive between the head and `readBody` are held as copies.
 */
function exchange(dispatcher: Dispatcher, url: URL, req: HttpRequest): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolveHead, rejectHead) => {
    let abort: ((reason?: Error) => void) | undefined;
    let consumer: Consumer | undefined;
    let headDone = false;
    let settled = false;
    let complete = false;
    let resolveBody!: () => void;
    let rejectBody!: (err: unknown) => void;
    const body = new Promise<void>((resolve, reject) => {
      resolveBody = resolve;
      rejectBody = reject;
    });
    body.catch(() => undefined); // a discarded body's end is nobody's error
    const signal = req.signal;
    const onAbort = () => fail(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (!headDone) rejectHead(err);
      else if (err === undefined) resolveBody();
      else rejectBody(err);
    };
    function fail(err: unknown): void {
      finish(err);
      abort?.(err instanceof Error ? err : new Error(String(err)));
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const unread: Buffer[] = [];
    let unreadBytes = 0;
    const deliver = (chunk: Buffer): void => {
      if (settled) return;
      if (consumer) {
        try {
          consumer(chunk);
        } catch (err) {
          fail(err);
        }
        return;
      }
      unreadBytes += chunk.length;
      if (unreadBytes > MAX_UNREAD_BYTES) fail(new Error(`more than ${MAX_UNREAD_BYTES} bytes of the body arrived before anyone read it`));
      else unread.push(Buffer.from(chunk));
    };
    const startReading = (onChunk: Consumer) => {
      if (settled) return;
      try {
        for (const chunk of unread.splice(0)) onChunk(chunk);
      } catch (err) {
        return fail(err);
      }
      consumer = onChunk;
      if (complete) finish();
    };

    const handler: Dispatcher.DispatchHandlers = {
      onConnect(abortRequest) {
        abort = abortRequest;
        if (settled) abortRequest();
      },
      onHeaders(status, rawHeaders) {
        headDone = true;
        resolveHead({
          status,
          headers: headerRecord(rawHeaders),
          url: url.toString(),
          readBody(onChunk) {
            startReading(onChunk);
            return body;
          },
          discard: () => fail(new Error('discarded')),
        });
        return true;
      },
      onData(chunk) {
        deliver(chunk);
        return true;
      },
      onComplete() {
        complete = true;
        if (consumer) finish();
      },
      onError: (err) => finish(err),
    };
    try {
      dispatcher.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: req.method, headers: req.headers }, handler);
    } catch (err) {
      finish(err);
    }
  });
}
