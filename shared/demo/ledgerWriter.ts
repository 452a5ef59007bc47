// Record-chained JSONL ledgers (CONTRACT 1.4.2) byte for byte as a Python runtime appends
// them: each line is `json.dumps(record)` (`", "`/`": "` separators, keys in insertion
// order), and, when chained, `prev_hash` is null then the previous `record_hash`, where
// record_hash = sha256 hex of `json.dumps(record_without_hash_and_signature,
// sort_keys=True, separators=(",", ":"))`. Floats keep their Python lexeme (`1.0`), so a
// verifier that re-serialises through JavaScript numbers gets a different hash.
import * as fs from 'node:fs';
import { sha256Hex } from './artifactWriter';
import { pythonDumps } from './pythonJson';

export class LedgerWriter {
  private prevHash: string | null = null;
  private readonly lines: string[] = [];

  constructor(
    readonly file: string,
    private readonly options: { chained: boolean; sign?: (recordHash: string) => string },
  ) {}

  append(record: Record<string, unknown>): void {
    if (!this.options.chained) {
      this.lines.push(pythonDumps(record));
      return;
    }
    const chained: Record<string, unknown> = { ...record, prev_hash: this.prevHash };
    const recordHash = sha256Hex(pythonDumps(chained, { sortKeys: true, compact: true }));
    chained.record_hash = recordHash;
    if (this.options.sign) chained.signature = this.options.sign(recordHash);
    this.lines.push(pythonDumps(chained));
    this.prevHash = recordHash;
  }

  close(): void {
    fs.writeFileSync(this.file, this.lines.map((l) => l + '\n').join(''));
  }
}
