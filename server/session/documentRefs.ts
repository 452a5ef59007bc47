// Refs in open documents, scanned from the editor's (possibly unsaved) text once per
// version: hover, links, references and diagnostics of one version share a single scan.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Occurrence } from '../../shared/model';
import { scanRefs, toOccurrences } from '../../shared/refs/scanner';

export class DocumentRefs {
  private readonly cache = new Map<string, { version: number; occurrences: Occurrence[] }>();

  occurrences(doc: TextDocument): Occurrence[] {
    const hit = this.cache.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.occurrences;
    const text = doc.getText();
    const occurrences = toOccurrences(text, scanRefs(text));
    this.cache.set(doc.uri, { version: doc.version, occurrences });
    return occurrences;
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
