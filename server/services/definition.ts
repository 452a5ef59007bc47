// Definition: where a ref leads (artifact file, model blob, sidecar, or an event's log line).
import type { Location } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence } from '../../shared/records';
import { isResolveFailure, isResolveRun, type ResolveRun, type ResolveSuccess } from '../../shared/protocol';
import { indexRef } from './refs';

export const range = (line: number, col: number, endCol: number) => ({ start: { line, character: col }, end: { line, character: endCol } });
export const top = range(0, 0, 0);

/**
 * Where a resolved ref lives: an event (`blake3:`) at its log line (SQLite: line 0), a run at
 * its capsule, else its run state, else its first event (CONTRACT 1.8), anything else at the
 * top of its file.
 */
export function targetOf(r: ResolveSuccess | ResolveRun): Location | undefined {
  if (isResolveRun(r)) return r.uri ? { uri: r.uri, range: range(r.line ?? 0, 0, 0) } : undefined;
  if (r.kind === 'event' && r.uri) {
    const line = typeof r.details?.line === 'number' ? r.details.line : 0;
    return { uri: r.uri, range: range(line, 0, 0) };
  }
  if (r.uri) return { uri: r.uri, range: top };
  // Pruned evidence has no bytes: its deletion record is what is left of it.
  const deletedBy = r.details?.deletedBy as { uri?: unknown; line?: unknown } | undefined;
  if (typeof deletedBy?.uri === 'string') return { uri: deletedBy.uri, range: range(typeof deletedBy.line === 'number' ? deletedBy.line : 0, 0, 0) };
  if (r.producedBy) return { uri: r.producedBy.uri, range: range(r.producedBy.line, 0, 0) };
  return undefined;
}

export function definition(index: RefIndex, occurrence: Occurrence): Location | undefined {
  if (occurrence.invalid) return undefined;
  const r = index.resolve(indexRef(occurrence));
  return isResolveFailure(r) ? undefined : targetOf(r);
}
