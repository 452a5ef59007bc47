// A Python workflow runtime's on-disk state (CONTRACT 1.7): `flow-runtime/` keeps a flat
// sidecar store with two runs (one chained ledger, one from an older version without
// chaining, still waiting for approval); `flow-archive/` keeps a deduplicated store with a
// third run, its signed chained ledger and a snapshot of its state taken before human
// review. Run states and ledger records point into the stores with `{"$artifact": id}`.
// One archived sidecar lost its blob to retention: pruned evidence.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from './artifactWriter';
import type { FaultLog } from './faults';
import { LedgerWriter } from './ledgerWriter';
import type { DemoClock, Prng } from './prng';
import { PyFloat, pythonDumps } from './pythonJson';
import { artifactRef, SidecarStore } from './sidecarStore';

export interface FlowRuntimeResult {
  runs: string[];
  sidecars: number;
  ledgers: number;
  /** Lines in the scheduler's plain log. */
  events: number;
  /** An artifact id a run state points at, for the notes. */
  sampleArtifactId: string;
}

interface Step {
  node: string;
  effect: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  seconds: number;
  error?: Record<string, unknown>;
}

/** Python's `json.dump(value, f, indent=2)`: same layout as JSON.stringify here (ASCII keys, no floats), no trailing newline. */
function writeJsonFile(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Appends one record per step, with real-looking ids, times and attempts; a step with an error is retried. */
function writeLedger(ledger: LedgerWriter, runId: string, steps: Step[], prng: Prng, clock: DemoClock): void {
  for (const step of steps) {
    let attempt = 1;
    const attempts = step.error ? [step.error, undefined] : [undefined];
    for (const error of attempts) {
      const startedAt = clock.pythonIso();
      clock.advance(step.seconds);
      ledger.append({
        run_id: runId,
        step_id: prng.uuid(),
        node_id: step.node,
        status: error ? 'failed' : 'completed',
        effect: step.effect,
        result: error ? null : step.result,
        error: error ?? null,
        started_at: startedAt,
        ended_at: clock.pythonIso(),
        attempt,
        duration_s: new PyFloat(step.seconds),
        idempotency_key: `${runId}:${step.node}:${attempt}`,
      });
      attempt++;
      clock.advance(prng.int(1, 4));
    }
  }
  ledger.close();
}

function runState(runId: string, workflowId: string, status: string, createdAt: string, updatedAt: string, vars: Record<string, unknown>, output: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  return { run_id: runId, workflow_id: workflowId, status, current_node: status === 'completed' ? null : 'human_review', vars, waiting: status === 'waiting' ? { reason: 'user', prompt: 'Approve the refund draft?', wait_key: `approval:${runId}` } : null, output, error: null, created_at: createdAt, updated_at: updatedAt, actor_id: 'ops-bot', parent_run_id: null, ...extra };
}

export function writeFlowRuntime(dir: string, prng: Prng, clock: DemoClock, faults: FaultLog): FlowRuntimeResult {
  const runtimeDir = path.join(dir, 'flow-runtime');
  const archiveDir = path.join(dir, 'flow-archive');
  const flat = new SidecarStore(runtimeDir, 'flat');
  const dedup = new SidecarStore(archiveDir, 'dedup');
  // The scheduler's own plain log: `kind`, `sequence` and `created_at`, another writer's field names.
  const schedule: string[] = [];
  const scheduled = (kind: string, runId: string, fields: Record<string, unknown> = {}) => {
    schedule.push(pythonDumps({ sequence: schedule.length + 1, kind, created_at: clock.pythonIso(), run_id: runId, ...fields }));
  };

  // Run 1: ingest a policy document and summarise it (flat store, chained ledger, a rate-limit retry).
  const run1 = prng.uuid();
  const created1 = clock.pythonIso();
  scheduled('run.started', run1, { workflow_id: 'policy_digest@2' });
  const policyText = Buffer.from('# Refund policy v4\n\n4.2 Duplicate captures are refunded in full within 5 business days.\n3.1 Annual plans are non-refundable after 30 days.\n', 'utf8');
  const doc = flat.put(policyText, 'text/markdown', { createdAt: clock.pythonIso(), runId: run1, tags: { kind: 'document', source: 'policies/refunds.md' } });
  clock.advance(2);
  const summary = flat.putJson({ title: 'Refund policy v4', clauses: ['4.2', '3.1'], confidence: new PyFloat(0.25) }, { createdAt: clock.pythonIso(), runId: run1, tags: { kind: 'summary' } });
  writeLedger(
    new LedgerWriter(path.join(runtimeDir, `ledger_${run1}.jsonl`), { chained: true }),
    run1,
    [
      { node: 'fetch_document', effect: null, result: { document: artifactRef(doc.id), bytes: policyText.length }, seconds: 1.0 },
      { node: 'summarize', effect: { type: 'llm_call', payload: { model: 'gpt-4.1-mini', temperature: new PyFloat(1.0) } }, result: { summary: artifactRef(summary.id), score: new PyFloat(0.25) }, seconds: 3.5, error: { type: 'RateLimitError', message: '429 Too Many Requests: retry after 2s' } },
      { node: 'publish', effect: { type: 'tool_call', payload: { tool: 'wiki.publish', page: 'policies/refunds' } }, result: { published: true }, seconds: 0.5 },
    ],
    prng,
    clock,
  );
  scheduled('run.completed', run1, { output: { result: artifactRef(summary.id) } });
  writeJsonFile(path.join(runtimeDir, `run_${run1}.json`), runState(run1, 'policy_digest@2', 'completed', created1, clock.pythonIso(), { document: artifactRef(doc.id), summary: artifactRef(summary.id) }, { result: artifactRef(summary.id) }));

  // Run 2: written by an older runtime without chaining; it is waiting for a human.
  clock.advance(600);
  const run2 = prng.uuid();
  const created2 = clock.pythonIso();
  scheduled('run.started', run2, { workflow_id: 'refund_approval@1' });
  const draft = flat.putJson({ order_id: '77-3120', decision: 'refund', amount_cents: 4900, clause: '4.2' }, { createdAt: clock.pythonIso(), runId: run2, tags: { kind: 'draft' } });
  writeLedger(new LedgerWriter(path.join(runtimeDir, `ledger_${run2}.jsonl`), { chained: false }), run2, [{ node: 'draft_refund', effect: { type: 'llm_call', payload: { model: 'qwen2.5-7b-instruct-q4_k_m' } }, result: { draft: artifactRef(draft.id) }, seconds: 2.25 }], prng, clock);
  scheduled('run.waiting', run2, { wait_key: `approval:${run2}`, draft: artifactRef(draft.id) });
  writeJsonFile(path.join(runtimeDir, `run_${run2}.json`), runState(run2, 'refund_approval@1', 'waiting', created2, clock.pythonIso(), { draft: artifactRef(draft.id) }, null));

  // Run 3, archived: a contract review in the deduplicated store, with a signed ledger and a snapshot.
  clock.advance(900);
  const run3 = prng.uuid();
  const created3 = clock.pythonIso();
  const glossaryBytes = Buffer.from('SLA: service level agreement\nRPO: recovery point objective\n', 'utf8');
  const glossary = dedup.put(glossaryBytes, 'text/plain', { createdAt: clock.pythonIso(), tags: { kind: 'glossary' } });
  // The same bytes stored again for the run: a second id, one blob.
  const glossaryCopy = dedup.put(glossaryBytes, 'text/plain', { createdAt: clock.pythonIso(), runId: run3, tags: { kind: 'glossary' } });
  const contract = dedup.put(Buffer.from('MASTER SERVICES AGREEMENT\n\n7. Availability. Provider targets 99.9% monthly uptime.\n', 'utf8'), 'text/plain', { createdAt: clock.pythonIso(), runId: run3, tags: { kind: 'contract' } });
  const page = dedup.put(Buffer.from('<html><body>vendor pricing page (captured)</body></html>', 'utf8'), 'text/html', { createdAt: clock.pythonIso(), runId: run3, tags: { kind: 'web_capture', retention: '7d' } });
  fs.rmSync(page.bytesFile);
  faults.add({ kind: 'pruned-artifact', fault: false, file: page.metaFile, ref: page.id, what: 'A sidecar whose blob retention deleted: the metadata (size, blob_id, tags) remains, the bytes do not. Shown as pruned, not dangling.' });
  clock.advance(4);
  const review = dedup.putJson({ findings: [{ clause: '7', issue: 'uptime below our 99.95% requirement', severity: 'high' }], reviewed_terms: 1 }, { createdAt: clock.pythonIso(), runId: run3, tags: { kind: 'review' } });
  const vars3 = { contract: artifactRef(contract.id), glossary: artifactRef(glossaryCopy.id), capture: artifactRef(page.id) };
  writeLedger(
    new LedgerWriter(path.join(archiveDir, `ledger_${run3}.jsonl`), { chained: true, sign: (h) => Buffer.from(sha256Hex(`ops-signing-key-2026:${h}`), 'hex').toString('base64') }),
    run3,
    [
      { node: 'load_contract', effect: null, result: { contract: artifactRef(contract.id), glossary: artifactRef(glossary.id) }, seconds: 0.75 },
      { node: 'capture_pricing', effect: { type: 'tool_call', payload: { tool: 'browser.capture', url: 'https://vendor.example/pricing' } }, result: { capture: artifactRef(page.id) }, seconds: 6.0 },
      { node: 'review', effect: { type: 'llm_call', payload: { model: 'claude-sonnet-4-5', temperature: new PyFloat(0.25) } }, result: { review: artifactRef(review.id), note: '§7 uptime 99.9 % < required 99.95 %' }, seconds: 12.5 },
    ],
    prng,
    clock,
  );
  const snapshotId = prng.hex(32);
  writeJsonFile(path.join(archiveDir, `snapshot_${snapshotId}.json`), {
    snapshot_id: snapshotId,
    run_id: run3,
    name: 'before-human-review',
    description: 'State after the automated review, before legal signs off.',
    created_at: clock.pythonIso(),
    tags: ['legal', 'review'],
    run_state: runState(run3, 'contract_review@3', 'waiting', created3, clock.pythonIso(), vars3, null),
  });
  clock.advance(3600);
  writeJsonFile(path.join(archiveDir, `run_${run3}.json`), runState(run3, 'contract_review@3', 'completed', created3, clock.pythonIso(), { ...vars3, review: artifactRef(review.id) }, { review: artifactRef(review.id) }));

  scheduled('run.archived', run3, { archive: 'flow-archive', review: artifactRef(review.id) });
  fs.writeFileSync(path.join(runtimeDir, 'scheduler.events.jsonl'), schedule.map((l) => l + '\n').join(''));
  return { runs: [run1, run2, run3], sidecars: flat.entries + dedup.entries, ledgers: 3, events: schedule.length, sampleArtifactId: summary.id };
}
