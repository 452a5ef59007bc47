// Two chunks of agent-a's knowledge base, as its retriever stored them, whose digests share
// their first 8 hex digits: the note that cites "the chunk" by those 8 digits names both, so
// the demo has an ambiguous abbreviated ref to report and to hover (with its candidates).
import type { ArtifactWriter, WrittenArtifact } from './artifactWriter';
import { DEMO_EPOCH } from './prng';
import { prefixTwins, TWIN_PREFIX_HEX } from './prefixTwins';

/** The chunk numbers `prefixTwins` finds for this document, saving its half-second search on every run. */
const KNOWN_TWINS: [number, number] = [26715, 88495];

export interface ChunkTwins {
  chunks: [WrittenArtifact, WrittenArtifact];
  /** `sha256:<8 hex>`, the abbreviation both digests start with. */
  ambiguousRef: string;
}

export function writeChunkTwins(writer: ArtifactWriter): ChunkTwins {
  const chunk = {
    schema: 'retrieved_chunk.v1',
    index: 'kb-docs-2026-11',
    source: 'kb/refunds/policy.md',
    chunk: 0,
    text: 'Refunds above 500 EUR need a second approver before they are issued.',
    // The knowledge base was indexed the day before the runs.
    indexed_at: new Date(DEMO_EPOCH - 86400_000).toISOString(),
  };
  const [a, b] = prefixTwins(chunk, 'chunk', KNOWN_TWINS);
  const chunks: [WrittenArtifact, WrittenArtifact] = [writer.writeJson('retrieval/chunks', { ...chunk, chunk: a }), writer.writeJson('retrieval/chunks', { ...chunk, chunk: b })];
  return { chunks, ambiguousRef: `sha256:${chunks[0].hex.slice(0, TWIN_PREFIX_HEX)}` };
}
