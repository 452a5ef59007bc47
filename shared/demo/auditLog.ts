// Hash-chained audit JSONL (CONTRACT 1.4.1), as the runtime appends it:
// `{"algo_version":2,"prev_hash":P,"hash":H,"event":E}` a line, where
// H = "sha256:" + sha256(canonical_json({"prev_hash": P, "event": E})) and the first P is
// "sha256:" + 64 zeros.
import { canonicalJson } from '../canonicalJson';
import { sha256Hex } from './artifactWriter';
import { LineWriter } from './lineWriter';

export const GENESIS_HASH = 'sha256:' + '0'.repeat(64);

export interface AuditRecord {
  algo_version: 2;
  prev_hash: string;
  hash: string;
  event: unknown;
}

export function auditRecord(prevHash: string, event: unknown): AuditRecord {
  const hash = 'sha256:' + sha256Hex(canonicalJson({ prev_hash: prevHash, event }));
  return { algo_version: 2, prev_hash: prevHash, hash, event };
}

function recordLine(record: AuditRecord): string {
  return `{"algo_version":2,"prev_hash":${JSON.stringify(record.prev_hash)},"hash":${JSON.stringify(record.hash)},"event":${canonicalJson(record.event)}}`;
}

export class AuditLogWriter {
  /** Hash of the last record written: what a run capsule pins as `audit_head_hash`. */
  head = GENESIS_HASH;
  private beforeHead: string | undefined;
  private readonly out: LineWriter;

  constructor(readonly file: string) {
    this.out = new LineWriter(file);
  }

  /** Appends one record; returns its 1-based line number. */
  append(event: unknown): number {
    return this.write(auditRecord(this.head, event));
  }

  /**
   * Appends a record whose `prev_hash` names the record two lines up instead of the one
   * just above, as if that line had been slipped in later: its own hash is consistent, the
   * link to the line above is not, and what it names still exists (a broken link, not a
   * dangling ref). Later records chain from it, so exactly one link is broken.
   */
  appendSkippingPrevious(event: unknown): number {
    if (this.beforeHead === undefined) throw new Error('appendSkippingPrevious needs two records above it');
    return this.write(auditRecord(this.beforeHead, event));
  }

  /**
   * Appends a record cut just after the first `cutAfter` in it, with no newline: a writer
   * killed mid-append. Cut where no digest is left in the torn text except the complete
   * prev_hash: half a digest would read as an abbreviated ref, and the hash of a record that
   * never landed would name nothing.
   */
  appendTorn(event: unknown, cutAfter: string): number {
    const line = recordLine(auditRecord(this.head, event));
    const at = line.indexOf(cutAfter);
    if (at < 0) throw new Error(`appendTorn: '${cutAfter}' is not in the record`);
    this.out.raw(line.slice(0, at + cutAfter.length));
    return this.out.lines + 1;
  }

  private write(record: AuditRecord): number {
    this.out.line(recordLine(record));
    if (this.head !== GENESIS_HASH) this.beforeHead = this.head;
    this.head = record.hash;
    return this.out.lines;
  }

  close(): void {
    this.out.close();
  }
}
