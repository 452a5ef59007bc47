// Problems no single file can know (CONTRACT 1.2, 3): a pointer with no target (dangling; a
// fingerprint or run id with none is no problem, CONTRACT 1.8), an abbreviation matching
// several artifacts (ambiguous); plus the per-ref ones (invalid,
// upper-case hex) derived here from occurrences so every reader gets them alike. Computed
// for the whole workspace at once and cached until the index changes.
import type { Occurrence, Problem } from '../records';
import { lookup, queryOfKey, ZERO_DIGEST, type Lookup } from './lookup';
import { knownRunId } from './runs';
import type { MemoryIndex, StoredFile } from './memoryIndex';
import { ROWS_PER_PAUSE, runSteps, runStepsWithPause, type Steps } from './timeSlices';

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
  return store.hasArtifact(o.key, o.form === 'namespaced' ? o.namespace : undefined);
}

/**
 * A row made into an occurrence and looked up counts as this many settled by ids: a step of
 * 4096 such rows (an agent's new log whose refs do not resolve yet) took 60-160 ms.
 */
const CHECK_WORK = 64;
/** Changed keys whose files are looked up in one step (each a digest lookup and a list: 1-2 us). */
const KEYS_PER_STEP = 512;

/**
 * Adds the ref problems of rows `from` to `to` of a held file to `out`; `memo` shares lookups
 * across files in one pass (a ref recurs in many). Most rows are settled by their ids alone
 * (plainlyResolves); only the others are made into occurrences.
 */
function* refProblems(store: MemoryIndex, f: StoredFile, from: number, to: number, memo: Memo, out: Problem[]): Steps {
  const path = f.record.path;
  let work = 0;
  for (let i = from; i < to; i++) {
    if (store.plainlyResolves(f, i)) work++;
    else {
      checkOccurrence(store, path, store.occurrenceRow(f, i), memo, out);
      work += CHECK_WORK;
    }
    if (work >= ROWS_PER_PAUSE) {
      work = 0;
      yield;
    }
  }
}

function checkOccurrence(store: MemoryIndex, path: string, o: Occurrence, memo: Memo, out: Problem[]): void {
  if (o.invalid) {
    out.push(at(path, o, 'error', 'invalid-ref', `invalid ref ${JSON.stringify(o.text)}: ${o.invalid}`));
    return;
  }
  if (o.upperCase) out.push(at(path, o, 'information', 'non-canonical', `ref written with upper-case hex: canonical refs are lower case (${o.key})`));
  // Most refs name an artifact by its full key (in its namespace, for namespaced ones): one Map
  // probe on the shared key string settles them, as lookup would, without a query and a target.
  if (o.form !== 'abbreviated' && namesArtifact(store, o)) return;
  const q = queryOfKey(o.key, o.form, o.namespace);
  if (q.value === ZERO_DIGEST) return;
  // Forms that resolve alike share one lookup: namespaced and abbreviated ones also by namespace.
  const scoped = o.form === 'namespaced' || o.form === 'abbreviated';
  const memoKey = scoped ? `${o.form}\0${o.namespace ?? ''}\0${o.key}` : o.key;
  let r = memo.get(memoKey);
  if (!r) {
    const found = lookup(store, q);
    memo.set(memoKey, (r = 'target' in found ? 'resolved' : found));
  }
  if (r === 'resolved') return;
  if (r.error === 'ambiguous') {
    out.push(at(path, o, 'warning', 'ambiguous-ref', `ambiguous ref ${o.text}: ${r.message} (${(r.candidates ?? []).join(', ')})`));
  } else if (o.role === undefined && knownRunId(store, o.text) === undefined && knownRunId(store, o.key) === undefined) {
    // Only a pointer promises that something is stored: a fingerprint or a run id that
    // resolves to nothing names bytes no runtime keeps (a state hash, a run's own id). A
    // pointer that names a run (a run id in a note) resolves to that run.
    out.push(at(path, o, 'warning', 'dangling-ref', `dangling ref ${o.text}: ${r.message}`));
  }
}

/** A reader may report the same ref problem itself; keep one per place and code. */
export function mergeProblems(own: Problem[], derived: Problem[]): Problem[] {
  if (derived.length === 0) return own;
  // Nothing to keep apart: no key string per derived problem (a log's 200k dangling refs).
  if (own.length === 0) return derived;
  const seen = new Set(own.map((p) => `${p.code}\0${p.line}\0${p.col}`));
  return own.concat(derived.filter((p) => !seen.has(`${p.code}\0${p.line}\0${p.col}`)));
}

/** In file order, as a file's own check lists them. */
function byPlace(a: Problem, b: Problem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

/**
 * The derived problems of every file, kept current incrementally: after a change only the
 * changed files, the files mentioning a key whose target appeared or vanished, and (when an
 * artifact did) the files with abbreviated refs are checked again, not all 600k refs of a
 * 100k-artifact workspace on every save in the editor. Of a log that only grew, only the new
 * rows (and old rows whose key changed) are checked; of a file that only mentions a changed key,
 * only the rows of that key: an agent appending to a log must not cost a check of its whole
 * log per update (which made hovers wait 0.2-0.9 s while 20k events were written).
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
  /** The same, since the last drainChanged (the index reports them with its change). */
  private changed = new Set<string>();
  /** How many of a file's rows were checked, and their hash: a log whose checked rows are unchanged only grew. */
  private readonly checked = new Map<string, { rows: number; hash: number }>();
  /** Set while an update's changes are not to be checked by a request (see holdBack). */
  private heldBack = false;

  constructor(private readonly store: MemoryIndex) {}

  /** Checks a changed file again: only its new rows (and rows of `keys`) when its checked rows are still there, else all. */
  private *recheck(path: string, memo: Memo, keys: Set<string>): Steps {
    const f = this.store.get(path);
    const was = this.checked.get(path);
    if (f && was && f.occCount >= was.rows && this.store.occurrencesHash(f, was.rows) === was.hash) {
      yield* this.recheckRows(path, memo, keys, was.rows);
      return;
    }
    this.checked.delete(path);
    if (!f?.occCount) {
      this.replace(path, []);
      return;
    }
    const found: Problem[] = [];
    yield* refProblems(this.store, f, 0, f.occCount, memo, found);
    this.replace(path, found);
    this.checked.set(path, { rows: f.occCount, hash: this.store.occurrencesHash(f, f.occCount) });
  }

  /**
   * Checks again the rows of a file from `from` on and, before it, the rows whose key is one of
   * `keys`; the problems of its other rows stay as they are.
   */
  private *recheckRows(path: string, memo: Memo, keys: Set<string>, from: number): Steps {
    const f = this.store.get(path);
    if (!f) return;
    const rows = this.store.occurrenceRowsWithKeys(f, keys, 0, from);
    if (rows.length === 0 && from === f.occCount) return;
    const found: Problem[] = [];
    if (rows.length === 0) {
      yield* refProblems(this.store, f, from, f.occCount, memo, found);
      this.appendRows(path, found);
      this.checked.set(path, { rows: f.occCount, hash: this.store.occurrencesHash(f, f.occCount) });
      return;
    }
    const places = new Set<string>();
    for (let n = 0; n < rows.length; n++) {
      const o = this.store.occurrenceRow(f, rows[n]);
      places.add(`${o.line}:${o.col}`);
      yield* refProblems(this.store, f, rows[n], rows[n] + 1, memo, found);
      // Each row is a check: a step per few dozen (a log naming thousands of new artifacts has as many).
      if (n % (ROWS_PER_PAUSE / CHECK_WORK) === ROWS_PER_PAUSE / CHECK_WORK - 1) yield;
    }
    yield* refProblems(this.store, f, from, f.occCount, memo, found);
    const kept = (this.byFile.get(path) ?? []).filter((p) => !places.has(`${p.line}:${p.col}`));
    this.replace(path, found.length ? kept.concat(found).sort(byPlace) : kept);
    this.checked.set(path, { rows: f.occCount, hash: this.store.occurrencesHash(f, f.occCount) });
  }

  /**
   * `found`, the problems of rows appended to a file (a grown log's), added after the file's
   * others: they come after them in the file, and the counts take only what they add (a log
   * with 20k dangling refs must not cost a pass over its 20k problems per batch appended).
   */
  private appendRows(path: string, found: Problem[]): void {
    if (found.length === 0) return;
    this.touched.add(path);
    const list = this.byFile.get(path);
    if (!list) {
      this.keep(path, found);
      return;
    }
    for (const p of found) list.push(p);
    this.danglingCount += found.filter((p) => p.code === 'dangling-ref').length;
    const own = this.store.get(path)?.record.problems ?? [];
    const added = mergeProblems(own, found).length - own.length;
    this.addedByFile.set(path, (this.addedByFile.get(path) ?? 0) + added);
    this.addedCount += added;
  }

  /** `found` as the file's derived problems from now on. */
  private replace(path: string, found: Problem[]): void {
    const old = this.byFile.get(path);
    if (old) {
      this.danglingCount -= old.filter((p) => p.code === 'dangling-ref').length;
      this.touch(path);
    }
    this.forget(path);
    if (found.length === 0) return;
    this.touch(path);
    this.keep(path, found);
  }

  private touch(path: string): void {
    this.touched.add(path);
    this.changed.add(path);
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

  /** Brings everything up to date now, unless an update holds the check back (see holdBack). */
  private refresh(): void {
    if (!this.heldBack) runSteps(this.refreshSteps());
  }

  /**
   * Until refreshInSlices or release: requests answer from the problems as they were, instead
   * of checking an update's changes in one piece between two of its batches (a stats request
   * checked a new 20k-ref log for 0.5 s while an agent wrote).
   */
  holdBack(): void {
    this.heldBack = true;
  }

  /** Brings everything up to date, taking `pause` every few files or few thousand rows; requests meanwhile answer from the problems as they were. */
  async refreshInSlices(pause: () => Promise<void>): Promise<void> {
    const held = this.heldBack;
    this.heldBack = true;
    try {
      await runStepsWithPause(this.refreshSteps(), pause);
    } finally {
      this.heldBack = held;
    }
  }

  /** Ends holdBack: the next question checks what changed since. */
  release(): void {
    this.heldBack = false;
  }

  private *refreshSteps(): Steps {
    if (this.generation === this.store.generation) return;
    const { files, keys } = this.store.drainChanges();
    const todo = new Set<string>(this.generation === -1 ? this.store.files.keys() : files);
    // Abbreviations resolve against every digest: any artifact coming or going may change them.
    if ([...keys].some((k) => k.startsWith('sha256:')) && this.store.filesWithAbbreviations().size) {
      yield* this.store.prepareDigestLists();
      for (const p of this.store.filesWithAbbreviations()) {
        todo.add(p);
        this.checked.delete(p);
      }
    }
    const mentioning = new Set<string>();
    let looked = 0;
    for (const k of keys) {
      for (const p of this.store.filesMentioning(k)) if (!todo.has(p)) mentioning.add(p);
      // A step per few hundred keys: an update that took in thousands of artifacts has as many.
      if (++looked % KEYS_PER_STEP === 0) yield;
    }
    const memo: Memo = new Map();
    for (const p of todo) {
      yield* this.recheck(p, memo, keys);
      yield;
    }
    // Unchanged files: only the rows naming a key whose target appeared or vanished.
    for (const p of mentioning) {
      yield* this.recheckRows(p, memo, keys, this.store.get(p)?.occCount ?? 0);
      yield;
    }
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
    this.changed.clear();
    this.checked.clear();
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

  /** Files whose problems changed since the last call (after bringing everything up to date); apart from drainTouched's. */
  drainChanged(): Set<string> {
    this.refresh();
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  /** The files that have derived problems (after bringing everything up to date). */
  files(): Iterable<string> {
    this.refresh();
    return this.byFile.keys();
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
