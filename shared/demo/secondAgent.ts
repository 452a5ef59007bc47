// agent-b: a browsing research agent in a second runtime root, logging to a plain JSONL
// file (`events.jsonl`, CONTRACT 1.4.3) instead of a hash chain. Its screenshots are
// binary artifacts (`screenshots/<hex>.png`); one was pruned by retention, leaving only
// the `artifact.deleted` record (size, hash, labels) and the refs that still name it.
// One tool call carries a path-traversal ref injected by a web page.
import * as path from 'node:path';
import { ArtifactWriter, sha256Hex, type WrittenArtifact } from './artifactWriter';
import { lineOf, type FaultLog } from './faults';
import { LineWriter } from './lineWriter';
import type { DemoClock, Prng } from './prng';

export interface SecondAgentResult {
  writer: ArtifactWriter;
  events: number;
  runs: number;
  newestRequest: { ref: string; createdAt: string };
}

const TOPICS = [
  { question: 'Summarise the Q3 incident postmortems published on status.northwind.example.', url: 'https://status.northwind.example/postmortems?q=2026-Q3' },
  { question: 'Compare the rate limits of three payment APIs from their public docs.', url: 'https://docs.payments.example/rate-limits' },
  { question: 'Find the changelog entry that deprecated webhook signature v1.', url: 'https://docs.northwind.example/changelog#webhooks' },
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function screenshotBytes(prng: Prng): Buffer {
  return Buffer.concat([PNG_SIGNATURE, Buffer.from('\0\0\0\rIHDR\0\0\x05\0\0\0\x03\x20\x08\x06\0\0\0', 'latin1'), prng.bytes(1200 + prng.int(0, 800))]);
}

export function writeSecondAgent(root: string, runCount: number, prng: Prng, clock: DemoClock, faults: FaultLog, traversalTargetHex: string): SecondAgentResult {
  const writer = new ArtifactWriter(root);
  const log = new LineWriter(path.join(root, 'events.jsonl'));
  let newestRequest = { ref: '', createdAt: '' };
  let seq = 0;
  const emit = (type: string, fields: Record<string, unknown>): void => {
    // Appending an event takes a few milliseconds after the write it reports.
    clock.advance(0.004 + prng.int(0, 20) / 1000);
    log.line(JSON.stringify({ seq: ++seq, ts: clock.iso(), type, agent: 'agent-b', ...fields }));
  };
  let pruned: { shot: WrittenArtifact; size: number } | undefined;

  for (let i = 0; i < runCount; i++) {
    clock.advance(prng.int(300, 900));
    const runId = `run_${prng.hex(26)}`;
    const topic = TOPICS[i % TOPICS.length];
    emit('run_started', { run_id: runId, mode: 'live' });
    const requestAt = clock.iso();
    const request = writer.writeJson('requests', {
      schema: 'provider_request.v1',
      created_at: requestAt,
      run_id: runId,
      turn_id: `turn-${prng.hex(8)}`,
      provider: 'anthropic',
      model: 'claude-haiku-4-5-20251001',
      messages: [{ role: 'user', content: topic.question }],
      params: { temperature: 0, max_tokens: 2048 },
      tools: ['browser.open', 'browser.screenshot'],
      labels: ['research'],
      sensitivity: 'internal',
    });
    newestRequest = { ref: request.ref, createdAt: requestAt };
    emit('provider_request_written', { run_id: runId, artifact_ref: request.ref, request_hash: request.hex });
    clock.advance(1 + prng.int(0, 3000) / 1000);
    const output = writer.writeJson('outputs', { schema: 'model_output.v1', run_id: runId, created_at: clock.iso(), role: 'assistant', content: `Opening ${topic.url} to read the source.` });
    const response = writer.writeJson('responses', {
      schema: 'provider_response.v1',
      created_at: clock.iso(),
      run_id: runId,
      provider: 'anthropic',
      model: 'claude-haiku-4-5-20251001',
      request_ref: request.ref,
      output_ref: output.ref,
      finish_reason: 'tool_use',
      usage: { input_tokens: prng.int(300, 1400), output_tokens: prng.int(30, 200) },
    });
    emit('provider_response_written', { run_id: runId, artifact_ref: response.ref });

    // A page told the agent to read a file "next to" the evidence store: the ref in this input climbs out of it.
    const input = i === 1 ? { url: topic.url, follow_up: { action: 'read', path: `../../etc/sha256:${traversalTargetHex}` } } : { url: topic.url, full_page: true };
    const call = writer.writeJson('tool_calls', { schema: 'tool_call.v1', run_id: runId, created_at: clock.iso(), tool_id: 'browser.screenshot', input });
    if (i === 1) faults.add({ kind: 'traversal-ref', file: call.file, line: lineOf(call.file, '../../etc/'), ref: `../../etc/sha256:${traversalTargetHex}`, what: 'A tool input holds a namespaced ref whose namespace is `../../etc`: invalid, reported, never resolved and never turned into a path.' });
    emit('tool_call_written', { run_id: runId, tool_call_ref: call.ref });
    clock.advance(2 + prng.int(0, 4000) / 1000);
    const bytes = screenshotBytes(prng);
    const labels = ['screenshot', 'http_trace'];
    // The first run's screenshot is the one retention prunes later: its bytes are never kept.
    const shot = i === 0 ? writer.describe('screenshots', sha256Hex(bytes), 'png') : writer.writeBytes('screenshots', bytes, 'png');
    if (i === 0) pruned = { shot, size: bytes.length };
    emit('artifact.created', { run_id: runId, artifact_ref: shot.ref, kind: 'screenshots', size_bytes: bytes.length, mime_type: 'image/png', labels, sensitivity: 'internal' });
    const toolOutput = writer.writeJson('tool_outputs', { schema: 'tool_output.v1', run_id: runId, created_at: clock.iso(), tool_id: 'browser.screenshot', tool_call_ref: call.ref, status: 'ok', labels: ['http_trace'], sensitivity: 'internal', output: { url: topic.url, http_status: 200, screenshot_ref: shot.ref, width: 1280, height: 800 } });
    emit('tool_output_written', { run_id: runId, artifact_ref: toolOutput.ref });
    emit('artifact.linked', { run_id: runId, artifact_ref: shot.ref, linked_to: toolOutput.ref });
    clock.advance(0.5);
    emit('run_completed', { run_id: runId, status: 'succeeded' });
  }

  if (pruned) {
    clock.advance(7 * 24 * 3600);
    emit('artifact.deleted', { artifact_ref: pruned.shot.ref, kind: 'screenshots', sha256: pruned.shot.hex, size_bytes: pruned.size, labels: ['screenshot', 'http_trace'], sensitivity: 'internal', reason: 'retention: screenshots keep bytes 7 days, metadata 1 year' });
    faults.add({ kind: 'pruned-artifact', fault: false, file: path.join(root, 'events.jsonl'), line: log.lines, ref: pruned.shot.ref, what: 'A screenshot whose bytes retention deleted: the `artifact.deleted` record keeps its size, hash and labels, and a tool output still names it. Shown as pruned, not dangling.' });
  }
  log.close();
  return { writer, events: seq, runs: runCount, newestRequest };
}
