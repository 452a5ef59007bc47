// Diagnostics. For an open document: its refs, checked against the index from the editor's
// text (one scan, one resolve per distinct ref), plus the index's file-level problems
// (broken chain, bad digest, malformed) and, for an artifact, whether the text still hashes
// to its name. For the rest of the workspace: the index's problems, file by file.
import { isAscii } from 'node:buffer';
import * as crypto from 'node:crypto';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { canonicalJson } from '../../shared/canonicalJson';
import type { RefIndex } from '../../shared/index/api';
import { ZERO_DIGEST } from '../../shared/index/lookup';
import type { Occurrence, Problem, ProblemCode, RefMatch, Severity } from '../../shared/records';
import type { KeyRules } from '../../shared/refs/refRole';
import { RowKind, type ScannedRefs } from '../../shared/refs/scannedRefs';
import { refKey, toOccurrences } from '../../shared/refs/scanner';
import type { Unresolved } from '../../shared/index/resolution';

const SOURCE = 'refscope';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** Problems the document's own text decides, recomputed from the editor's text. */
const TEXT_CODES = new Set<ProblemCode>(['invalid-ref', 'dangling-ref', 'non-canonical', 'ambiguous-ref']);

function diagnostic(line: number, col: number, endCol: number, severity: DiagnosticSeverity, code: ProblemCode, message: string): Diagnostic {
  return { range: { start: { line, character: col }, end: { line, character: endCol } }, severity, code, source: SOURCE, message };
}

/** How saved files are read (injected, so tests and other hosts can supply their own). */
export interface FileSystem {
  /** Size in bytes and modification time, undefined when the file does not exist. */
  stat(path: string): { size: number; mtimeMs: number } | undefined;
  /**
   * The file's bytes a piece at a time, each piece valid only until the next is asked for (one
   * buffer is reused); reading fails by throwing. Never the whole file in memory at once.
   */
  readPieces(path: string): Iterable<Buffer>;
}

/** `refscope.maxProblemsPerFile` when unset (CONTRACT 3). */
export const DEFAULT_MAX_PROBLEMS_PER_FILE = 1000;

/**
 * At most `cap` of a file's diagnostics, the most severe first (in file order among equals),
 * and past the cap one more on the first line saying how many more there are (CONTRACT 3):
 * a log with 200k dangling pointers must not send 200k diagnostics to the editor.
 */
export function capDiagnostics(list: Diagnostic[], cap: number, total = list.length): Diagnostic[] {
  if (total <= cap) return list;
  const bySeverity = firstByRank(list, (d) => d.severity ?? DiagnosticSeverity.Error, cap + 1);
  const kept = bySeverity.slice(0, cap);
  const hidden = total - cap;
  const worst = bySeverity[cap].severity ?? DiagnosticSeverity.Error;
  kept.push(diagnostic(0, 0, 0, worst, 'too-many-problems', `${hidden.toLocaleString('en-US')} more problem${hidden === 1 ? '' : 's'} in this file are not shown (refscope.maxProblemsPerFile is ${cap}): refscope verify lists them all`));
  return kept;
}

/** A file's problems as capped diagnostics; only the shown ones are converted. */
export function problemsToDiagnostics(problems: Problem[], cap: number): Diagnostic[] {
  if (problems.length <= cap) return problems.map(problemToDiagnostic);
  // One past the cap is converted too, so capDiagnostics knows the worst hidden severity; it counts the rest.
  return capDiagnostics(firstByRank(problems, (p) => SEVERITY[p.severity] ?? DiagnosticSeverity.Error, cap + 1).map(problemToDiagnostic), cap, problems.length);
}

/**
 * The first `count` of `list` in the order a stable sort by `rank` (a severity: a small integer,
 * lowest first) would give, without sorting or copying the list: a pass per rank, stopping once
 * `count` are found. A log with 200k problems showed 1000 of them after sorting all 200k.
 */
function firstByRank<T>(list: readonly T[], rank: (item: T) => number, count: number): T[] {
  const out: T[] = [];
  for (let r = DiagnosticSeverity.Error; r <= DiagnosticSeverity.Hint && out.length < count; r++) {
    for (let i = 0; i < list.length && out.length < count; i++) if (rank(list[i]) === r) out.push(list[i]);
  }
  return out;
}

export function problemToDiagnostic(p: Problem): Diagnostic {
  const line = p.line ?? 0;
  const message = p.sequence !== undefined && p.line === undefined ? `${p.message} (event #${p.sequence})` : p.message;
  return diagnostic(line, p.col ?? 0, p.endCol ?? p.col ?? 0, SEVERITY[p.severity] ?? DiagnosticSeverity.Error, p.code, message);
}

function refDiagnostic(o: Occurrence, r: Unresolved | undefined): Diagnostic | undefined {
  if (o.invalid) return diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Error, 'invalid-ref', `Invalid ref: ${o.invalid}`);
  if (!r) return undefined;
  switch (r.error) {
    case 'dangling':
      return diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Warning, 'dangling-ref', `Dangling ref: nothing in the workspace has ${o.key}`);
    case 'ambiguous': {
      const n = r.candidates?.length ?? 0;
      const some = (r.candidates ?? []).slice(0, 5).join(', ');
      return diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Warning, 'ambiguous-ref', `Ambiguous ref: ${n} artifacts start with ${o.key}${some ? ` (${some}${n > 5 ? ', …' : ''})` : ''}`);
    }
    case 'invalid':
      return diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Error, 'invalid-ref', `Invalid ref${r.message ? `: ${r.message}` : ''}`);
  }
}

/** Whether `text` still deserves the name `hex`: exact bytes, or its canonical JSON form. */
export function contentMatches(text: string, hex: string): { matches: boolean; actual: string } {
  const actual = crypto.createHash('sha256').update(text, 'utf8').digest('hex');
  if (actual === hex) return { matches: true, actual };
  try {
    const canonical = crypto.createHash('sha256').update(canonicalJson(JSON.parse(text)), 'utf8').digest('hex');
    if (canonical === hex) return { matches: true, actual };
  } catch {
    // not JSON: only the exact bytes could have matched
  }
  return { matches: false, actual };
}

/**
 * Whether a ref fails to resolve, and how. Most refs name an artifact, which the index answers
 * from its digest table without making the artifact's entry (making one per distinct ref was
 * half of a 10 MB log's diagnostics); only the rest are looked up in full, as the match they
 * were scanned as (a resolve of their text scanned it again and described what it found: a
 * third of a 10 MB log's diagnostics, for its 600 dangling refs).
 */
function failureOf(index: RefIndex, m: RefMatch, ref: string): Unresolved | undefined {
  if (m.algo === 'sha256') {
    if (m.value === ZERO_DIGEST) return undefined; // the genesis prev_hash of a chain names nothing
    const namespace = m.form === 'namespaced' ? m.namespace : undefined;
    if (m.value.length === 64) {
      if (index.hasArtifact(`sha256:${m.value}`, namespace)) return undefined;
    } else {
      const found = index.artifactsByPrefix(m.value, 2);
      if (found.length === 1 && (namespace === undefined || found[0].namespace === namespace)) return undefined;
    }
  }
  // As resolve(ref) parses `ref`: an abbreviation's namespace is not part of it.
  return index.unresolved({ form: m.form, algo: m.algo, value: m.value, namespace: m.form === 'namespaced' ? m.namespace : undefined }, ref);
}

/**
 * Diagnostics of an open document (`path`: its file, when it has one on disk), from the
 * editor's text as scanned into `refs`. A digest row's verdict is found once per distinct
 * digest (and form), any other ref's once per exact text, and only the flagged refs get
 * line/column positions, in one forward pass over the text.
 */
export function documentDiagnostics(index: RefIndex, path: string | undefined, refs: ScannedRefs, rules: KeyRules): Diagnostic[] {
  const flagged: RefMatch[] = [];
  const verdictOf: (Unresolved | undefined)[] = [];
  // null: the ref resolves (one probe per distinct ref: most of a log's 100k refs resolve).
  const verdicts = new Map<string, Unresolved | null>();
  const objectVerdicts = new Map<string, Unresolved | null>();
  // By digest id, twice over (canonical, bare): the forms are asked apart, as their texts were.
  const digestVerdicts: (Unresolved | null | undefined)[] = new Array(2 * refs.digestCount);
  for (let row = 0; row < refs.count; row++) {
    const kind = refs.kind(row);
    let m: RefMatch | undefined;
    let known: Unresolved | null | undefined;
    if (kind === RowKind.Match) {
      m = refs.match(row);
      if (!m.invalid) {
        const cache = m.form === 'object' ? objectVerdicts : verdicts;
        known = cache.get(m.text);
        if (known === undefined) cache.set(m.text, (known = verdictFor(index, m)));
      }
    } else {
      const slot = 2 * refs.idOf(row) + (kind === RowKind.Bare ? 1 : 0);
      known = digestVerdicts[slot];
      if (known === undefined) digestVerdicts[slot] = known = verdictFor(index, (m = refs.match(row)));
    }
    let verdict = known ?? undefined;
    // A fingerprint or run id that names nothing stored is no problem (CONTRACT 1.8): only pointers dangle.
    if (verdict?.error === 'dangling' && rules.roleOf(refs.jsonKey(row)) !== 'pointer') verdict = undefined;
    if (verdict || (m !== undefined && (m.invalid || m.upperCase))) {
      flagged.push(m ?? refs.match(row));
      verdictOf.push(verdict);
    }
  }
  const out: Diagnostic[] = [];
  const places = toOccurrences(refs.text, flagged, rules);
  for (let i = 0; i < places.length; i++) {
    const o = places[i];
    const d = refDiagnostic(o, verdictOf[i]);
    if (d) out.push(d);
    if (o.upperCase) out.push(diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Information, 'non-canonical', 'Non-canonical ref: hex digits are written in upper case'));
  }
  return out.concat(fileDiagnostics(index, path, refs.text));
}

/** Whether a valid ref fails to resolve (null: it resolves), as failureOf asks it. */
function verdictFor(index: RefIndex, m: RefMatch): Unresolved | null {
  const key = refKey(m);
  return failureOf(index, m, m.form === 'namespaced' ? `${m.namespace}/${key}` : key) ?? null;
}

/**
 * Diagnostics of an open document whose text is the file on disk that the index has read:
 * the index already holds its problems (refs included), so nothing is scanned again. A
 * 10 MB log opened from the workspace costs one read and one comparison of bytes. Undefined
 * when the text differs from what the index read (unsaved edits, a file changed since) or
 * the index holds no refs for the file.
 */
export function savedFileDiagnostics(index: RefIndex, path: string, text: string, cap: number, files: FileSystem): Diagnostic[] | undefined {
  const held = index.indexedFile(path);
  if (!held?.refs) return undefined;
  const st = files.stat(path);
  if (!st || st.size !== held.size || st.mtimeMs !== held.mtimeMs) return undefined;
  // UTF-8 takes at least a byte per UTF-16 unit: longer text cannot be these bytes.
  if (text.length > st.size) return undefined;
  return sameText(files, path, text) ? problemsToDiagnostics(index.problems(path), cap) : undefined;
}

/**
 * Whether the file's bytes are `text` in UTF-8, read and compared a piece at a time. An ASCII
 * piece (logs nearly always are ASCII) is its text one char a byte, so it is compared as a
 * small one-byte string with the same stretch of `text`, which is not copied. The first piece
 * that is not ASCII has the rest compared as bytes with `text` encoded. Encoding 10 MB of text
 * took 60-90 ms of an opened log's diagnostics; holding the file and a copy of it as a string
 * took another 40-60 ms, most of it the collector's, for 20 MB of large objects on a big heap.
 */
function sameText(files: FileSystem, path: string, text: string): boolean {
  let encoded: Buffer | undefined;
  let at = 0; // in chars while every piece was ASCII (one byte each), then in bytes of `encoded`
  try {
    for (const piece of files.readPieces(path)) {
      if (!encoded && isAscii(piece)) {
        if (piece.toString('latin1') !== text.slice(at, at + piece.length)) return false;
      } else {
        encoded ??= Buffer.from(text, 'utf8');
        if (!piece.equals(encoded.subarray(at, at + piece.length))) return false;
      }
      at += piece.length;
    }
  } catch {
    return false;
  }
  return at === (encoded ? encoded.length : text.length);
}

/** What the index knows about the file as a whole, plus whether an artifact's text still matches its name. */
function fileDiagnostics(index: RefIndex, path: string | undefined, text: string): Diagnostic[] {
  if (!path) return [];
  const out: Diagnostic[] = [];
  const artifact = index.artifactAt(path);
  const checkedHere = artifact !== undefined && artifact.key.startsWith('sha256:') && artifact.path === path;
  if (checkedHere) {
    const { matches, actual } = contentMatches(text, artifact.digest);
    if (!matches) {
      out.push(diagnostic(0, 0, 0, DiagnosticSeverity.Error, 'hash-mismatch', `Content does not match its name: it hashes to sha256:${actual}, not sha256:${artifact.digest}`));
    }
  }
  for (const p of index.problems(path)) {
    if (TEXT_CODES.has(p.code) || (checkedHere && p.code === 'hash-mismatch')) continue;
    out.push(problemToDiagnostic(p));
  }
  return out;
}

/** The index's problems across the workspace (cross-file ones when `crossFile`; those `keep` accepts), by file, at most `cap` (and a summary) each. */
export function* workspaceDiagnostics(index: RefIndex, cap: number, crossFile: boolean, keep: (p: Problem) => boolean = () => true): Generator<[string, Diagnostic[]]> {
  for (const [file, problems] of index.problemFiles(crossFile)) {
    const kept = problems.filter(keep);
    if (kept.length) yield [file, problemsToDiagnostics(kept, cap)];
  }
}
