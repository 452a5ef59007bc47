// The stored form of a FileRecord: what the cache holds for 100k files must be small (its
// size is disk, load time and memory), so everything derivable is left out and restored on
// load: the path (the row is keyed by it), each event's and problem's file (the record's own),
// an artifact's path, root and key when they are the obvious ones, an occurrence's text when
// it is its key or `<namespace>/<key>` (about half the refs of a runtime), and the field names
// of occurrences (tuples).
import type { ArtifactEntry, EventEntry, FileRecord, Occurrence, Problem, RefForm } from '../model';
import type { StoredFile } from './store';

const FORMS: RefForm[] = ['canonical', 'namespaced', 'abbreviated', 'bare', 'blake3', 'object'];

/** The text slot: 0 when the text is the key, 1 when it is `<namespace>/<key>`, else the text. */
type TextSlot = string | 0 | 1;
type OccTuple = [number, number, number, number, string, TextSlot?, (string | 0)?, (1 | 0)?, string?];

function textSlot(o: Occurrence): TextSlot {
  if (o.text === o.key) return 0;
  const ns = o.namespace;
  const t = o.text;
  if (ns && t.length === ns.length + 1 + o.key.length && t.charCodeAt(ns.length) === 47 && t.startsWith(ns) && t.endsWith(o.key)) return 1;
  return t;
}

function encodeOcc(o: Occurrence): OccTuple {
  const t: OccTuple = [o.line, o.col, o.endCol, FORMS.indexOf(o.form), o.key];
  const tail: [TextSlot, string | 0, 1 | 0, string | undefined] = [textSlot(o), o.namespace ?? 0, o.upperCase ? 1 : 0, o.invalid];
  let last = tail.length;
  while (last > 0 && !tail[last - 1]) last--;
  for (let i = 0; i < last; i++) (t as unknown[]).push(tail[i] ?? 0);
  return t;
}

function decodeOcc(t: OccTuple): Occurrence {
  const text = t[5] === 1 ? `${t[6] as string}/${t[4]}` : t[5] || t[4];
  const o: Occurrence = { line: t[0], col: t[1], endCol: t[2], form: FORMS[t[3]], key: t[4], text };
  if (t[6]) o.namespace = t[6];
  if (t[7]) o.upperCase = true;
  if (t[8]) o.invalid = t[8];
  return o;
}

type Stored = Omit<FileRecord, 'path' | 'occurrences'> & { occurrences: OccTuple[] };

export type EncodedRecord = [string, string, Stored, Problem[]?];

/** `derived`: the file's cross-file ref problems, saved so a warm start need not recompute them. */
export function encodeRecord({ record, root }: StoredFile, derived: Problem[] = []): EncodedRecord {
  const { path, occurrences, ...rest } = record;
  const out: Stored = { ...rest, occurrences: occurrences.map(encodeOcc) };
  out.problems = record.problems.map((p) => (p.file === path ? { ...p, file: '' } : p));
  if (record.artifacts) {
    out.artifacts = record.artifacts.map((a) => {
      const c: Partial<ArtifactEntry> = { ...a };
      if (c.path === path) c.path = '';
      if (c.root === root) delete c.root;
      if (c.key === 'sha256:' + c.digest) delete c.key;
      return c as ArtifactEntry;
    });
  }
  if (record.events) out.events = record.events.map((e) => (e.file === path ? { ...e, file: '' } : e));
  return derived.length ? [path, root, out, derived.map((p) => ({ ...p, file: '' }))] : [path, root, out];
}

export function decodeRecord([path, root, s, derived]: EncodedRecord): { stored: StoredFile; derived?: Problem[] } {
  const record = s as unknown as FileRecord;
  record.path = path;
  record.occurrences = s.occurrences.map(decodeOcc);
  for (const p of record.problems as Problem[]) if (p.file === '') p.file = path;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === undefined) a.root = root;
    if (a.key === undefined) a.key = 'sha256:' + a.digest;
  }
  for (const e of (record.events ?? []) as EventEntry[]) if (e.file === '') e.file = path;
  if (derived) for (const p of derived) p.file = path;
  return { stored: { record, root }, derived };
}
