// `refscope/resolve` and `references` (CONTRACT 3): what a ref is, who wrote it, who points
// at it, described with paths and typed fields (resolution.ts); the wire shape is made from
// that at the edge (shared/wire/resolveWire.ts). The producing event is the first event (in log order) that writes the target;
// "referenced by" counts distinct places: ref occurrences in other files plus events whose
// log holds no occurrence of the ref at that line (SQLite rows have no text positions).
import type { ArtifactEntry, EventEntry } from '../records';
import { parseRef } from '../refs/parseRef';
import type { RefLocation } from './api';
import type { DescribeOptions, EventPlace, Resolution, ResolvedTarget, Unresolved } from './resolution';
import { lookup, targetKeys, type Lookup, type RefQuery, type Target } from './lookup';
import { describeRun, knownRunId, runReferences } from './runs';
import type { EventPlaceRow } from './eventColumns';
import { eventOrder, type MemoryIndex, type OccurrenceAt } from './memoryIndex';
import { displayTime } from './times';
import { LinePlaces } from './linePlaces';

/** Parses and looks up a ref typed by a user or sent by the editor. */
export function lookupText(store: MemoryIndex, ref: string): Lookup {
  const m = parseRef(ref);
  if (!m) return { error: 'invalid', message: 'not a ref: expected sha256:<hex>, ns/sha256:<hex>, blake3:<hex>, artifact:<id> or {"$artifact": "<id>"}' };
  return lookup(store, m);
}

function ownFiles(t: Target): Set<string> {
  const own = new Set<string>();
  if (t.type === 'artifact') {
    if (t.entry.path) own.add(t.entry.path);
    if (t.entry.metaPath) own.add(t.entry.metaPath);
  }
  return own;
}

/** Occurrences (outside the target's own files) that resolve to the target. */
export function referringOccurrences(store: MemoryIndex, t: Target): OccurrenceAt[] {
  return Array.from(eachReferringOccurrence(store, t));
}

/** referringOccurrences as they are found: the first page of a ref with 100k referrers needs only the first files. */
function* eachReferringOccurrence(store: MemoryIndex, t: Target): Generator<OccurrenceAt> {
  const mayRefer = referrerFilter(t);
  for (const key of targetKeys(t)) {
    for (const at of store.eachOccurrenceOf(key)) {
      if (mayRefer(at.path, at.occ.invalid !== undefined, at.occ.form === 'namespaced', at.occ.namespace)) yield at;
    }
  }
  yield* abbreviatedReferrers(store, t, mayRefer);
}

type ReferrerFilter = (path: string, invalid: boolean, namespaced: boolean, namespace: string | undefined) => boolean;

/** Whether an occurrence can refer to `t`: outside the target's own files, valid, and in its namespace when written with one. */
function referrerFilter(t: Target): ReferrerFilter {
  const own = ownFiles(t);
  const namespace = targetNamespace(t);
  return (path, invalid, namespaced, written) => mayReferFrom(own.has(path), invalid, namespaced, written, namespace);
}

/** The namespace a ref written with one must name to refer to `t`. */
function targetNamespace(t: Target): string | undefined {
  return t.type === 'artifact' && t.entry.key.startsWith('sha256:') ? t.entry.namespace : undefined;
}

function mayReferFrom(inOwnFile: boolean, invalid: boolean, namespaced: boolean, written: string | undefined, namespace: string | undefined): boolean {
  return !inOwnFile && !invalid && (!namespaced || written === namespace);
}

/** Abbreviated occurrences (`sha256:<prefix>`) that resolve to the artifact `t`. */
function* abbreviatedReferrers(store: MemoryIndex, t: Target, mayRefer: ReferrerFilter): Generator<OccurrenceAt> {
  if (t.type !== 'artifact' || !t.entry.key.startsWith('sha256:')) return;
  const keys = targetKeys(t);
  const digests = new Set(keys.map((k) => k.slice(7)));
  // Only the occurrences abbreviating one of its keys are made (all of them were, on every hover).
  for (const at of store.abbreviatedOccurrences((abbreviated) => keys.some((k) => k.startsWith(abbreviated)))) {
    if (!mayRefer(at.path, at.occ.invalid !== undefined, false, undefined)) continue;
    const prefix = at.occ.key.slice(7);
    for (const d of digests) {
      if (!d.startsWith(prefix)) continue;
      const r = lookup(store, { form: 'abbreviated', algo: 'sha256', value: prefix, namespace: at.occ.namespace });
      if ('target' in r && r.target.type === 'artifact' && sameArtifact(r.target.entry, t.entry)) yield at;
      break;
    }
  }
}

/** Whether two artifacts the store made are the same one (it makes a new object per ask): one key, one place. */
function sameArtifact(a: ArtifactEntry, b: ArtifactEntry): boolean {
  return a.key === b.key && a.path === b.path && a.metaPath === b.metaPath;
}

/** Events that reference the target, in log order. */
export function referringEvents(store: MemoryIndex, t: Target): EventEntry[] {
  const out = store.eventsReferring(targetKeys(t));
  const self = t.type === 'event' ? t.event : undefined;
  return (self ? out.filter((e) => !store.sameEvent(e, self)) : out).sort(eventOrder);
}

const WRITING_EVENT = /written|created|wrote|write|put|store|save/i;

/**
 * The event that produced the target: the first (in log order) whose type says it wrote
 * something (`*_written`, `artifact.created`), else the first that names it at all; an event
 * that only packages or links the evidence later must not pass for its producer.
 */
export function producerOf(store: MemoryIndex, t: Target): EventEntry | undefined {
  return producerAmong(store, t, referringPlaces(store, t));
}

/** producerOf among the places of the events naming `t` (in log order): only the producer is made whole. */
function producerAmong(store: MemoryIndex, t: Target, places: EventPlaceRow[]): EventEntry | undefined {
  if (t.type === 'event') return undefined;
  const writers = places.filter((e) => e.eventType !== 'artifact.deleted');
  const producer = writers.find((e) => WRITING_EVENT.test(e.eventType)) ?? writers[0];
  return producer && store.eventAt(producer);
}

/**
 * The places of the events that reference the target, in log order: describe() needs each
 * one's type and place, and only its producer whole (a hover's target is often named by
 * dozens of events, and making each with its refs and summary was a third of a hover's garbage).
 */
function referringPlaces(store: MemoryIndex, t: Target): EventPlaceRow[] {
  return store.eventPlacesReferring(targetKeys(t), t.type === 'event' ? t.event : undefined).sort(eventOrder);
}

/**
 * Where a ref with no target (a dangling one) is written, found through the files the index
 * knows mention its key, not by a scan. A namespaced ref counts only mentions in its namespace.
 * Places that are log records come last, in the order their events happened, so the last log
 * place is where the logs last mention it.
 */
function danglingMentions(store: MemoryIndex, q: RefQuery): OccurrenceAt[] {
  const key = q.algo + ':' + q.value;
  const mentions = q.form === 'abbreviated' ? store.abbreviatedOccurrences().filter((at) => at.occ.key === key) : store.occurrencesOf(key);
  const inScope = mentions.filter(({ occ }) => !occ.invalid && (q.namespace === undefined || occ.namespace === q.namespace));
  const eventAt = new Map<string, EventEntry>();
  for (const e of store.eventsWithRef(key)) if (e.line !== undefined) eventAt.set(`${e.file}\0${e.line}`, e);
  const logged: [OccurrenceAt, EventEntry][] = [];
  const other: OccurrenceAt[] = [];
  for (const at of inScope) {
    const e = eventAt.get(`${at.path}\0${at.occ.line}`);
    if (e) logged.push([at, e]);
    else other.push(at);
  }
  other.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.occ.line - b.occ.line || a.occ.col - b.occ.col));
  logged.sort(([a, x], [b, y]) => eventOrder(x, y) || a.occ.col - b.occ.col);
  return other.concat(logged.map(([at]) => at));
}

/**
 * Every place holding a ref to what `ref` denotes; for a dangling ref, every place that
 * writes it; for a run id, the run's capsule, run state and event lines too.
 */
export function references(store: MemoryIndex, ref: string): RefLocation[] {
  return Array.from(eachReference(store, ref));
}

/**
 * references() as they are found, for a ref that resolves (a dangling one or a run id is
 * ordered by event first, so it comes all at once).
 */
export function* eachReference(store: MemoryIndex, ref: string): Generator<RefLocation> {
  const m = parseRef(ref);
  const r = m && lookup(store, m);
  const location = ({ path, occ }: OccurrenceAt): RefLocation => ({ path, line: occ.line, col: occ.col, endCol: occ.endCol });
  if (r && 'target' in r) {
    for (const at of eachReferringOccurrence(store, r.target)) yield location(at);
    return;
  }
  const found = (m && r?.error === 'dangling' ? danglingMentions(store, m) : []).map(location);
  const runId = knownRunId(store, ref);
  yield* runId === undefined ? found : runReferences(store, runId, found);
}

/**
 * Places that refer to the target: lines holding a ref to it, plus events on no such line.
 * Counted as found, by file id and line, with no list of them and no string per place; a
 * caller that only shows the number (the hover) stops at `upTo`, since a ref with 100k referrers
 * takes 140-390 ms to count whole.
 */
function referencedBy(store: MemoryIndex, t: Target, events: EventPlaceRow[], upTo: number): { count: number; atLeast?: true } {
  const places = new LinePlaces(upTo);
  const own: number[] = [];
  for (const p of ownFiles(t)) {
    const id = store.fileIdOf(p);
    if (id !== undefined) own.push(id);
  }
  const namespace = targetNamespace(t);
  // Counted from the occurrence rows: no occurrence is made for a count.
  for (const key of targetKeys(t)) {
    const all = store.everyOccurrenceRow(key, (file, line, invalid, namespaced, written) => !mayReferFrom(own.includes(file), invalid, namespaced, written, namespace) || places.add(file, line));
    if (!all) return { count: places.count, atLeast: true };
  }
  const mayRefer = referrerFilter(t);
  for (const at of abbreviatedReferrers(store, t, mayRefer)) if (!places.add(store.fileIdOf(at.path)!, at.occ.line)) return { count: places.count, atLeast: true };
  let count = places.count;
  for (const e of events) {
    const file = e.line === undefined ? undefined : store.fileIdOf(e.file);
    if (file === undefined || !places.has(file, e.line!)) {
      if (++count >= upTo) return { count, atLeast: true };
    }
  }
  return { count };
}

/** Where an event stands in its log (SQLite rows: line 0). */
export function eventPlaceOf(e: EventEntry): EventPlace {
  const p: EventPlace = { eventType: e.eventType, path: e.file, line: e.line ?? 0 };
  if (e.sequence !== undefined) p.sequence = e.sequence;
  if (e.time !== undefined) p.time = displayTime(e.time);
  return p;
}

/** The refs a file holds, as written keys (`ns/sha256:<hex>` keeps its namespace), each once. */
export function refsIn(store: MemoryIndex, paths: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    if (!p) continue;
    for (const o of store.occurrencesIn(p)) {
      if (o.invalid) continue;
      out.add(o.form === 'namespaced' ? `${o.namespace}/${o.key}` : o.key);
    }
  }
  return [...out];
}

/** What `t` is, with paths and typed fields per kind of target; resolve() and the hover use the same facts. */
export function describe(store: MemoryIndex, ref: string, t: Target, options: DescribeOptions = {}): ResolvedTarget {
  // Read once for both: the events that name it are its producer's candidates and its referrers.
  const events = referringPlaces(store, t);
  const producer = producerAmong(store, t, events);
  const { count: referenced, atLeast } = referencedBy(store, t, events, options.referrersUpTo ?? Infinity);
  let out: ResolvedTarget;
  if (t.type === 'artifact') {
    const a = t.entry;
    // `sha256:<blob_id>` of a deduplicated file store names the blob's digest, not the 32-hex id.
    const digest = t.key !== a.key && t.key.startsWith('sha256:') ? t.key.slice(7) : a.digest;
    out = { type: 'artifact', ref, digest, kind: a.kind, verification: a.verification, referencedBy: referenced, refs: refsIn(store, [a.path, a.metaPath]), artifact: a };
    // Only content-addressed artifacts live in a namespace (`artifacts/<ns>/<hex>`); file-store entries do not.
    if (a.key.startsWith('sha256:') && a.namespace) out.namespace = a.namespace;
    const path = a.path ?? a.metaPath;
    if (path) out.path = path;
    if (a.size !== undefined) out.size = a.size;
    if (a.createdAt !== undefined) out.createdAt = displayTime(a.createdAt);
    if (a.schema !== undefined) out.schema = a.schema;
  } else if (t.type === 'blob') {
    const m = t.manifest;
    out = { type: 'blob', ref, digest: t.digest, kind: 'model-blob', verification: t.blob ? (m?.verified ? 'verified' : 'unverified') : 'missing', referencedBy: referenced, refs: [] };
    if (t.blob) out.path = t.blob.path;
    const size = t.blob?.size ?? m?.bytes;
    if (size !== undefined) out.size = size;
    if (m) out.manifest = m;
  } else if (t.type === 'event') {
    const e = t.event;
    out = { type: 'event', ref, digest: t.key.slice(t.key.indexOf(':') + 1), kind: 'event', verification: e.verified === false ? 'unverified' : 'verified', referencedBy: referenced, refs: [...new Set(e.refs.map((r) => r.key))], path: e.file, event: e };
    if (e.time !== undefined) out.createdAt = displayTime(e.time);
  } else {
    const e = t.event;
    const s = e.summary ?? {};
    out = { type: 'pruned', ref, digest: t.key.slice(7), kind: typeof s.kind === 'string' ? s.kind : 'artifact', verification: 'pruned', referencedBy: referenced, refs: [], deletedBy: eventPlaceOf(e), summary: s };
    const size = s.size ?? s.size_bytes ?? s.bytes;
    if (typeof size === 'number') out.size = size;
  }
  if (atLeast) out.referencedByAtLeast = true;
  if (producer) {
    out.producedBy = eventPlaceOf(producer);
    // An OpenTelemetry span that wrote it tells the GenAI operation, model and token usage.
    const genAi = producer.summary && Object.entries(producer.summary).filter(([k]) => k.startsWith('gen_ai.'));
    if (genAi?.length) out.genAi = genAi;
  }
  return out;
}

export function resolve(store: MemoryIndex, ref: string, options: DescribeOptions = {}): Resolution {
  const r = lookupText(store, ref);
  if ('target' in r) return describe(store, ref, r.target, options);
  const runId = runIdOf(store, ref, r);
  if (runId !== undefined) return describeRun(store, ref, runId);
  return unresolvedOf(ref, r);
}

/**
 * What resolve(ref) answers when `ref`, already parsed as `q`, names nothing, else undefined:
 * the verdict without parsing the ref again or describing its target (an open log's
 * diagnostics ask it of each distinct ref that names no artifact).
 */
export function unresolved(store: MemoryIndex, q: RefQuery, ref: string): Unresolved | undefined {
  // A chain hash or a payload digest (a log has one or two a line) names an event, which
  // lookup would make from its columns: that it exists is the verdict.
  if (q.algo !== 'artifact' && q.form !== 'abbreviated' && q.form !== 'namespaced' && store.hasEvent(`${q.algo}:${q.value}`)) return undefined;
  const r = lookup(store, q);
  return 'target' in r || runIdOf(store, ref, r) !== undefined ? undefined : unresolvedOf(ref, r);
}

/** Nothing stored has this digest, or it is no ref at all: it may be a run's id (CONTRACT 1.8). */
function runIdOf(store: MemoryIndex, ref: string, r: Exclude<Lookup, { target: unknown }>): string | undefined {
  return r.error !== 'ambiguous' ? knownRunId(store, ref) : undefined;
}

function unresolvedOf(ref: string, r: Exclude<Lookup, { target: unknown }>): Unresolved {
  const failure: Unresolved = { type: 'unresolved', ref, error: r.error, message: r.message };
  if (r.candidates) failure.candidates = r.candidates;
  return failure;
}
