// A runtime shaped like serverd (seeds/001): its `run_id` is a `sha256:` string written on
// every event and request, and its run capsules carry `initial_state_hash` /
// `final_state_hash`, digests of state no runtime stores. None of that is a fault: a run id
// resolves to its run and a state hash is a fingerprint (CONTRACT 1.8). They are here so that
// if Refscope ever warned of them again, `refscope verify` on the demo (and its tests) would
// show the noise at once.
import * as path from 'node:path';
import { ArtifactWriter } from './artifactWriter';
import { AuditLogWriter } from './auditLog';
import type { FaultLog } from './faults';
import type { DemoClock, Prng } from './prng';

export interface ServerdRuns {
  root: string;
  runIds: string[];
  events: number;
  writer: ArtifactWriter;
}

export function writeServerdRuntime(dir: string, runs: number, prng: Prng, clock: DemoClock, faults: FaultLog): ServerdRuns {
  const writer = new ArtifactWriter(path.join(dir, 'serverd', 'runtime'));
  const audit = new AuditLogWriter(path.join(writer.root, 'logs', 'audit.jsonl'));
  const runIds: string[] = [];
  let events = 0;
  try {
    for (let r = 0; r < runs; r++) {
      const runId = `sha256:${prng.hex(64)}`;
      runIds.push(runId);
      const initial = `sha256:${prng.hex(64)}`;
      const final = `sha256:${prng.hex(64)}`;
      let seq = 0;
      const log = (event: Record<string, unknown>): number => {
        events++;
        return audit.append({ run_id: runId, seq: seq++, ts: clock.advance(1).iso(), event });
      };
      const startLine = log({ event_type: 'run_started', run_id: runId, mode: 'batch', initial_state_hash: initial });
      const request = writer.writeJson('requests', { run_id: runId, created_at: clock.iso(), model: 'serverd-local', messages: [{ role: 'user', content: `summarise batch ${r}` }] });
      log({ event_type: 'provider_request_written', run_id: runId, artifact_ref: request.ref, request_hash: request.ref });
      const output = writer.writeJson('outputs', { run_id: runId, text: `batch ${r}: 3 findings` });
      const response = writer.writeJson('responses', { run_id: runId, output_ref: output.ref, usage: { input_tokens: 40 + r, output_tokens: 12 } });
      log({ event_type: 'provider_response_written', run_id: runId, artifact_ref: response.ref });
      const capsule = writer.writeJson('run_capsules', {
        schema: 'serverd.run_capsule.v1',
        run: { run_id: runId, mode: 'batch' },
        audit: { audit_head_hash: audit.head },
        state: { initial_state_hash: initial, final_state_hash: final },
        tool_io: [],
      });
      log({ event_type: 'run_capsule_written', run_id: runId, capsule_ref: capsule.ref });
      log({ event_type: 'run_completed', run_id: runId, final_state_hash: final });
      if (r === 0) {
        faults.add({ kind: 'run-id', fault: false, file: audit.file, line: startLine, ref: runId, what: 'A serverd run id (`sha256:` + 64 hex) on every event and request: it resolves to the run (capsule, events, times), never a dangling ref, and a trace names it once at the top.' });
        faults.add({ kind: 'state-fingerprint', fault: false, file: capsule.file, ref: initial, what: 'The capsule\'s `initial_state_hash` / `final_state_hash`: fingerprints of state no runtime stores, never a problem; the hover says so and where else the value appears.' });
      }
    }
  } finally {
    audit.close();
  }
  return { root: writer.root, runIds, events, writer };
}
