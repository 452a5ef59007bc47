// The facts a resolved target has beyond the common ones (a sidecar's metadata, a model
// manifest, an event's fields, a deletion record, a GenAI span's attributes), in the one order
// the hover, `refscope show` and the wire's `details` list them. Paths and event places stay
// typed here: the hover shows a file's name, the wire a URI.
import type { EventPlace, ResolvedTarget } from '../index/resolution';

export type DetailFact =
  | { key: string; value: unknown }
  /** A sidecar or manifest file. */
  | { key: string; path: string }
  /** The event that deleted pruned evidence. */
  | { key: string; event: EventPlace };

const ARTIFACT_FIELDS = ['runId', 'turnId', 'toolId', 'provider', 'model', 'labels', 'sensitivity', 'blobId', 'contentType', 'tags', 'actualDigest'] as const;

export function detailFacts(r: ResolvedTarget): DetailFact[] {
  const out: DetailFact[] = [];
  const value = (key: string, v: unknown) => v !== undefined && out.push({ key, value: v });
  switch (r.type) {
    case 'artifact': {
      const a = r.artifact;
      for (const f of ARTIFACT_FIELDS) value(f, a[f]);
      if (a.metaPath) out.push({ key: 'metaUri', path: a.metaPath });
      if (a.key.startsWith('artifact:')) value('artifactId', a.digest);
      break;
    }
    case 'blob': {
      const m = r.manifest;
      if (!m) break;
      value('id', m.id);
      value('name', m.name);
      value('provider', m.provider);
      value('url', m.url);
      value('bytes', m.bytes);
      value('verified', m.verified);
      out.push({ key: 'manifest', path: m.file });
      break;
    }
    case 'event': {
      const e = r.event;
      out.push({ key: 'eventType', value: e.eventType }, { key: 'source', value: e.source });
      value('sequence', e.sequence);
      value('line', e.line);
      value('subject', e.subject);
      value('time', r.createdAt);
      value('runId', e.runId);
      value('actor', e.actor);
      if (e.summary) out.push({ key: 'summary', value: e.summary });
      break;
    }
    case 'pruned':
      out.push({ key: 'deletedBy', event: r.deletedBy });
      for (const [k, v] of Object.entries(r.summary)) out.push({ key: k, value: v });
      break;
  }
  for (const [k, v] of r.genAi ?? []) out.push({ key: k, value: v });
  return out;
}
