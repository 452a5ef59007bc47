// Refs in open documents, scanned from the editor's (possibly unsaved) text once per
// version. The scan keeps offsets; line/column positions are made only where needed (a
// hover converts one ref, diagnostics only the refs they flag), so a 10 MB log with 100k
// refs is not turned into 100k position objects on every keystroke.
import type { Position, Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Occurrence, RefMatch } from '../../shared/records';
import type { KeyRules } from '../../shared/refs/refRole';
import type { ScannedRefs } from '../../shared/refs/scannedRefs';
import { refKey, scanRefRows, toOccurrences } from '../../shared/refs/scanner';

/** How far either side of the cursor a run id's key and value are looked for (lines may be 100 MB long). */
const RUN_ID_WINDOW = 512;
const RUN_ID_VALUE = /"(?:run_id|runId)"\s*:\s*"((?:[^"\\\n]|\\.){1,256})"/g;

/**
 * The run id under the cursor when it is no ref (a UUID, free text: CONTRACT 1.8), as the
 * string value of a `run_id` / `runId` key, with its range.
 */
export function runIdAt(doc: TextDocument, position: Position): { runId: string; range: Range } | undefined {
  const offset = doc.offsetAt(position);
  const from = Math.max(0, offset - RUN_ID_WINDOW);
  const text = doc.getText({ start: doc.positionAt(from), end: doc.positionAt(offset + RUN_ID_WINDOW) });
  for (const m of text.matchAll(RUN_ID_VALUE)) {
    const start = from + m.index + m[0].length - 1 - m[1].length;
    const end = start + m[1].length;
    if (start <= offset && offset <= end) {
      let runId: string;
      try {
        runId = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        return undefined;
      }
      return { runId, range: { start: doc.positionAt(start), end: doc.positionAt(end) } };
    }
  }
  return undefined;
}

interface Scan {
  version: number;
  refs: ScannedRefs;
  occurrences?: Occurrence[];
}

/** The Occurrence for one match, positioned through the document's line table and classified by `rules`. */
export function occurrenceOf(doc: TextDocument, m: RefMatch, rules: KeyRules): Occurrence {
  const start = doc.positionAt(m.start);
  const end = doc.positionAt(m.end);
  const o: Occurrence = { line: start.line, col: start.character, endCol: end.line === start.line ? end.character : start.character + m.text.length, form: m.form, key: refKey(m), text: m.text };
  if (m.namespace !== undefined) o.namespace = m.namespace;
  if (m.upperCase) o.upperCase = true;
  if (m.invalid) o.invalid = m.invalid;
  const role = rules.roleOf(m.jsonKey);
  if (role !== 'pointer') o.role = role;
  return o;
}

export class DocumentRefs {
  private readonly cache = new Map<string, Scan>();

  /** `rules()`: the key rules of the current settings (CONTRACT 1.8), read on each use. */
  constructor(readonly rules: () => KeyRules) {}

  private scan(doc: TextDocument): Scan {
    const hit = this.cache.get(doc.uri);
    if (hit && hit.version === doc.version) return hit;
    const scan: Scan = { version: doc.version, refs: scanRefRows(doc.getText()) };
    this.cache.set(doc.uri, scan);
    return scan;
  }

  /** The document's refs as scanned (diagnostics read them as rows). */
  refs(doc: TextDocument): ScannedRefs {
    return this.scan(doc).refs;
  }

  /** The ref under the cursor (end inclusive, so a cursor right after a ref still finds it). */
  occurrenceAt(doc: TextDocument, position: Position): Occurrence | undefined {
    const refs = this.scan(doc).refs;
    const offset = doc.offsetAt(position);
    const row = refs.firstEndingFrom(offset);
    return row < refs.count && refs.start(row) <= offset ? occurrenceOf(doc, refs.match(row), this.rules()) : undefined;
  }

  /** Every ref with its position (references and links need them all). */
  occurrences(doc: TextDocument): Occurrence[] {
    const scan = this.scan(doc);
    scan.occurrences ??= toOccurrences(scan.refs.text, scan.refs.matches(), this.rules());
    return scan.occurrences;
  }

  forget(uri: string): void {
    this.cache.delete(uri);
  }
}
