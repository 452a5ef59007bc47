// The stored form of a FileRecord, in the byte codec (byteCodec): what the cache holds for
// 100k files must be small and quick to write and read (its size is disk, save and load
// time), so everything derivable is left out and restored on load: each event's and
// problem's file (the record's own), an artifact's path, root and key when they are the
// obvious ones, an occurrence's text when it is its key or `<namespace>/<key>` (about half
// the refs of a runtime). Occurrences, a few per file and 650k in all, have a layout of
// their own: numbers and a flags byte instead of a generic object each.
import type { ArtifactEntry, EventEntry, FileRecord, Occurrence, Problem, RefForm } from '../records';
import type { ByteReader, ByteWriter } from './byteCodec';
import { textShape } from './occurrenceColumns';
import type { ReadFile } from './memoryIndex';

const FORMS: RefForm[] = ['canonical', 'namespaced', 'abbreviated', 'bare', 'blake3', 'object'];
/** A ref's role (CONTRACT 1.8) as a byte: 0 a pointer (no field), else its index here. */
const ROLES = [undefined, 'fingerprint', 'run'] as const;

function roleByte(role: Occurrence['role']): number {
  return role === undefined ? 0 : ROLES.indexOf(role);
}

function roleOfByte(b: number): Occurrence['role'] {
  return ROLES[b];
}

// An occurrence's flags byte: the form's index in the low 3 bits, then:
const UPPER_CASE = 1 << 3;
const NAMESPACE = 1 << 4;
const INVALID = 1 << 5;
/** The text is `<namespace>/<key>`. */
const TEXT_NS_KEY = 1 << 6;
/** The text is neither the key nor `<namespace>/<key>`, and follows. */
const TEXT_OWN = 1 << 7;

function textFlag(o: Occurrence): number {
  const shape = textShape(o);
  return shape === 'key' ? 0 : shape === 'namespacedKey' ? TEXT_NS_KEY : TEXT_OWN;
}

function writeOccurrences(w: ByteWriter, occurrences: Occurrence[]): void {
  w.uint(occurrences.length);
  for (const o of occurrences) {
    const text = textFlag(o);
    const form = FORMS.indexOf(o.form);
    w.byte((form < 0 ? 0 : form) | (o.upperCase ? UPPER_CASE : 0) | (o.namespace !== undefined ? NAMESPACE : 0) | (o.invalid ? INVALID : 0) | text);
    w.byte(roleByte(o.role));
    w.uint(o.line);
    w.uint(o.col);
    w.uint(o.endCol);
    w.string(o.key);
    if (o.namespace !== undefined) w.string(o.namespace);
    if (o.invalid) w.string(o.invalid);
    if (text === TEXT_OWN) w.string(o.text);
  }
}

/**
 * Which rows of a large record to keep (a scoped load keeps those a query asked about): a
 * log of a million events is read through, but only its matching rows become objects.
 */
export interface RecordFilter {
  occurrence(key: string, form: RefForm): boolean;
  /** Asked before the event's summary is read: one not kept never makes it. */
  event(e: EventEntry): boolean;
}

/** Records with more rows than this are filtered when a filter is given; smaller ones are kept whole. */
const FILTER_ABOVE = 2000;

/** Rows of a list: all of them at their final size, or (filtered) the kept ones as they come. */
class Rows<T> {
  readonly list: T[];
  private at = 0;

  constructor(
    n: number,
    private readonly filtered: boolean,
  ) {
    // Made at their final size: an array grown by push keeps up to 16 spare slots, for as long as the index lives.
    this.list = filtered ? [] : new Array<T>(n);
  }

  add(row: T): void {
    if (this.filtered) this.list.push(row);
    else this.list[this.at++] = row;
  }
}

function readOccurrences(r: ByteReader, filter?: RecordFilter): { list: Occurrence[]; partial: boolean } {
  const n = r.uint();
  r.need(n); // a damaged count cannot make a huge array
  const partial = filter !== undefined && n > FILTER_ABOVE;
  const out = new Rows<Occurrence>(n, partial);
  for (let i = 0; i < n; i++) {
    const flags = r.byte();
    const role = roleOfByte(r.byte());
    const line = r.uint();
    const col = r.uint();
    const endCol = r.uint();
    const key = r.string();
    const form = FORMS[flags & 7] ?? 'canonical';
    if (partial && !filter.occurrence(key, form)) {
      if (flags & NAMESPACE) r.skipString();
      if (flags & INVALID) r.skipString();
      if (flags & TEXT_OWN) r.skipString();
      continue;
    }
    const namespace = flags & NAMESPACE ? r.string() : undefined;
    const invalid = flags & INVALID ? r.string() : undefined;
    const text = flags & TEXT_OWN ? r.string() : flags & TEXT_NS_KEY ? `${namespace}/${key}` : key;
    // Built as the scanner builds them (same fields, same order): one shape for every occurrence.
    const o: Occurrence = { line, col, endCol, form, key, text };
    if (namespace !== undefined) o.namespace = namespace;
    if (flags & UPPER_CASE) o.upperCase = true;
    if (invalid !== undefined) o.invalid = invalid;
    if (role !== undefined) o.role = role;
    out.add(o);
  }
  return { list: out.list, partial };
}

// An event's flags: which optional fields follow (in this order), and its `verified`.
const E_FILE = 1 << 0;
const E_LINE = 1 << 1;
const E_SEQUENCE = 1 << 2;
const E_TIME = 1 << 3;
const E_RUN = 1 << 4;
const E_SUBJECT = 1 << 5;
const E_ACTOR = 1 << 6;
const E_PAYLOAD = 1 << 7;
const E_HASH = 1 << 8;
const E_SUMMARY = 1 << 9;
const E_VERIFIED = 1 << 10;
const E_VERIFIED_TRUE = 1 << 11;

/**
 * Events have a layout of their own, as occurrences do (a log holds 100k of them): a flags
 * varint says which fields follow, so no field name is written, and the file is left out
 * when it is the record's. Every EventEntry field must be here (the codec round-trip test
 * fails otherwise).
 */
/** A file's events as the codec takes them: how many, then each in turn (made one at a time from columns, or a list). */
export interface EventRows {
  count: number;
  each: Iterable<EventEntry>;
}

function writeEvents(w: ByteWriter, path: string, events: EventRows): void {
  w.uint(events.count);
  for (const e of events.each) {
    const flags =
      (e.file !== path ? E_FILE : 0) |
      (e.line !== undefined ? E_LINE : 0) |
      (e.sequence !== undefined ? E_SEQUENCE : 0) |
      (e.time !== undefined ? E_TIME : 0) |
      (e.runId !== undefined ? E_RUN : 0) |
      (e.subject !== undefined ? E_SUBJECT : 0) |
      (e.actor !== undefined ? E_ACTOR : 0) |
      (e.payloadDigest !== undefined ? E_PAYLOAD : 0) |
      (e.hash !== undefined ? E_HASH : 0) |
      (e.summary !== undefined ? E_SUMMARY : 0) |
      (e.verified !== undefined ? E_VERIFIED : 0) |
      (e.verified ? E_VERIFIED_TRUE : 0);
    w.uint(flags);
    w.string(e.source);
    w.string(e.eventType);
    if (flags & E_FILE) w.string(e.file);
    if (flags & E_LINE) w.value(e.line);
    if (flags & E_SEQUENCE) w.value(e.sequence);
    if (flags & E_TIME) w.string(e.time!);
    if (flags & E_RUN) w.string(e.runId!);
    if (flags & E_SUBJECT) w.string(e.subject!);
    if (flags & E_ACTOR) w.string(e.actor!);
    if (flags & E_PAYLOAD) w.string(e.payloadDigest!);
    if (flags & E_HASH) w.string(e.hash!);
    w.uint(e.refs.length);
    for (const x of e.refs) {
      w.string(x.key);
      w.string(x.field);
      w.string(x.namespace ?? ''); // a namespace is never empty
      w.byte(roleByte(x.role));
    }
    if (flags & E_SUMMARY) w.value(e.summary);
  }
}

function readEvents(r: ByteReader, path: string, filter?: RecordFilter): { list: EventEntry[]; partial: boolean } {
  const n = r.uint();
  r.need(n);
  const partial = filter !== undefined && n > FILTER_ABOVE;
  const out = new Rows<EventEntry>(n, partial);
  for (let i = 0; i < n; i++) {
    const flags = r.uint();
    const source = r.string() as EventEntry['source'];
    const eventType = r.string();
    const file = flags & E_FILE ? r.string() : path;
    const line = flags & E_LINE ? (r.value() as number) : undefined;
    const sequence = flags & E_SEQUENCE ? (r.value() as number) : undefined;
    const time = flags & E_TIME ? r.string() : undefined;
    const runId = flags & E_RUN ? r.string() : undefined;
    const subject = flags & E_SUBJECT ? r.string() : undefined;
    const actor = flags & E_ACTOR ? r.string() : undefined;
    const payloadDigest = flags & E_PAYLOAD ? r.string() : undefined;
    const hash = flags & E_HASH ? r.string() : undefined;
    const count = r.uint();
    r.need(count);
    const refs = new Array<EventEntry['refs'][number]>(count);
    for (let j = 0; j < refs.length; j++) {
      const key = r.string();
      const field = r.string();
      const namespace = r.string();
      const role = roleOfByte(r.byte());
      const ref: EventEntry['refs'][number] = namespace ? { key, field, namespace } : { key, field };
      if (role !== undefined) ref.role = role;
      refs[j] = ref;
    }
    const e: EventEntry = { source, file, eventType, refs };
    if (line !== undefined) e.line = line;
    if (sequence !== undefined) e.sequence = sequence;
    if (time !== undefined) e.time = time;
    if (runId !== undefined) e.runId = runId;
    if (subject !== undefined) e.subject = subject;
    if (actor !== undefined) e.actor = actor;
    if (payloadDigest !== undefined) e.payloadDigest = payloadDigest;
    if (hash !== undefined) e.hash = hash;
    if (flags & E_VERIFIED) e.verified = (flags & E_VERIFIED_TRUE) !== 0;
    if (partial && !filter.event(e)) {
      if (flags & E_SUMMARY) r.skipValue();
      continue;
    }
    if (flags & E_SUMMARY) e.summary = r.value() as Record<string, unknown>;
    out.add(e);
  }
  return { list: out.list, partial };
}

/**
 * `derived`: the file's cross-file ref problems, saved so a warm start need not recompute them.
 * `eventRows`: the file's events when the record does not hold them (the store keeps them as columns).
 */
export function writeRecord(w: ByteWriter, { record, root }: ReadFile, derived: Problem[] = [], eventRows?: EventRows): void {
  const { path, occurrences, events, ...rest } = record;
  w.string(path);
  w.string(root);
  writeOccurrences(w, occurrences);
  const rows = eventRows ?? (events && { count: events.length, each: events });
  w.byte(rows ? 1 : 0);
  if (rows) writeEvents(w, path, rows);
  const out: Omit<FileRecord, 'path' | 'occurrences' | 'events'> = { ...rest };
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
  w.value(out);
  w.value(derived.map((p) => ({ ...p, file: '' })));
}

/**
 * Throws on bytes that are not a record (a damaged cache). With a filter (chosen by the
 * record's path, the first thing read), a large record keeps only the rows it takes, and
 * says it is `partial`.
 */
export function readRecord(r: ByteReader, filterOf?: (path: string) => RecordFilter | undefined): { stored: ReadFile; derived?: Problem[]; partial?: boolean } {
  const path = r.string();
  const root = r.string();
  const filter = filterOf?.(path);
  const occurrenceRows = readOccurrences(r, filter);
  const occurrences = occurrenceRows.list;
  const eventRows = r.byte() ? readEvents(r, path, filter) : undefined;
  const events = eventRows?.list;
  const record = r.value() as FileRecord;
  if (!record || typeof record !== 'object' || !Array.isArray(record.problems)) throw new Error('not a stored record');
  record.path = path;
  record.occurrences = occurrences;
  for (const p of record.problems) if (p.file === '') p.file = path;
  for (const a of record.artifacts ?? []) {
    if (a.path === '') a.path = path;
    if (a.root === undefined) a.root = root;
    if (a.key === undefined) a.key = 'sha256:' + a.digest;
  }
  if (events) record.events = events;
  const derived = r.value() as Problem[];
  if (!Array.isArray(derived)) throw new Error('not a stored record');
  for (const p of derived) p.file = path;
  const decoded: { stored: ReadFile; derived?: Problem[]; partial?: boolean } = { stored: { record, root }, derived: derived.length ? derived : undefined };
  if (occurrenceRows.partial || eventRows?.partial) decoded.partial = true;
  return decoded;
}
