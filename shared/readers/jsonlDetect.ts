// Audit or plain? A `.jsonl` whose first parseable record has prev_hash + hash + event is a
// hash-chained audit log; anything else is read as plain events.
import { auditFormat } from './auditLog';
import type { LineFormat } from './lineLog';
import { plainFormat } from './plainJsonl';

/** How far into a log to look for its first parseable record. */
const HEAD = 64 * 1024;

export function detectJsonlFormat(bytes: Buffer): LineFormat<unknown> {
  const head = bytes.subarray(0, HEAD).toString('utf8');
  for (const line of head.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
    const audit = 'prev_hash' in o && 'hash' in o && 'event' in o;
    return (audit ? auditFormat : plainFormat) as LineFormat<unknown>;
  }
  return plainFormat as LineFormat<unknown>;
}

export const JSONL_FORMATS = [auditFormat, plainFormat] as LineFormat<unknown>[];
