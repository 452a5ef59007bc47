// The trace of a request (CONTRACT 2): the event that wrote it, then the events after it in
// the same run (same `run_id`, else up to the next `provider_request_written`), each with the
// artifacts it references and what those reach by content refs (response -> output, tool
// call -> tool output), with times and the gap between steps. A run state's or ledger's
// trace is its ledger. Whatever a step names but the index lacks is a `missing` step.
import * as path from 'node:path';
import type { EventEntry } from '../records';
import type { Trace, TracedStep } from './answers';
import { lookup, queryOfKey, type Target } from './lookup';
import { lookupText, producerOf } from './resolve';
import { eventOrder, type MemoryIndex, type StoredRecord } from './memoryIndex';
import { displayTime, instantOf } from './times';
import { ownEndOf } from '../trace/timing';

/** Content refs are followed this deep below an event's own refs. */
const MAX_CONTENT_DEPTH = 4;

function targetStep(t: Target): TracedStep {
  if (t.type === 'artifact') {
    const s: TracedStep = { ref: t.entry.key, kind: t.entry.kind };
    const file = t.entry.path ?? t.entry.metaPath;
    if (file) s.path = file;
    if (t.entry.verification === 'pruned') s.verification = 'pruned';
    return s;
  }
  if (t.type === 'blob') {
    const s: TracedStep = { ref: t.key, kind: 'model-blob' };
    if (t.blob) s.path = t.blob.path;
    else s.missing = true;
    return s;
  }
  if (t.type === 'deleted') return { ref: t.key, kind: 'pruned', verification: 'pruned' };
  return { ref: t.key, kind: 'event', path: t.event.file, line: t.event.line, sequence: t.event.sequence, eventType: t.event.eventType };
}

export class TraceBuilder {
  /** Artifacts already expanded: a prompt every request shares is shown, not re-expanded. */
  private readonly expanded = new Set<string>();

  constructor(private readonly store: MemoryIndex) {}

  /**
   * The step for a referenced key, with what its content refers to below it. The step shows
   * the ref as `written` (a namespaced ref keeps its namespace), so copying it gives it back.
   */
  refStep(key: string, depth: number, namespace?: string, written = namespace !== undefined ? `${namespace}/${key}` : key): TracedStep {
    const form = namespace !== undefined ? 'namespaced' : key.startsWith('blake3:') ? 'blake3' : key.startsWith('artifact:') ? 'object' : 'canonical';
    const r = lookup(this.store, queryOfKey(key, form, namespace));
    if (!('target' in r)) return { ref: written, missing: true };
    const step = { ...targetStep(r.target), ref: written };
    if (r.target.type === 'artifact' && depth < MAX_CONTENT_DEPTH && !this.expanded.has(r.target.entry.key)) {
      this.expanded.add(r.target.entry.key);
      const children = this.contentChildren(r.target.entry.path, depth + 1);
      if (children.length) step.children = children;
    }
    return step;
  }

  private contentChildren(file: string | undefined, depth: number): TracedStep[] {
    if (!file) return [];
    const seen = new Set<string>();
    const out: TracedStep[] = [];
    for (const o of this.store.occurrencesIn(file)) {
      if (o.invalid || o.form === 'abbreviated' || o.role === 'run' || seen.has(o.key)) continue;
      seen.add(o.key);
      const r = lookup(this.store, queryOfKey(o.key, o.form, o.namespace));
      // Chain hashes and state digests that name events are not content; unresolved pointers
      // are missing pieces, unresolved fingerprints name nothing stored (CONTRACT 1.8).
      if ('target' in r ? r.target.type === 'event' : o.role === 'fingerprint') continue;
      out.push(this.refStep(o.key, depth, o.form === 'namespaced' ? o.namespace : undefined));
    }
    return out;
  }

  eventStep(e: EventEntry): TracedStep {
    const s: TracedStep = { eventType: e.eventType, path: e.file };
    if (e.sequence !== undefined) s.sequence = e.sequence;
    if (e.time !== undefined) s.time = displayTime(e.time);
    if (e.line !== undefined) s.line = e.line;
    const end = ownEndOf(e);
    if (end !== undefined) s.end = end;
    const seen = new Set<string>();
    const children: TracedStep[] = [];
    for (const r of e.refs) {
      // The run is named once, at the top of the trace, not as a missing artifact under each step.
      if (r.role === 'run') continue;
      const written = r.namespace !== undefined ? `${r.namespace}/${r.key}` : r.key;
      if (seen.has(written)) continue;
      seen.add(written);
      const target = lookup(this.store, queryOfKey(r.key, r.namespace !== undefined ? 'namespaced' : r.key.startsWith('artifact:') ? 'object' : 'canonical', r.namespace));
      if ('target' in target ? target.target.type === 'event' : r.role === 'fingerprint') continue; // chain links and unstored fingerprints, not evidence
      children.push(this.refStep(r.key, 0, r.namespace));
    }
    if (children.length) s.children = children;
    return s;
  }
}

/** Sets each step's `deltaMs`: milliseconds since the previous step that had a time. */
export function addDeltas(steps: TracedStep[]): void {
  let prev: number | undefined;
  for (const s of steps) {
    const t = instantOf(s.time);
    if (t === undefined) continue;
    if (prev !== undefined) s.deltaMs = t - prev;
    prev = t;
  }
}

/**
 * The events of W's run, in the order they happened: with a run id, those of every log of
 * W's runtime root (a root may hold several logs); another root's run of the same id is
 * another runtime's run. Without one, W's own log is all there is to go by.
 */
function runEvents(store: MemoryIndex, w: EventEntry): EventEntry[] {
  const root = store.rootOf(w.file);
  if (w.runId === undefined || root === undefined) return store.eventsIn(w.file).sort(eventOrder);
  // The run's events by its id, not a pass over every log: a log of a million events stays where it is.
  const out = store.eventsOfRun(w.runId).filter((e) => store.rootOf(e.file) === root);
  return out.sort(eventOrder);
}

/** W and the events of its run that follow it (CONTRACT 2): by run id, else up to the next request. */
export function followingEvents(store: MemoryIndex, w: EventEntry): EventEntry[] {
  const events = runEvents(store, w);
  const out = [w];
  for (const e of events.slice(events.findIndex((x) => store.sameEvent(x, w)) + 1)) {
    if (w.runId === undefined && e.eventType === 'provider_request_written') break;
    out.push(e);
  }
  return out;
}

/** A run state, snapshot file or ledger named by path or by its run ref: its ledger file. */
function ledgerFor(store: MemoryIndex, ref: string): StoredRecord | undefined {
  let rec: StoredRecord | undefined = store.get(path.resolve(ref))?.record;
  if (!rec) {
    for (const { record } of store.viewFiles) {
      if (record.run && record.run.type !== 'capsule' && record.run.ref === ref) {
        rec = record;
        break;
      }
    }
  }
  if (!rec) return undefined;
  if (rec.role === 'ledger') return rec;
  if (rec.role !== 'runState' && rec.role !== 'snapshotFile') return undefined;
  const runId = rec.run?.runId;
  if (runId === undefined) return undefined;
  return store.get(path.join(path.dirname(rec.path), `ledger_${runId}.jsonl`))?.record ?? rec;
}

export function trace(store: MemoryIndex, ref: string): Trace {
  const builder = new TraceBuilder(store);
  const ledger = ledgerFor(store, ref);
  if (ledger) {
    const steps = store.eventsIn(ledger.path).sort(eventOrder).map((e) => builder.eventStep(e));
    if (ledger.role !== 'ledger') steps.unshift({ eventType: 'ledger', missing: true, path: ledger.path });
    addDeltas(steps);
    return { root: ref, steps };
  }
  const r = lookupText(store, ref);
  if (!('target' in r)) return { root: ref, steps: [], error: r.error };
  const writer = producerOf(store, r.target);
  if (!writer) {
    // No event wrote it: the trace is the artifact and what it reaches (a request's writer shown missing).
    const key = r.target.type === 'artifact' ? r.target.entry.key : r.target.key;
    const namespace = r.target.type === 'artifact' && r.target.entry.key.startsWith('sha256:') ? r.target.entry.namespace : undefined;
    const steps: TracedStep[] = [builder.refStep(key, 0, namespace, key)];
    if (r.target.type === 'artifact' && r.target.entry.kind === 'requests') steps.unshift({ eventType: 'provider_request_written', missing: true });
    return { root: key, steps };
  }
  const steps = followingEvents(store, writer).map((e) => builder.eventStep(e));
  addDeltas(steps);
  const result: Trace = { root: r.target.type === 'artifact' ? r.target.entry.key : r.target.key, steps };
  if (writer.runId !== undefined) result.runId = writer.runId;
  return result;
}
