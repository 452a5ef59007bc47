// References: every place holding a ref, from the index for files on disk and from the
// editor's text for open documents.
import type { Location } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import type { ResolvedTarget } from '../../shared/index/resolution';
import type { Occurrence } from '../../shared/records';
import { pathToUri, uriToPath } from '../paths';
import { locationTo, range, top } from './definition';
import { indexRef, occurrenceDenotes } from './refs';

/** The lookup keys that denote the thing `r` resolved to. */
function keysOf(r: ResolvedTarget): Set<string> {
  const keys = new Set<string>();
  if (r.ref.startsWith('artifact:')) keys.add(`artifact:${r.digest}`);
  else if (r.ref.startsWith('blake3:')) keys.add(`blake3:${r.digest}`);
  else keys.add(`sha256:${r.digest}`);
  if (r.type === 'artifact') {
    // A deduplicated file-store entry is named by its blob digest and by its id alike.
    if (r.artifact.blobId !== undefined) keys.add(`sha256:${r.artifact.blobId}`);
    if (r.artifact.key.startsWith('artifact:')) keys.add(r.artifact.key);
  }
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
  if (r.type === 'unresolved') return undefined;
  const declaration = locationTo(r);
  // A run id is denoted by itself: its own key, wherever it is written.
  return { keys: r.type === 'run' ? new Set([o.key]) : keysOf(r), ...(declaration ? { declaration } : {}) };
}

/**
 * Every place holding the ref: the index's view of files on disk, except that open documents
 * are read from their unsaved text instead. Made as they are found, so the first page of a
 * ref with 100k referrers goes out before the rest are looked at.
 */
export function* references(index: RefIndex, occurrence: Occurrence, open: OpenText[], includeDeclaration: boolean): Generator<Location> {
  if (occurrence.invalid) return;
  const target = referenceTarget(index, occurrence);
  const openPaths = new Set(open.map((d) => uriToPath(d.uri)).filter((p): p is string => !!p));
  if (includeDeclaration && target?.declaration) yield target.declaration;
  const uris = new Map<string, string>();
  for (const loc of index.eachReference(indexRef(occurrence))) {
    if (openPaths.has(loc.path)) continue;
    let uri = uris.get(loc.path);
    if (uri === undefined) uris.set(loc.path, (uri = pathToUri(loc.path)));
    yield { uri, range: range(loc.line, loc.col, loc.endCol) };
  }
  const keys = target?.keys ?? new Set([occurrence.key]);
  for (const doc of open) {
    for (const o of doc.occurrences) {
      if (occurrenceDenotes(o, keys)) yield { uri: doc.uri, range: range(o.line, o.col, o.endCol) };
    }
  }
}
