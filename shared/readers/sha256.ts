// sha256 hex of a whole string (as UTF-8) or buffer, in one call: the readers hash every
// artifact and every chained log line, and crypto.hash does that in about a third of the time
// of createHash().update().digest(), which builds a Hash object per input (~3 us each).
import { hash } from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}
