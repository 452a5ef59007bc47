// What a ref points at (CONTRACT 1.2): an artifact, a model blob, an event (by BLAKE3 payload
// digest or chain hash), or pruned evidence (an `artifact.deleted` event that kept its size,
// hash or labels). Shared by resolve, references, trace, graph and the dangling-ref check, so
// a ref means the same thing everywhere.
import type { ArtifactEntry, BlobEntry, EventEntry, ManifestEntry, RefAlgo, RefForm } from '../records';
import type { ResolveErrorCode } from '../protocol';
import { artifactKeys, eventOrder, type MemoryIndex } from './memoryIndex';

export type Target =
  | { type: 'artifact'; key: string; entry: ArtifactEntry }
  | { type: 'blob'; key: string; digest: string; blob?: BlobEntry; manifest?: ManifestEntry }
  | { type: 'event'; key: string; event: EventEntry }
  | { type: 'deleted'; key: string; event: EventEntry };

export type Lookup = { target: Target } | { error: ResolveErrorCode; message: string; candidates?: string[] };

/** The parts of a ref the lookup needs (a RefMatch or an Occurrence both provide them). */
export interface RefQuery {
  form: RefForm;
  algo: RefAlgo;
  /** Lower-case hex (or prefix), or the file-store id. */
  value: string;
  namespace?: string;
  invalid?: string;
}

/** The `prev_hash` of a chain's first record: names nothing, and is not a dangling ref. */
export const ZERO_DIGEST = '0'.repeat(64);
const MAX_CANDIDATES = 20;

const EVIDENCE_FIELD = /size|bytes|hash|sha256|label/i;

/** Pruned evidence must say something about what existed (CONTRACT 1.3), not just name a digest. */
function carriesEvidence(e: EventEntry): boolean {
  return Object.keys(e.summary ?? {}).some((k) => EVIDENCE_FIELD.test(k));
}

function bestArtifact(list: ArtifactEntry[], namespace?: string): ArtifactEntry | undefined {
  const inNs = namespace === undefined ? list : list.filter((a) => a.namespace === namespace);
  return inNs.find((a) => a.path && a.verification !== 'mismatch') ?? inNs.find((a) => a.path) ?? inNs[0];
}

function lookupDigest(store: MemoryIndex, hex: string, namespace?: string): Target | undefined {
  const key = 'sha256:' + hex;
  const artifacts = store.artifactsByKey.get(key);
  const a = artifacts && bestArtifact(artifacts, namespace);
  if (a) return { type: 'artifact', key, entry: a };
  if (namespace !== undefined) {
    const deleted = store.deletionsOf(key).find(carriesEvidence);
    return deleted ? { type: 'deleted', key, event: deleted } : undefined;
  }
  const blob = store.blobsByDigest.get(hex)?.[0];
  const manifest = store.manifestsByDigest.get(hex)?.find((m) => !m.error);
  if (blob || manifest) return { type: 'blob', key, digest: hex, blob, manifest };
  const event = store.eventByKey(key);
  if (event) return { type: 'event', key, event };
  const deleted = store.deletionsOf(key).filter(carriesEvidence).sort(eventOrder)[0];
  if (deleted) return { type: 'deleted', key, event: deleted };
  return undefined;
}

export function lookup(store: MemoryIndex, q: RefQuery): Lookup {
  if (q.invalid) return { error: 'invalid', message: q.invalid };
  if (q.algo === 'blake3') {
    const event = store.eventByKey('blake3:' + q.value);
    return event ? { target: { type: 'event', key: 'blake3:' + q.value, event } } : { error: 'dangling', message: 'no event has this payload digest' };
  }
  if (q.algo === 'artifact') {
    const a = bestArtifact(store.artifactsByKey.get('artifact:' + q.value) ?? []);
    return a ? { target: { type: 'artifact', key: a.key, entry: a } } : { error: 'dangling', message: 'no file-store artifact has this id' };
  }
  if (q.form === 'abbreviated') {
    let digests = store.digestsWithPrefix(q.value, MAX_CANDIDATES + 1);
    if (q.namespace !== undefined) {
      digests = digests.filter((d) => store.artifactsByKey.get('sha256:' + d)?.some((a) => a.namespace === q.namespace));
    }
    if (digests.length === 0) return { error: 'dangling', message: 'no artifact digest starts with this prefix' };
    if (digests.length > 1) {
      return { error: 'ambiguous', message: `${digests.length > MAX_CANDIDATES ? 'more than ' + MAX_CANDIDATES : digests.length} artifacts start with this prefix`, candidates: digests.slice(0, MAX_CANDIDATES).map((d) => 'sha256:' + d) };
    }
    const t = lookupDigest(store, digests[0], q.namespace);
    return t ? { target: t } : { error: 'dangling', message: 'no artifact digest starts with this prefix' };
  }
  const t = lookupDigest(store, q.value, q.form === 'namespaced' ? q.namespace : undefined);
  if (t) return { target: t };
  return {
    error: 'dangling',
    message: q.form === 'namespaced' ? `nothing with this digest in namespace ${q.namespace}` : 'no artifact, model blob or event has this digest',
  };
}

/** A ref key (`sha256:<hex>`, `blake3:<hex>`, `artifact:<id>`) as a query. */
export function queryOfKey(key: string, form: RefForm, namespace?: string): RefQuery {
  const colon = key.indexOf(':');
  return { form, algo: key.slice(0, colon) as RefAlgo, value: key.slice(colon + 1), namespace };
}

/** Every key the target answers to: what refs to it are indexed under. */
export function targetKeys(t: Target): string[] {
  if (t.type === 'artifact') return artifactKeys(t.entry);
  return [t.key];
}
