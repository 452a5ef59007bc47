// Definition: where a ref leads (artifact file, model blob, sidecar, an event's log line, a
// pruned artifact's deletion record, a run's capsule).
import type { Location } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import { locationOf, type ResolvedRun, type ResolvedTarget } from '../../shared/index/resolution';
import type { Occurrence } from '../../shared/records';
import { pathToUri } from '../paths';
import { indexRef } from './refs';

export const range = (line: number, col: number, endCol: number) => ({ start: { line, character: col }, end: { line, character: endCol } });
export const top = range(0, 0, 0);

/** Where a resolved ref lives, as an LSP location (CONTRACT 1.8: a run at its capsule, else run state, else first event). */
export function locationTo(r: ResolvedTarget | ResolvedRun): Location | undefined {
  const at = locationOf(r);
  return at && { uri: pathToUri(at.path), range: range(at.line, 0, 0) };
}

export function definition(index: RefIndex, occurrence: Occurrence): Location | undefined {
  if (occurrence.invalid) return undefined;
  const r = index.resolve(indexRef(occurrence));
  return r.type === 'unresolved' ? undefined : locationTo(r);
}
