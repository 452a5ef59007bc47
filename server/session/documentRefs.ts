// Refs in open documents, scanned from the editor's (possibly unsaved) text once per
// version. The scan keeps offsets; line/column positions are made only where needed (a
// hover converts one ref, diagnostics only the refs they flag), so a 10 MB log with 100k
// refs is not turned into 100k position objects on every keystroke.
import type { Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Occurrence, RefMatch } from '../../shared/model';
import { refKey, scanRefs, toOccurrences } from '../../shared/refs/scanner';

interface Scan {
  version: number;
  matches: RefMatch[];
  occurrences?: Occurrence[];
}

/** The Occurrence for one match, positioned through the document's line table. */
export function occurrenceOf(doc: TextDocument, m: RefMatch): Occurrence {
  const start = doc.positionAt(m.start);
  const end = doc.positionAt(m.end);
  const o: Occurrence = { line: start.line, col: start.character, endCol: end.line === start.line ? end.character : start.character + m.text.length, form: m.form, key: refKey(m), text: m.text };
  if (m.namespace !== undefined) o.namespace = m.namespace;
  if (m.upperCase) o.upperCase = true;
  if (m.invalid) o.invalid = m.invalid;
  return o;
}

export class DocumentRefs {
  private readonly cache = new Map<string, Scan>();

  private scan(doc: TextDocument): Scan {
    const hit = this.cache.get(doc.uri);
    if (hit && hit.version === doc.version) return hit;
    const scan: Scan = { version: doc.version, matches: scanRefs(doc.getText()) };
    this.cache.set(doc.uri, scan);
    return scan;
  }

  matches(doc: TextDocument): RefMatch[] {
    return this.scan(doc).matches;
  }

  /** The ref under the cursor (end inclusive, so a cursor right after a ref still finds it). */
  occurrenceAt(doc: TextDocument, position: Position): Occurrence | undefined {
    const matches = this.scan(doc).matches;
    const offset = doc.offsetAt(position);
    let lo = 0;
    let hi = matches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (matches[mid].end < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    const m = matches[lo];
    return m && m.start <= offset && offset <= m.end ? occurrenceOf(doc, m) : undefined;
  }

  /** Every ref with its position (references and links need them all). */
  occurrences(doc: TextDocument): Occurrence[] {
    const scan = this.scan(doc);
    scan.occurrences ??= toOccurrences(doc.getText(), scan.matches);
    return scan.occurrences;
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
