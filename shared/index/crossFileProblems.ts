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

function at(f: StoredFile, o: Occurrence, severity: Problem['severity'], code: Problem['code'], message: string): Problem {
  // The path only for a problem found: a view makes its record (and path string) on asking, and most files have none.
  return { file: f.record.path, line: o.line, col: o.col, endCol: o.endCol, severity, code, message };
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
  let work = 0;
  for (let i = from; i < to; i++) {
    if (store.plainlyResolves(f, i)) work++;
    else {
      checkOccurrence(store, f, store.occurrenceRow(f, i), memo, out);
      work += CHECK_WORK;
    }
    if (work >= ROWS_PER_PAUSE) {
      work = 0;
      yield;
    }
  }
}

function checkOccurrence(store: MemoryIndex, f: StoredFile, o: Occurrence, memo: Memo, out: Problem[]): void {
  if (o.invalid) {
    out.push(at(f, o, 'error', 'invalid-ref', `invalid ref ${JSON.stringify(o.text)}: ${o.invalid}`));
    return;
  }
  if (o.upperCase) out.push(at(f, o, 'information', 'non-canonical', `ref written with upper-case hex: canonical refs are lower case (${o.key})`));
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
    out.push(at(f, o, 'warning', 'ambiguous-ref', `ambiguous ref ${o.text}: ${r.message} (${(r.candidates ?? []).join(', ')})`));
  } else if (o.role === undefined && knownRunId(store, o.text) === undefined && knownRunId(store, o.key) === undefined) {
    // Only a pointer promises that something is stored: a fingerprint or a run id that
    // resolves to nothing names bytes no runtime keeps (a state hash, a run's own id). A
    // pointer that names a run (a run id in a note) resolves to that run.
    out.push(at(f, o, 'warning', 'dangling-ref', `dangling ref ${o.text}: ${r.message}`));
  }
}

/**
 * Whether one of `abbreviations` (MemoryIndex.abbreviatedKeys) abbreviates one of the `sha256:` keys among
 * `keys`: only then can they change what it resolves to. As steps, each key's prefixes of the
 * abbreviations' lengths looked up among them: sorting an update's thousands of keys to look
 * each abbreviation up in them held the thread 12 ms in one piece at 1M artifacts.
 */
export function* abbreviatesOneOf(abbreviations: ReadonlySet<string>, keys: Iterable<string>): Steps<boolean> {
  if (abbreviations.size === 0) return false;
  const lengths = [...new Set(Array.from(abbreviations, (a) => a.length))];
  let work = 0;
  for (const k of keys) {
    if (!k.startsWith('sha256:')) continue;
    for (const n of lengths) if (n <= k.length && abbreviations.has(k.slice(0, n))) return true;
    work += lengths.length;
    if (work >= ROWS_PER_PAUSE) {
      work = 0;
      yield;
    }
  }
  return false;
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
 * How many of each file's rows were checked, and their hash, by file id (a path keeps its id
 * when its file comes back): 8 bytes a file, where a Map by path string held ~200 (~20 MB at
 * 109k files, kept for good).
 */
class CheckedRows {
  /** Rows checked + 1 (0: not checked). */
  private rows = new Int32Array(1024);
  private hashes = new Uint32Array(1024);

  /** How many of file `id`'s rows were checked, or -1. */
  rowsOf(id: number): number {
    return id < this.rows.length ? this.rows[id] - 1 : -1;
  }

  hashOf(id: number): number {
    return this.hashes[id];
  }

  set(id: number, rows: number, hash: number): void {
    if (id >= this.rows.length) {
      let n = this.rows.length;
      while (n <= id) n *= 2;
      const grown = new Int32Array(n);
      grown.set(this.rows);
      this.rows = grown;
      const grownHashes = new Uint32Array(n);
      grownHashes.set(this.hashes);
      this.hashes = grownHashes;
    }
    this.rows[id] = rows + 1;
    this.hashes[id] = hash;
  }

  forget(id: number | undefined): void {
    if (id !== undefined && id < this.rows.length) this.rows[id] = 0;
  }

  clear(): void {
    this.rows.fill(0);
  }
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
  private readonly checked = new CheckedRows();
  /** Set while an update's changes are not to be checked by a request (see holdBack). */
  private heldBack = false;

  constructor(private readonly store: MemoryIndex) {}

  /** Checks a changed file again: only its new rows (and rows of the keys `keyIds`) when its checked rows are still there, else all. */
  private *recheck(path: string, memo: Memo, keyIds: ReadonlySet<number>): Steps {
    const f = this.store.get(path);
    const was = f ? this.checkedRows(f) : -1;
    if (was >= 0) {
      yield* this.recheckRows(path, memo, keyIds, was);
      return;
    }
    // By the id the path had, if it is gone: a file coming back there must not pass for one that only grew.
    this.checked.forget(this.store.pathId(path));
    if (!f?.occCount) {
      this.replace(path, []);
      return;
    }
    const found: Problem[] = [];
    yield* refProblems(this.store, f, 0, f.occCount, memo, found);
    this.replace(path, found);
    this.checkedAll(f);
  }

  /** How many of `f`'s first rows were checked and are still there (a log that only grew), or -1. */
  private checkedRows(f: StoredFile): number {
    const was = this.checked.rowsOf(f.id);
    return was >= 0 && f.occCount >= was && this.store.occurrencesHash(f, was) === this.checked.hashOf(f.id) ? was : -1;
  }

  private checkedAll(f: StoredFile): void {
    this.checked.set(f.id, f.occCount, this.store.occurrencesHash(f, f.occCount));
  }

  /**
   * The first check, of every held file, by file id: no path string is made for a file without
   * problems (at 109k files, a set of every path and a record per file were ~50 MB of garbage at
   * the start of the first save, where the cold peak is). Nothing is known of any file yet.
   */
  private *checkEveryFile(memo: Memo): Steps {
    for (const id of this.store.files.ids()) {
      const f = this.store.fileById(id)!;
      if (!f.occCount) continue;
      const found: Problem[] = [];
      yield* refProblems(this.store, f, 0, f.occCount, memo, found);
      if (found.length) this.replace(f.record.path, found);
      this.checkedAll(f);
      yield;
    }
  }

  /**
   * Checks again the rows of a file from `from` on and, before it, the rows whose key is one of
   * `keyIds` (MemoryIndex.keyIdOf); the problems of its other rows stay as they are.
   */
  private *recheckRows(path: string, memo: Memo, keyIds: ReadonlySet<number>, from: number): Steps {
    const f = this.store.get(path);
    if (!f) return;
    // A step per few thousand rows: an agent's log, grown by each update, was scanned whole in one (8-17 ms at 20k rows).
    const rows: number[] = [];
    for (let at = 0; at < from && keyIds.size; at += ROWS_PER_PAUSE) {
      for (const row of this.store.occurrenceRowsWithKeyIds(f, keyIds, at, Math.min(from, at + ROWS_PER_PAUSE))) rows.push(row);
      yield;
    }
    if (rows.length === 0 && from === f.occCount) return;
    const found: Problem[] = [];
    if (rows.length === 0) {
      yield* refProblems(this.store, f, from, f.occCount, memo, found);
      this.appendRows(path, found);
      this.checkedAll(f);
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
    this.checkedAll(f);
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
    // Checked first, so that a question asked when nothing changed makes no generator: a save asks for every file's problems (100k at 100k files).
    if (!this.heldBack && this.generation !== this.store.generation) runSteps(this.refreshSteps());
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
    const memo: Memo = new Map();
    if (this.generation === -1) {
      yield* this.checkEveryFile(memo);
      this.generation = this.store.generation;
      return;
    }
    const todo = new Set<string>(files);
    // Abbreviations resolve against every digest: an artifact coming or going whose digest one abbreviates may change them.
    if (this.store.filesWithAbbreviations().size && (yield* abbreviatesOneOf(this.store.abbreviatedKeys(), keys))) {
      yield* this.store.prepareDigestLists();
      for (const p of this.store.filesWithAbbreviations()) {
        todo.add(p);
        this.checked.forget(this.store.pathId(p));
      }
    }
    const mentioning = new Set<string>();
    // The keys' ids, looked up once for every file rechecked below (a lookup hashes the key: each
    // file's recheck looked up all of an update's thousands of keys again, in one step).
    const keyIds = new Set<number>();
    let looked = 0;
    for (const k of keys) {
      for (const p of this.store.filesMentioning(k)) if (!todo.has(p)) mentioning.add(p);
      const id = this.store.keyIdOf(k);
      if (id !== undefined) keyIds.add(id);
      // A step per few hundred keys: an update that took in thousands of artifacts has as many.
      if (++looked % KEYS_PER_STEP === 0) yield;
    }
    for (const p of todo) {
      yield* this.recheck(p, memo, keyIds);
      yield;
    }
    // Unchanged files: only the rows naming a key whose target appeared or vanished.
    for (const p of mentioning) {
      yield* this.recheckRows(p, memo, keyIds, this.store.get(p)?.occCount ?? 0);
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

  /**
   * Takes the saved problems of more files, held as they were saved (a start that loads the
   * buckets a change touches: startFromChanges in workspaceIndex.ts), beside those held: each file's rows count as
   * checked, so a log that only grew is checked for its new rows only, as in a running index.
   */
  seedMore(saved: ReadonlyMap<string, Problem[]>, paths: Iterable<string>): void {
    for (const path of paths) {
      const f = this.store.get(path);
      if (!f) continue;
      const problems = saved.get(path);
      if (problems?.length) this.keep(path, problems);
      this.checkedAll(f);
    }
  }

  /**
   * Makes the lookups the next refresh makes for the changes so far, keeping nothing: a scoped
   * load watching them (scopedLoad.ts) brings in their targets before the refresh runs. The
   * same rows as refreshSteps checks: a changed file's unchecked rows and, in it and in the
   * files mentioning them, the rows of the keys whose targets appeared or vanished.
   */
  lookAhead(): void {
    const { files, keys } = this.store.pendingChanges();
    const memo: Memo = new Map();
    const out: Problem[] = [];
    const checkRows = (f: StoredFile, from: number, to: number) => runSteps(refProblems(this.store, f, from, to, memo, out));
    const checkKeyRows = (f: StoredFile, to: number) => {
      for (const row of this.store.occurrenceRowsWithKeys(f, keys, 0, to)) checkRows(f, row, row + 1);
    };
    for (const p of files) {
      const f = this.store.get(p);
      if (!f) continue;
      const from = Math.max(0, this.checkedRows(f));
      checkKeyRows(f, from);
      checkRows(f, from, f.occCount);
    }
    for (const k of keys) {
      for (const p of this.store.filesMentioning(k)) {
        const f = files.has(p) ? undefined : this.store.get(p);
        if (f) checkKeyRows(f, f.occCount);
      }
    }
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

  /** dangling() and added() as they stand, nothing checked first (a start that loads the buckets a change touches counts what their seeds brought). */
  heldCounts(): { dangling: number; added: number } {
    return { dangling: this.danglingCount, added: this.addedCount };
  }

  /** How many problems the derived ones add to the readers' own (a count kept current, not a walk). */
  added(): number {
    this.refresh();
    return this.addedCount;
  }
}
