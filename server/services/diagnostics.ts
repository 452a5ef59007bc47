// Diagnostics. For an open document: its refs, checked against the index from the editor's
// text (one scan, one resolve per distinct ref), plus the index's file-level problems
// (broken chain, bad digest, malformed) and, for an artifact, whether the text still hashes
// to its name. For the rest of the workspace: the index's problems, file by file.
import * as crypto from 'node:crypto';
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { canonicalJson } from '../../shared/canonicalJson';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence, Problem, ProblemCode, Severity } from '../../shared/model';
import { isResolveFailure, type ResolveResult } from '../../shared/protocol';
import { indexRef } from './refs';

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

export function problemToDiagnostic(p: Problem): Diagnostic {
  const line = p.line ?? 0;
  const message = p.sequence !== undefined && p.line === undefined ? `${p.message} (event #${p.sequence})` : p.message;
  return diagnostic(line, p.col ?? 0, p.endCol ?? p.col ?? 0, SEVERITY[p.severity] ?? DiagnosticSeverity.Error, p.code, message);
}

function refDiagnostic(o: Occurrence, r: ResolveResult | undefined): Diagnostic | undefined {
  if (o.invalid) return diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Error, 'invalid-ref', `Invalid ref: ${o.invalid}`);
  if (!r || !isResolveFailure(r)) return undefined;
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

/** Diagnostics of an open document (`path`: its file, when it has one on disk). */
export function documentDiagnostics(index: RefIndex, path: string | undefined, text: string, occurrences: Occurrence[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const resolved = new Map<string, ResolveResult>();
  for (const o of occurrences) {
    let r: ResolveResult | undefined;
    if (!o.invalid) {
      const ref = indexRef(o);
      r = resolved.get(ref);
      if (!r) resolved.set(ref, (r = index.resolve(ref)));
    }
    const d = refDiagnostic(o, r);
    if (d) out.push(d);
    if (o.upperCase) out.push(diagnostic(o.line, o.col, o.endCol, DiagnosticSeverity.Information, 'non-canonical', 'Non-canonical ref: hex digits are written in upper case'));
  }
  if (!path) return out;
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

/** The index's problems across the workspace, grouped by file. */
export function workspaceDiagnostics(index: RefIndex): Map<string, Diagnostic[]> {
  const byFile = new Map<string, Diagnostic[]>();
  for (const p of index.problems()) {
    let list = byFile.get(p.file);
    if (!list) byFile.set(p.file, (list = []));
    list.push(problemToDiagnostic(p));
  }
  return byFile;
}
