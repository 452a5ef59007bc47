// The HTTP layer pulls go through: one lean HTTP/1.1 exchange per request (see http1.ts for
// why not node's http, nor fetch, whose stream adapters cost a third of the throughput),
// following redirects, the body handed to the transfer as it arrives so it can write and hash
// each piece at once. Injectable for fault tests.
import { exchange } from './http1';

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
   * during the call (its memory is reused); a promise returned pauses reading until it
   * settles; throwing closes the connection and rejects with what was thrown.
   */
  readBody(onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  /** Close the connection without reading (the rest of) the body. */
  discard(): void;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpLayer {
  request(url: string, req: HttpRequest): Promise<HttpResponse>;
}

const MAX_REDIRECTS = 5;

export const nodeHttp: HttpLayer = {
  async request(url: string, req: HttpRequest): Promise<HttpResponse> {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      const { head, readBody, discard } = await exchange(current, req.method, req.headers, req.signal);
      const response = { status: head.status, headers: head.headers, readBody, discard, url: current.toString() };
      const location = head.headers.location;
      if (head.status < 300 || head.status >= 400 || !location || hop >= MAX_REDIRECTS) return response;
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return response;
      discard();
      current = next;
    }
  },
};
