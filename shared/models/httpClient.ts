// The HTTP layer pulls go through: node's own http/https (no fetch: its stream adapters cost
// a third of the throughput), following redirects, with the body left as a raw stream so the
// transfer can write and hash each chunk as it arrives. Injectable for fault tests.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpRequest {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ', '. */
  headers: Record<string, string | undefined>;
  body: Readable;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpLayer {
  request(url: string, req: HttpRequest): Promise<HttpResponse>;
}

const MAX_REDIRECTS = 5;

function flatten(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function once(url: string, req: HttpRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const r = lib.request(url, { method: req.method, headers: req.headers, signal: req.signal, agent: false }, resolve);
    r.on('error', reject);
    r.end();
  });
}

export const nodeHttp: HttpLayer = {
  async request(url: string, req: HttpRequest): Promise<HttpResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const res = await once(current, req);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && hop < MAX_REDIRECTS) {
        res.resume();
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          return { status, headers: flatten(res.headers), body: res, url: current };
        }
        current = next.toString();
        continue;
      }
      return { status, headers: flatten(res.headers), body: res, url: current };
    }
  },
};
