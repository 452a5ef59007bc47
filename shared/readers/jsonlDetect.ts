// Audit or plain? A `.jsonl` whose first parseable record has prev_hash + hash + event is a
// hash-chained audit log; anything else is read as plain events.
import { auditFormat } from './auditLog';
import type { LineFormat } from './lineLog';
import { plainFormat } from './plainJsonl';

/** How many leading lines may be junk before a log counts as plain. */
const MAX_PROBE_LINES = 32;

/** The format of a log from its first parseable record; `decided` is false when there is none yet. */
export function detectJsonlFormat(bytes: Buffer): { format: LineFormat<unknown>; decided: boolean } {
  let pos = 0;
  for (let n = 0; n < MAX_PROBE_LINES; n++) {
    if (pos >= bytes.length) return { format: plainFormat as LineFormat<unknown>, decided: false };
    const nl = bytes.indexOf(10, pos);
    const format = formatOf(bytes.toString('utf8', pos, nl === -1 ? bytes.length : nl));
    // An unterminated last line (a record being written) decides only for this read.
    if (format) return { format, decided: nl !== -1 };
    if (nl === -1) return { format: plainFormat as LineFormat<unknown>, decided: false };
    pos = nl + 1;
  }
  return { format: plainFormat as LineFormat<unknown>, decided: true };
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
