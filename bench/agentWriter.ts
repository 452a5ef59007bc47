// An agent writing as fast as it can, in its own process (bench/lsp forks it): each step
// writes a request artifact the way content-addressed stores do (bytes to a temporary file
// outside the store, then a rename to `<sha256>.json`) and appends the event that names it
// to the run's event log. Arguments: runtime root, temporary folder, steps, run id.
// Prints one JSON line when done: {steps, ms, digests (first 50)}.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

function main(): void {
  const [root, tmpDir, stepsArg, runId] = process.argv.slice(2);
  const steps = Number(stepsArg);
  const artifacts = path.join(root, 'artifacts', 'requests');
  fs.mkdirSync(artifacts, { recursive: true });
  fs.mkdirSync(tmpDir, { recursive: true });
  const log = fs.openSync(path.join(root, `${runId}.events.jsonl`), 'a');
  const digests: string[] = [];
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    const ts = new Date(Date.UTC(2026, 11, 3, 18, 0, 0, i)).toISOString();
    // Canonical JSON (sorted keys, no whitespace): the name is the hash of the bytes (CONTRACT 1.3).
    const bytes = JSON.stringify({ created_at: ts, messages: [{ content: `step ${i} of ${runId}`, role: 'user' }], model: 'bench-model', run_id: runId, schema: 'request/v1' });
    const hex = createHash('sha256').update(bytes).digest('hex');
    const tmp = path.join(tmpDir, `${hex}.tmp`);
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path.join(artifacts, `${hex}.json`));
    fs.writeSync(log, JSON.stringify({ seq: i, ts, event_type: 'provider_request_written', run_id: runId, artifact_ref: `sha256:${hex}` }) + '\n');
    if (digests.length < 50) digests.push(hex);
  }
  fs.closeSync(log);
  process.stdout.write(JSON.stringify({ steps, ms: performance.now() - started, digests }) + '\n');
}

main();
