// Completion of refs: after `sha256:` plus at least 4 hex (or `ns/sha256:` within that
// namespace), the artifacts whose digest starts with what was typed.
import { CompletionItemKind, type CompletionItem, type CompletionList } from 'vscode-languageserver';
import type { RefIndex } from '../../shared/index/api';

const LIMIT = 50;
const STARTED = /sha256:[0-9a-fA-F]{0,3}$/;
const TYPED = /(?:([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*)\/)?sha256:([0-9a-fA-F]{4,63})$/;

/** `linePrefix`: the line's text up to the cursor. */
export function completeRef(index: RefIndex, linePrefix: string, line: number, character: number): CompletionList | undefined {
  const m = TYPED.exec(linePrefix);
  // Fewer than 4 hex typed yet: nothing to offer, but ask again as the user types on.
  if (!m) return STARTED.test(linePrefix) ? { isIncomplete: true, items: [] } : undefined;
  const namespace = m[1];
  const hex = m[2].toLowerCase();
  const replaceFrom = character - ('sha256:'.length + m[2].length);
  // Over-fetch when filtering by namespace, so a busy prefix in other namespaces does not crowd it out.
  const found = index.artifactsByPrefix(hex, namespace ? LIMIT * 4 : LIMIT + 1);
  const items: CompletionItem[] = [];
  for (const a of found) {
    if (a.key.startsWith('artifact:')) continue;
    if (namespace !== undefined && a.namespace !== namespace) continue;
    const ref = `sha256:${a.digest}`;
    items.push({
      label: ref,
      kind: CompletionItemKind.Reference,
      detail: [a.kind, a.runId && `run ${a.runId}`, a.createdAt].filter(Boolean).join(' · '),
      filterText: `sha256:${m[2]}${a.digest.slice(hex.length)}`,
      textEdit: { range: { start: { line, character: replaceFrom }, end: { line, character } }, newText: ref },
    });
    if (items.length >= LIMIT) break;
  }
  return { isIncomplete: found.length > LIMIT, items };
}
