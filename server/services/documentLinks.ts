// Document links: every ref in a document that resolves to a file links to it.
import type { DocumentLink } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence } from '../../shared/records';
import { locationTo, range } from './definition';
import { indexRef } from './refs';

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
      const loc = r.type === 'unresolved' ? undefined : locationTo(r);
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
