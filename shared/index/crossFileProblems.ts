// Problems no single file can know (CONTRACT 1.2, 3): a pointer with no target (dangling; a
// fingerprint or run id with none is no problem, CONTRACT 1.8), an abbreviation matching
// several artifacts (ambiguous); plus the per-ref ones (invalid,
// upper-case hex) derived here from occurrences so every reader gets them alike. Computed
// for the whole workspace at once and cached until the index changes.
import type { Occurrence, Problem } from '../records';
import { lookup, queryOfKey, ZERO_DIGEST, type Lookup } from './lookup';
import { knownRunId } from './runs';
import type { MemoryIndex } from './memoryIndex';

function at(path: string, o: Occurrence, severity: Problem['severity'], code: Problem['code'], message: string): Problem {
  return { file: path, line: o.line, col: o.col, endCol: o.endCol, severity, code, message };
}

/**
 * What a pass keeps of each lookup: that it resolved, or why not. Not the target: an event
 * is made from its columns per ask, and a pass over a log's 100k chain hashes must not hold
 * them all.
 */
type Memo = Map<string, Exclude<Lookup, { target: unknown }> | 'resolved'>;

/** Whether an artifact answers to the occurrence's full key (and namespace, when it names one). */
function namesArtifact(store: MemoryIndex, o: Occurrence): boolean {
  const list = store.artifactsByKey.get(o.key);
  if (!list) return false;
  return o.form !== 'namespaced' || list.some((a) => a.namespace === o.namespace);
}

/** The ref problems of one file's occurrences; `memo` shares lookups across files in one pass (a ref recurs in many). */
export function refProblems(store: MemoryIndex, path: string, occurrences: Occurrence[], memo: Memo = new Map()): Problem[] {
  const out: Problem[] = [];
  for (const o of occurrences) {
    if (o.invalid) {
      out.push(at(path, o, 'error', 'invalid-ref', `invalid ref ${JSON.stringify(o.text)}: ${o.invalid}`));
      continue;
    }
    if (o.upperCase) out.push(at(path, o, 'information', 'non-canonical', `ref written with upper-case hex: canonical refs are lower case (${o.key})`));
    // Most refs name an artifact by its full key (in its namespace, for namespaced ones): one Map
    // probe on the shared key string settles them, as lookup would, without a query and a target.
    if (o.form !== 'abbreviated' && namesArtifact(store, o)) continue;
    const q = queryOfKey(o.key, o.form, o.namespace);
    if (q.value === ZERO_DIGEST) continue;
    // Forms that resolve alike share one lookup: namespaced and abbreviated ones also by namespace.
    const scoped = o.form === 'namespaced' || o.form === 'abbreviated';
    const memoKey = scoped ? `${o.form}\0${o.namespace ?? ''}\0${o.key}` : o.key;
    let r = memo.get(memoKey);
    if (!r) {
      const found = lookup(store, q);
      memo.set(memoKey, (r = 'target' in found ? 'resolved' : found));
    }
    if (r === 'resolved') continue;
    if (r.error === 'ambiguous') {
      out.push(at(path, o, 'warning', 'ambiguous-ref', `ambiguous ref ${o.text}: ${r.message} (${(r.candidates ?? []).join(', ')})`));
    } else if (o.role === undefined && knownRunId(store, o.text) === undefined && knownRunId(store, o.key) === undefined) {
      // Only a pointer promises that something is stored: a fingerprint or a run id that
      // resolves to nothing names bytes no runtime keeps (a state hash, a run's own id). A
      // pointer that names a run (a run id in a note) resolves to that run.
      out.push(at(path, o, 'warning', 'dangling-ref', `dangling ref ${o.text}: ${r.message}`));
    }
  }
  return out;
}

/** A reader may report the same ref problem itself; keep one per place and code. */
export function mergeProblems(own: Problem[], derived: Problem[]): Problem[] {
  if (derived.length === 0) return own;
  const seen = new Set(own.map((p) => `${p.code}\0${p.line}\0${p.col}`));
  return own.concat(derived.filter((p) => !seen.has(`${p.code}\0${p.line}\0${p.col}`)));
}

/**
 * The derived problems of every file, kept current incrementally: after a change only the
 * changed files, the files mentioning a key whose target appeared or vanished, and (when an
 * artifact did) the files with abbreviated refs are checked again, not all 600k refs of a
 * 100k-artifact workspace on every save in the editor.
 */
export class CrossFileProblems {
  private generation = -1;
  private readonly byFile = new Map<string, Problem[]>();
  private danglingCount = 0;
  /** Derived problems that are not also a reader's own (mergeProblems keeps them): a file's, and all files'. */
  private readonly addedByFile = new Map<string, number>();
  private addedCount = 0;
  /** Files whose derived problems were recomputed (their saved copies are stale). */
  private touched = new Set<string>();

  constructor(private readonly store: MemoryIndex) {}

  private recheck(path: string, memo: Memo): void {
    const old = this.byFile.get(path);
    if (old) {
      this.danglingCount -= old.filter((p) => p.code === 'dangling-ref').length;
      this.touched.add(path);
    }
    this.forget(path);
    if (!this.store.get(path)?.occCount) return;
    const found = refProblems(this.store, path, this.store.occurrencesIn(path), memo);
    if (found.length === 0) return;
    this.touched.add(path);
    this.keep(path, found);
  }

  private keep(path: string, found: Problem[]): void {
    this.byFile.set(path, found);
    this.danglingCount += found.filter((p) => p.code === 'dangling-ref').length;
    const own = this.store.get(path)?.record.problems ?? [];
    const added = mergeProblems(own, found).length - own.length;
    this.addedByFile.set(path, added);
    this.addedCount += added;
  }

  private forget(path: string): void {
    this.byFile.delete(path);
    this.addedCount -= this.addedByFile.get(path) ?? 0;
    this.addedByFile.delete(path);
  }

  private refresh(): void {
    if (this.generation === this.store.generation) return;
    const { files, keys } = this.store.drainChanges();
    const todo = new Set<string>(this.generation === -1 ? this.store.files.keys() : files);
    for (const k of keys) for (const p of this.store.filesMentioning(k)) todo.add(p);
    if ([...keys].some((k) => k.startsWith('sha256:'))) for (const p of this.store.filesWithAbbreviations()) todo.add(p);
    const memo: Memo = new Map();
    for (const p of todo) this.recheck(p, memo);
    this.generation = this.store.generation;
  }

  /**
   * Takes the problems saved with the records they were derived from (a warm start), instead
   * of checking every ref again; changes after this are checked incrementally as usual.
   */
  seed(saved: Map<string, Problem[]>): void {
    this.byFile.clear();
    this.addedByFile.clear();
    this.touched.clear();
    this.danglingCount = 0;
    this.addedCount = 0;
    for (const [path, problems] of saved) this.keep(path, problems);
    this.store.drainChanges();
    this.generation = this.store.generation;
  }

  /** Files whose problems changed since the last call (after bringing everything up to date). */
  drainTouched(): Set<string> {
    this.refresh();
    const out = this.touched;
    this.touched = new Set();
    return out;
  }

  of(path: string): Problem[] {
    this.refresh();
    return this.byFile.get(path) ?? [];
  }

  dangling(): number {
    this.refresh();
    return this.danglingCount;
  }

  /** How many problems the derived ones add to the readers' own (a count kept current, not a walk). */
  added(): number {
    this.refresh();
    return this.addedCount;
  }
}
