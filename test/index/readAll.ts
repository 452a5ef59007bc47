// What the read pool and prefetch tests share: every batch of readBatches read and checked to
// come in job order, a record's problem codes, and a workspace large enough for a worker.
import * as assert from 'node:assert/strict';
import type { FileRecord } from '../../shared/records';
import type { RefIndex } from '../../shared/index/api';
import { readBatches, type ReadBatch, type ReadBatchesOptions } from '../../shared/index/readPool';
import type { ReadJob } from '../../shared/index/readRequests';
import { isResolvedTarget } from '../../shared/index/resolution';
import type { Workspace } from './fixture';

export type ReadOptions = Partial<ReadBatchesOptions>;

export async function readAll(jobs: ReadJob[], options: ReadOptions = {}): Promise<{ records: FileRecord[]; batches: ReadBatch[] }> {
  const records: FileRecord[] = [];
  const batches: ReadBatch[] = [];
  for await (const b of readBatches(jobs, { maxParseBytes: 16 * 1024 * 1024, batchSize: 3, ...options })) {
    assert.deepEqual(b.jobs.map((j) => j.path), jobs.slice(records.length, records.length + b.jobs.length).map((j) => j.path), 'batches come in job order');
    for (const r of b.records) records.push(r);
    batches.push(b);
  }
  return { records, batches };
}

export function problemCodes(r: FileRecord | undefined): string[] {
  return (r?.problems ?? []).map((p) => p.code);
}

/** 1100 request artifacts (more than a read in the calling thread takes), each naming the one before; their digests. */
export function artifactChain(ws: Workspace): string[] {
  const hexes: string[] = [];
  for (let i = 0; i < 1100; i++) hexes.push(ws.artifact('runtime', 'requests', { i, prev: hexes[i - 1] ? `sha256:${hexes[i - 1]}` : null }));
  return hexes;
}

/** Builds `index` and checks that it holds the chain: a link verified, and named by the next one alone. */
export async function buildsChain(index: RefIndex, ws: Workspace, hexes: string[]): Promise<void> {
  const stats = await index.build();
  assert.ok((stats.filesRead ?? 0) > hexes.length);
  const resolved = index.resolve(`sha256:${hexes[500]}`);
  assert.ok(isResolvedTarget(resolved) && resolved.verification === 'verified');
  assert.deepEqual(index.references(`sha256:${hexes[500]}`).map((r) => r.path), [ws.p(`runtime/artifacts/requests/${hexes[501]}.json`)], 'the next artifact mentions it');
}
