// A second audit log in agent-a's runtime: an operator replaying the first run against its
// recorded evidence. The replayer was killed while appending its last record, so the file
// ends mid-line with no newline, the state a reader sees while a writer is mid-append.
import type { RunSummary } from './agentRuns';
import { AuditLogWriter } from './auditLog';
import type { FaultLog } from './faults';
import type { DemoClock, Prng } from './prng';

export function writeReplayLog(file: string, replayed: RunSummary, prng: Prng, clock: DemoClock, faults: FaultLog): number {
  const log = new AuditLogWriter(file);
  const runId = prng.uuid();
  let seq = 0;
  const envelope = (eventType: string, fields: Record<string, unknown>) => ({ run_id: runId, seq: ++seq, ts: clock.advance(0.4).iso(), event: { event_type: eventType, ...fields } });
  log.append(envelope('run_started', { mode: 'replay', replay_of: replayed.runId, capsule_ref: replayed.capsule.ref }));
  log.append(envelope('replay_step_verified', { artifact_ref: replayed.request.ref, verdict: 'match' }));
  if (replayed.tool) log.append(envelope('replay_step_verified', { artifact_ref: replayed.tool.output.ref, verdict: 'match' }));
  const line = log.appendTorn(envelope('run_completed', { status: 'succeeded', verdict: 'match' }), ',"hash":"sha2');
  log.close();
  faults.add({ kind: 'truncated-line', fault: false, file, line, what: 'The replayer was killed mid-append: the last line is cut off with no newline. A writer mid-append, not corruption: tolerated (no broken chain, no error), the complete lines above stay verified, and the line is re-read when the file grows.' });
  return line;
}
