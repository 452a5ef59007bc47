// Code lenses at the top of an artifact file (capsules included): how many places refer to
// it, the event that produced it, and for requests a "Trace" that opens the trace view.
import type { CodeLens } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import { isResolvedTarget } from '../../shared/index/resolution';

const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
/** A lens that only informs: the client shows the title and does nothing on click. */
const info = (title: string): CodeLens => ({ range: top, command: { title, command: '' } });

export function codeLenses(index: RefIndex, path: string): CodeLens[] {
  const artifact = index.artifactAt(path);
  if (!artifact) return [];
  const r = index.resolve(artifact.key);
  if (!isResolvedTarget(r)) return [];
  const lenses = [info(`${r.referencedBy} reference${r.referencedBy === 1 ? '' : 's'}`)];
  if (r.producedBy) {
    const seq = r.producedBy.sequence !== undefined ? ` #${r.producedBy.sequence}` : '';
    lenses.push({ range: top, command: { title: `produced by ${r.producedBy.eventType}${seq}`, command: '' } });
  }
  if (artifact.kind === 'requests') {
    lenses.push({ range: top, command: { title: 'Trace', command: 'refscope.traceRequest', arguments: [artifact.key] } });
  }
  return lenses;
}
