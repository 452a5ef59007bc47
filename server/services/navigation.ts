// Definition, references and document links: where a ref leads, and every place that holds it.
import type { Location, DocumentLink } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence } from '../../shared/model';
import { isResolveFailure, type ResolveSuccess } from '../../shared/protocol';
import { pathToUri, uriToPath } from '../paths';
import { indexRef, occurrenceDenotes } from './refs';

const range = (line: number, col: number, endCol: number) => ({ start: { line, character: col }, end: { line, character: endCol } });
const top = range(0, 0, 0);

/** Where a resolved ref lives: an event (`blake3:`) at its log line (SQLite: line 0), anything else at the top of its file. */
export function targetOf(r: ResolveSuccess): Location | undefined {
  if (r.kind === 'event' && r.uri) {
    const line = typeof r.details?.line === 'number' ? r.details.line : 0;
    return { uri: r.uri, range: range(line, 0, 0) };
  }
  if (r.uri) return { uri: r.uri, range: top };
  if (r.producedBy) return { uri: r.producedBy.uri, range: range(r.producedBy.line, 0, 0) };
  return undefined;
}

export function definition(index: RefIndex, occurrence: Occurrence): Location | undefined {
  if (occurrence.invalid) return undefined;
  const r = index.resolve(indexRef(occurrence));
  return isResolveFailure(r) ? undefined : targetOf(r);
}

/** The lookup keys that denote the thing `r` resolved to. */
function keysOf(r: ResolveSuccess): Set<string> {
  const keys = new Set<string>();
  if (r.ref.startsWith('artifact:')) keys.add(`artifact:${r.digest}`);
  else if (r.ref.startsWith('blake3:')) keys.add(`blake3:${r.digest}`);
  else keys.add(`sha256:${r.digest}`);
  const blobId = r.details?.blobId;
  if (typeof blobId === 'string') keys.add(`sha256:${blobId}`);
  const artifactId = r.details?.artifactId;
  if (typeof artifactId === 'string') keys.add(`artifact:${artifactId}`);
  return keys;
}

export interface OpenText {
  uri: string;
  occurrences: Occurrence[];
}

/**
 * What an occurrence denotes, for references: the keys that name it and where it lives. An
 * artifact named by its full digest is found by binary search; anything else is resolved
 * (a full resolve also counts referrers, which for a ref with 10k of them is not free).
 */
function referenceTarget(index: RefIndex, o: Occurrence): { keys: Set<string>; declaration?: Location } | undefined {
  const hex = o.key.slice(7);
  if (o.key.startsWith('sha256:') && hex.length === 64) {
    const a = index.artifactsByPrefix(hex, 1)[0];
    if (a && (a.key === o.key || a.blobId === hex) && (o.form !== 'namespaced' || a.namespace === o.namespace)) {
      const file = a.path ?? a.metaPath;
      return { keys: new Set([o.key, a.key]), ...(file ? { declaration: { uri: pathToUri(file), range: top } } : {}) };
    }
  }
  const r = index.resolve(indexRef(o));
  if (isResolveFailure(r)) return undefined;
  const declaration = targetOf(r);
  return { keys: keysOf(r), ...(declaration ? { declaration } : {}) };
}

/**
 * Every place holding the ref: the index's view of files on disk, except that open documents
 * are read from their unsaved text instead.
 */
export function references(index: RefIndex, occurrence: Occurrence, open: OpenText[], includeDeclaration: boolean): Location[] {
  if (occurrence.invalid) return [];
  const target = referenceTarget(index, occurrence);
  const openPaths = new Set(open.map((d) => uriToPath(d.uri)).filter((p): p is string => !!p));
  const out: Location[] = [];
  if (includeDeclaration && target?.declaration) out.push(target.declaration);
  const uris = new Map<string, string>();
  for (const loc of index.references(indexRef(occurrence))) {
    if (openPaths.has(loc.path)) continue;
    let uri = uris.get(loc.path);
    if (uri === undefined) uris.set(loc.path, (uri = pathToUri(loc.path)));
    out.push({ uri, range: range(loc.line, loc.col, loc.endCol) });
  }
  const keys = target?.keys ?? new Set([occurrence.key]);
  for (const doc of open) {
    for (const o of doc.occurrences) {
      if (occurrenceDenotes(o, keys)) out.push({ uri: doc.uri, range: range(o.line, o.col, o.endCol) });
    }
  }
  return out;
}

const MAX_LINKS = 5000;

/** A link for every ref in the document that resolves to a file (resolving each distinct key once). */
export function documentLinks(index: RefIndex, occurrences: Occurrence[]): DocumentLink[] {
  const targets = new Map<string, string | undefined>();
  const links: DocumentLink[] = [];
  for (const o of occurrences) {
    if (o.invalid) continue;
    const ref = indexRef(o);
    let target = targets.get(ref);
    if (!targets.has(ref)) {
      const r = index.resolve(ref);
      const loc = isResolveFailure(r) ? undefined : targetOf(r);
      // VS Code opens `#L<n>` link fragments at that line (an event's log line).
      target = loc && (loc.range.start.line > 0 ? `${loc.uri}#L${loc.range.start.line + 1}` : loc.uri);
      targets.set(ref, target);
    }
    if (!target) continue;
    links.push({ range: range(o.line, o.col, o.endCol), target, tooltip: 'Open the artifact' });
    if (links.length >= MAX_LINKS) break;
  }
  return links;
}
