// A model store as a runtime's downloader leaves it (CONTRACT 1.5): blobs under
// `models/by-hash/<sha256>[.ext]`, one manifest per model id, a download in progress
// (`.part` + `.part.meta`), the throughput metrics, the store's own plain JSONL events,
// an orphan blob no manifest names (what GC collects), and a hand-edited manifest whose
// `path` leaves the store (what nothing may follow).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from './artifactWriter';
import type { FaultLog } from './faults';
import type { DemoClock, Prng } from './prng';

export interface StoredModel {
  id: string;
  sha256: string;
  file: string;
}

export interface ModelStoreResult {
  models: StoredModel[];
  blobs: number;
  orphanSha256: string;
  /** Lines in the store's own plain log, `state/events.jsonl`. */
  events: number;
}

interface ModelSpec {
  id: string;
  name: string;
  ext: string;
  kib: number;
  provider: string;
  url: string;
}

const MODELS: ModelSpec[] = [
  { id: 'qwen2.5-7b-instruct-q4_k_m', name: 'qwen2.5-7b-instruct-q4_k_m.gguf', ext: 'gguf', kib: 6, provider: 'huggingface', url: 'https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GGUF/resolve/main/qwen2.5-7b-instruct-q4_k_m.gguf' },
  { id: 'nomic-embed-text-v1.5-f16', name: 'nomic-embed-text-v1.5.f16.gguf', ext: 'gguf', kib: 3, provider: 'huggingface', url: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5-GGUF/resolve/main/nomic-embed-text-v1.5.f16.gguf' },
  { id: 'bge-reranker-v2-m3', name: 'model.safetensors', ext: 'safetensors', kib: 2, provider: 'huggingface', url: 'https://huggingface.co/BAAI/bge-reranker-v2-m3/resolve/main/model.safetensors' },
];

/** Small, deterministic stand-in bytes with the real format's magic, so a hex dump looks right. */
function modelBytes(spec: ModelSpec, prng: Prng): Buffer {
  const body = prng.bytes(spec.kib * 1024);
  if (spec.ext === 'gguf') {
    Buffer.from('GGUF').copy(body, 0);
    body.writeUInt32LE(3, 4);
  } else {
    const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' } }));
    body.writeBigUInt64LE(BigInt(header.length), 0);
    header.copy(body, 8);
  }
  return body;
}

function writeJsonFile(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function writeModelStore(stateDir: string, prng: Prng, clock: DemoClock, faults: FaultLog): ModelStoreResult {
  const modelsDir = path.join(stateDir, 'models');
  const byHash = path.join(modelsDir, 'by-hash');
  fs.mkdirSync(byHash, { recursive: true });
  const events: string[] = [];
  const models: StoredModel[] = [];
  for (const spec of MODELS) {
    clock.advance(prng.int(20, 140));
    const bytes = modelBytes(spec, prng);
    const sha256 = sha256Hex(bytes);
    const file = `${sha256}.${spec.ext}`;
    fs.writeFileSync(path.join(byHash, file), bytes);
    // Runtimes write the absolute blob path; consumers are told to rely on it, which is why a bad one matters.
    writeJsonFile(path.join(modelsDir, `${spec.id}.json`), { id: spec.id, file, name: spec.name, path: path.join(byHash, file), url: spec.url, sha256, cas: 'sha256', bytes: bytes.length, provider: spec.provider, verified: true });
    events.push(JSON.stringify({ type: 'models.manifest.written', time: clock.iso(), id: spec.id, sha256, bytes: bytes.length, path: `models/${spec.id}.json` }));
    models.push({ id: spec.id, sha256, file });
  }

  // A blob from an older quantisation whose manifest was replaced: nothing names it any more.
  const orphan = prng.bytes(2048);
  Buffer.from('GGUF').copy(orphan, 0);
  const orphanSha256 = sha256Hex(orphan);
  fs.writeFileSync(path.join(byHash, `${orphanSha256}.gguf`), orphan);

  // A copied manifest edited to point at a file outside the store: a naive reader would open (or GC delete) it.
  const target = models[0];
  const badManifest = path.join(modelsDir, 'qwen2.5-7b-instruct-q4_k_m-mirror.json');
  writeJsonFile(badManifest, { id: 'qwen2.5-7b-instruct-q4_k_m-mirror', file: target.file, name: MODELS[0].name, path: `${byHash}/../../../notes/incident.md`, url: MODELS[0].url, sha256: target.sha256, cas: 'sha256', bytes: MODELS[0].kib * 1024, provider: 'mirror', verified: false });
  faults.add({ kind: 'manifest-outside-store', file: badManifest, what: "This manifest's `path` climbs out of models/by-hash/ (`by-hash/../../../notes/incident.md`): it must be shown as invalid and never opened, followed or deleted." });

  // A download interrupted at a quarter: the .part keeps the bytes so far, the .part.meta the resume validators.
  const partial = prng.bytes(6 * 1024);
  const partName = 'llama-3.2-3b-instruct-q4_k_m.gguf';
  fs.writeFileSync(path.join(modelsDir, `${partName}.part`), partial.subarray(0, 1536));
  writeJsonFile(path.join(modelsDir, `${partName}.part.meta`), {
    url: 'https://huggingface.co/bartowski/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    etag: `"${sha256Hex(partial).slice(0, 40)}"`,
    last_modified: 'Wed, 25 Sep 2024 18:44:51 GMT',
    bytes: 1536,
    total: partial.length,
    sha256: sha256Hex(partial),
  });
  clock.advance(30);
  events.push(JSON.stringify({ type: 'models.download.progress', time: clock.iso(), name: partName, bytes: 1536, total: partial.length, status: 'interrupted' }));

  writeJsonFile(path.join(stateDir, 'downloads.metrics.json'), { ewma_mbps: 38.6, started: 5, completed: 3, failed: 1, canceled: 0, cached: 2, bytes_total: models.reduce((n, m) => n + fs.statSync(path.join(byHash, m.file)).size, 0) });
  fs.writeFileSync(path.join(stateDir, 'events.jsonl'), events.join('\n') + '\n');
  return { models, blobs: MODELS.length + 1, orphanSha256, events: events.length };
}
