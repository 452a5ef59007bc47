// The faults (and the look-alikes that are not faults) planted in the demo on purpose,
// recorded where they are planted so the README, the CLI summary and the tests all name
// the same places instead of each re-deriving them.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FaultKind =
  | 'tampered-artifact'
  | 'broken-chain'
  | 'truncated-line'
  | 'bad-blake3'
  | 'dangling-ref'
  | 'ambiguous-ref'
  | 'traversal-ref'
  | 'manifest-outside-store'
  | 'pruned-artifact'
  | 'canonical-bytes'
  | 'run-id'
  | 'state-fingerprint';

export interface PlantedFault {
  kind: FaultKind;
  /** False for states Refscope must handle but not report as errors (pruned, canonical-only, a torn last line). */
  fault: boolean;
  /** Path relative to the demo folder, with `/` separators. */
  file: string;
  /** 1-based line, for text files. */
  line?: number;
  /** Event sequence, for the SQLite store. */
  sequence?: number;
  ref?: string;
  what: string;
}

export class FaultLog {
  readonly planted: PlantedFault[] = [];

  constructor(private readonly dir: string) {}

  add(fault: Omit<PlantedFault, 'file' | 'fault'> & { file: string; fault?: boolean }): void {
    const file = path.relative(this.dir, fault.file).split(path.sep).join('/');
    this.planted.push({ ...fault, fault: fault.fault ?? true, file });
  }
}

/** The 1-based line of `file` where `text` first appears (where `refscope verify` reports a ref planted there). */
export function lineOf(file: string, text: string): number {
  const content = fs.readFileSync(file, 'utf8');
  const at = content.indexOf(text);
  if (at < 0) throw new Error(`${text} is not in ${file}`);
  let line = 1;
  for (let i = content.indexOf('\n'); i !== -1 && i < at; i = content.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Changes an artifact's bytes after it was named by their hash, the way a hand edit or a
 * buggy rewriter would: the JSON stays valid, so only the hash check can tell.
 */
export function tamperJsonArtifact(file: string, edit: (value: Record<string, unknown>) => void): void {
  const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value));
}
