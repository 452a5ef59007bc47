// `refscope/resolve` and `refscope show --json` (CONTRACT 3, 4): the one place a resolution
// becomes the wire shape, with file URIs and the `details` bag. The key order is the answer's
// as clients have always seen it (`show --json` prints it as is).
import type { RefIndex } from '../index/api';
import { fileUri } from './fileUri';
import type { EventPlace, ResolvedRun, ResolvedTarget, Unresolved } from '../index/resolution';
import { forDisplay, type Displayed, type PreviewSettings } from '../preview/contentPreview';
import type { DetailFact } from '../preview/detailFacts';
import type { ProducedBy, ResolveFailure, ResolveResult, ResolveRun, ResolveSuccess } from '../protocol';

/** What `ref` is, as it may be displayed (content previewed, masked or withheld; credentials in its details masked). */
export async function resolveForDisplay(index: RefIndex, ref: string, settings: PreviewSettings): Promise<ResolveResult> {
  const r = index.resolve(ref);
  // A run is no content of its own: its capsule has a preview when resolved itself.
  if (r.type === 'run') return runWire(r);
  if (r.type === 'unresolved') return failureWire(r);
  return targetWire(r, await forDisplay(r, settings));
}

export function producedByWire(p: EventPlace): ProducedBy {
  const out: ProducedBy = { eventType: p.eventType, uri: fileUri(p.path), line: p.line };
  if (p.sequence !== undefined) out.sequence = p.sequence;
  if (p.time !== undefined) out.time = p.time;
  return out;
}

function detailsWire(facts: DetailFact[]): Record<string, unknown> | undefined {
  if (!facts.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const f of facts) out[f.key] = 'value' in f ? f.value : 'path' in f ? fileUri(f.path) : producedByWire(f.event);
  return out;
}

export function targetWire(r: ResolvedTarget, shown: Displayed): ResolveSuccess {
  const out: ResolveSuccess = { ref: r.ref, referencedBy: r.referencedBy, digest: r.digest, kind: r.kind, verification: r.verification, refs: r.refs };
  const details = detailsWire(shown.facts);
  const own = r.type === 'artifact' || r.type === 'blob';
  if (r.type === 'artifact' && r.namespace !== undefined) out.namespace = r.namespace;
  if (own && r.path !== undefined) out.uri = fileUri(r.path);
  // Events and deletion records always have details; they come before the rest of their facts.
  if (!own && details) out.details = details;
  if (r.type === 'event') out.uri = fileUri(r.path);
  if (r.size !== undefined) out.size = r.size;
  if (r.createdAt !== undefined) out.createdAt = r.createdAt;
  if (r.type === 'artifact' && r.schema !== undefined) out.schema = r.schema;
  // Only a span's GenAI attributes make details for an artifact or blob that has no facts of its own.
  const genAiOnly = own && details && shown.facts.length === (r.genAi?.length ?? 0);
  if (own && details && !genAiOnly) out.details = details;
  if (r.producedBy) out.producedBy = producedByWire(r.producedBy);
  if (genAiOnly) out.details = details;
  if (shown.preview) out.preview = shown.preview;
  return out;
}

export function runWire(r: ResolvedRun): ResolveRun {
  const out: ResolveRun = { ref: r.ref, kind: 'run', runId: r.runId, events: r.events };
  if (r.firstTime !== undefined) out.firstTime = r.firstTime;
  if (r.lastTime !== undefined) out.lastTime = r.lastTime;
  if (r.capsule !== undefined) out.capsule = r.capsule;
  if (r.capsulePath !== undefined) out.capsuleUri = fileUri(r.capsulePath);
  if (r.runStatePath !== undefined) out.runStateUri = fileUri(r.runStatePath);
  if (r.status !== undefined) out.status = r.status;
  if (r.mode !== undefined) out.mode = r.mode;
  if (r.path !== undefined) out.uri = fileUri(r.path);
  if (r.line !== undefined) out.line = r.line;
  return out;
}

export function failureWire(r: Unresolved): ResolveFailure {
  const out: ResolveFailure = { ref: r.ref, error: r.error, message: r.message };
  if (r.candidates) out.candidates = r.candidates;
  return out;
}
