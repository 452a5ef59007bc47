// Audit or plain? A `.jsonl` whose first parseable record has prev_hash + hash + event is a
// hash-chained audit log; anything else is read as plain events.
import { auditFormat } from './auditLog';
import type { LineFormat } from './lineLog';
import { plainFormat } from './plainJsonl';

/** How far into a log to look for its first parseable record. */
const HEAD = 64 * 1024;

/** The format of a log from its first parseable record; `decided` is false when there is none yet. */
export function detectJsonlFormat(bytes: Buffer): { format: LineFormat<unknown>; decided: boolean } {
  const head = bytes.subarray(0, HEAD).toString('utf8');
  const lines = head.split('\n');
  // The last piece is unterminated: a record being written decides only for this read.
  const last = lines.pop()!;
  for (const line of lines) {
    const format = formatOf(line);
    if (format) return { format, decided: true };
  }
  return { format: formatOf(last) ?? (plainFormat as LineFormat<unknown>), decided: false };
}

function formatOf(line: string): LineFormat<unknown> | undefined {
  if (line.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const audit = 'prev_hash' in o && 'hash' in o && 'event' in o;
  return (audit ? auditFormat : plainFormat) as LineFormat<unknown>;
}

export const JSONL_FORMATS = [auditFormat, plainFormat] as LineFormat<unknown>[];
