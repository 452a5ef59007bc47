// The provenance graph slice around a ref (CONTRACT 2, `refscope/graph`): nodes are artifacts,
// model blobs, events and the other files that hold refs; an edge A -> B when A's content
// refers to B, and E -> A when event E references artifact A (labelled with the field).
// Walked breadth-first to `depth` hops in the asked direction, with a fan-out cap per node so
// a prompt shared by thousands of requests stays drawable.
import * as path from 'node:path';
import type { EventEntry } from '../records';
import type { GraphEdge, GraphParams } from '../protocol';
import type { Graph, GraphNodeAt } from './answers';
import { lookup, queryOfKey, type Target } from './lookup';
import { parseRef } from '../refs/parseRef';
import { lookupText, references, referringEvents, referringOccurrences } from './resolve';
import { eventOrder, type MemoryIndex } from './memoryIndex';

const MAX_NEIGHBOURS = 50;
const MAX_NODES = 500;

/** A node and what it stands for; `dangling` is the ref as asked when nothing answers to it. */
type Item = { node: GraphNodeAt; target?: Target; event?: EventEntry; file?: string; dangling?: string };

function eventId(e: EventEntry): string {
  return `event:${e.file}#${e.sequence ?? e.line ?? 0}`;
}

function eventItem(e: EventEntry): Item {
  const label = `${e.eventType}${e.sequence !== undefined ? ' #' + e.sequence : ''}`;
  return { node: { id: eventId(e), label, kind: 'event', path: e.file }, event: e };
}

function targetItem(t: Target): Item {
  if (t.type === 'event') return eventItem(t.event);
  if (t.type === 'artifact') {
    const a = t.entry;
    const file = a.path ?? a.metaPath;
    const node: GraphNodeAt = { id: a.key, label: `${a.kind} ${a.digest.slice(0, 12)}`, kind: a.kind };
    if (file) node.path = file;
    if (a.verification === 'pruned') node.verification = 'pruned';
    return { node, target: t };
  }
  if (t.type === 'blob') {
    const node: GraphNodeAt = { id: t.key, label: `model ${t.manifest?.id ?? t.digest.slice(0, 12)}`, kind: 'model-blob' };
    if (t.blob) node.path = t.blob.path;
    else node.missing = true;
    return { node, target: t };
  }
  return { node: { id: t.key, label: `pruned ${t.key.slice(7, 19)}`, kind: 'pruned', verification: 'pruned' }, target: t };
}

function keyItem(store: MemoryIndex, key: string, form: 'canonical' | 'namespaced' | 'object' | 'blake3', namespace?: string): Item {
  const r = lookup(store, queryOfKey(key, form, namespace));
  if ('target' in r) return targetItem(r.target);
  return { node: { id: key, label: key.slice(0, 19), kind: 'missing', missing: true } };
}

function formOf(key: string): 'canonical' | 'object' | 'blake3' {
  return key.startsWith('artifact:') ? 'object' : key.startsWith('blake3:') ? 'blake3' : 'canonical';
}

function outgoing(store: MemoryIndex, item: Item): { item: Item; label: string }[] {
  if (item.event) {
    const seen = new Set<string>();
    return item.event.refs
      .filter((r) => !seen.has(r.key) && seen.add(r.key))
      .map((r) => ({ item: keyItem(store, r.key, formOf(r.key)), label: r.field }));
  }
  const file = item.file ?? (item.target?.type === 'artifact' ? item.target.entry.path : undefined);
  if (!file) return [];
  const seen = new Set<string>();
  const out: { item: Item; label: string }[] = [];
  for (const o of store.occurrencesIn(file)) {
    if (o.invalid || o.form === 'abbreviated' || seen.has(o.key)) continue;
    seen.add(o.key);
    out.push({ item: keyItem(store, o.key, o.form === 'namespaced' ? 'namespaced' : formOf(o.key), o.namespace), label: 'refers to' });
  }
  return out;
}

/** Events naming `keys` (labelled with the field), then the other files whose content does. */
function referrers(store: MemoryIndex, keys: string[], events: EventEntry[], paths: string[]): { item: Item; label: string }[] {
  const out: { item: Item; label: string }[] = [];
  for (const e of events) out.push({ item: eventItem(e), label: e.refs.find((r) => keys.includes(r.key))?.field ?? 'ref' });
  for (const p of new Set(paths)) {
    const a = store.artifactByPath.get(p);
    if (a) out.push({ item: targetItem({ type: 'artifact', key: a.key, entry: a }), label: 'refers to' });
    else out.push({ item: { node: { id: 'file:' + p, label: path.basename(p), kind: 'file', path: p }, file: p }, label: 'refers to' });
  }
  return out;
}

function incoming(store: MemoryIndex, item: Item): { item: Item; label: string }[] {
  if (item.target) {
    const keys = [item.node.id, item.target.key];
    return referrers(store, keys, referringEvents(store, item.target), referringOccurrences(store, item.target).map((at) => at.path));
  }
  if (item.dangling === undefined) return [];
  // Nothing answers to the ref, but the index knows who names it: log lines as their events.
  const key = item.node.id;
  const events = store.eventsWithRef(key).sort(eventOrder);
  const logs = new Set(events.map((e) => e.file));
  return referrers(store, [key], events, references(store, item.dangling).map((l) => l.path).filter((p) => !logs.has(p)));
}

/** The node of a ref nothing answers to, marked missing like a dangling ref inside content. */
function danglingItem(ref: string): Item | undefined {
  const m = parseRef(ref);
  if (!m || m.invalid) return undefined;
  const key = `${m.algo}:${m.value}`;
  return { node: { id: key, label: key.slice(0, 19), kind: 'missing', missing: true }, dangling: ref };
}

export function graph(store: MemoryIndex, params: GraphParams): Graph {
  const r = lookupText(store, params.ref);
  const start = 'target' in r ? targetItem(r.target) : r.error === 'dangling' ? danglingItem(params.ref) : undefined;
  if (!start) return { nodes: [], edges: [] };
  const depth = Math.max(0, Math.min(params.depth ?? 2, 6));
  const direction = params.direction ?? 'both';
  const nodes = new Map<string, GraphNodeAt>();
  const edges = new Map<string, GraphEdge>();
  nodes.set(start.node.id, start.node);
  let frontier = [start];
  for (let d = 0; d < depth && frontier.length && nodes.size < MAX_NODES; d++) {
    const next: Item[] = [];
    for (const item of frontier) {
      const out = direction !== 'in' ? outgoing(store, item).slice(0, MAX_NEIGHBOURS).map((l) => ({ ...l, out: true })) : [];
      const into = direction !== 'out' ? incoming(store, item).slice(0, MAX_NEIGHBOURS).map((l) => ({ ...l, out: false })) : [];
      const links: { item: Item; label: string; out: boolean }[] = out.concat(into);
      for (const l of links) {
        if (l.item.node.id === item.node.id) continue;
        const from = l.out ? item.node.id : l.item.node.id;
        const to = l.out ? l.item.node.id : item.node.id;
        edges.set(`${from}\0${to}\0${l.label}`, { from, to, label: l.label });
        if (!nodes.has(l.item.node.id) && nodes.size < MAX_NODES) {
          nodes.set(l.item.node.id, l.item.node);
          next.push(l.item);
        }
      }
    }
    frontier = next;
  }
  // Edges to nodes dropped by the node cap would dangle in the drawing.
  return { nodes: [...nodes.values()], edges: [...edges.values()].filter((e) => nodes.has(e.from) && nodes.has(e.to)) };
}
