// Workspace symbols: artifacts by hash prefix, kind, run id or schema, and runs by id (the index
// does the matching; a run id is a ref of its own, CONTRACT 1.8).
import { SymbolKind, type SymbolInformation } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import type { ArtifactEntry } from '../../shared/records';
import { pathToUri } from '../paths';
import { locationTo } from './definition';

const LIMIT = 200;

export function symbolName(a: ArtifactEntry): string {
  return a.key.startsWith('artifact:') ? a.key : `${a.namespace || a.kind}/sha256:${a.digest.slice(0, 16)}`;
}

export function workspaceSymbols(index: RefIndex, query: string): SymbolInformation[] {
  const out: SymbolInformation[] = [];
  if (query.trim()) {
    for (const run of index.searchRuns(query, LIMIT)) {
      const location = locationTo(run);
      if (!location) continue;
      const container = [run.mode, `${run.events} event${run.events === 1 ? '' : 's'}`].filter(Boolean).join(' · ');
      out.push({ name: `run ${run.runId}`, kind: SymbolKind.Event, location, containerName: container });
    }
  }
  for (const a of index.searchArtifacts(query.trim(), LIMIT)) {
    const file = a.path ?? a.metaPath;
    if (!file) continue;
    const container = [a.runId && `run ${a.runId}`, a.schema].filter(Boolean).join(' · ');
    out.push({
      name: symbolName(a),
      kind: SymbolKind.File,
      location: { uri: pathToUri(file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } },
      ...(container ? { containerName: container } : {}),
    });
  }
  return out;
}
