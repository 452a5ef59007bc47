// Workspaces shaped like the runtimes in seeds/: serverd (001: `run_id` is a `sha256:` string on
// every event and request, capsules carry `initial_state_hash` / `final_state_hash`, an audit
// log of run envelopes, a model store whose manifests hold the absolute path they were written
// under) and AbstractRuntime (004: UUID run ids, run states, ledgers, a file store of sidecars
// with `{"$artifact": id}` refs). Each records the faults planted in it, as it writes them, so
// a test can ask that the warnings Refscope gives are exactly these (precision and recall).
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from '../../shared/canonicalJson';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const GENESIS = 'sha256:' + '0'.repeat(64);

/** A real fault: a pointer that names nothing, at a file and 0-based line. */
export interface Planted {
  file: string;
  line: number;
  ref: string;
}

function put(file: string, content: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A digest nothing in the workspace has. */
function nowhere(label: string): string {
  return sha256(`nowhere: ${label}`);
}

export interface ServerdWorkspace {
  runIds: string[];
  requests: string[];
  capsules: string[];
  /** Digests of state, etags and checksums: fingerprints of bytes no runtime stores. */
  stateHashes: string[];
  planted: Planted[];
  manifests: string[];
}

/**
 * A serverd-shaped workspace under `dir` (CONTRACT 1.3, 1.4.1, 1.5, 1.6): `runs` runs of
 * `steps` request/response/tool steps each; three planted dangling pointers.
 */
export function buildServerdWorkspace(dir: string, runs = 6, steps = 4): ServerdWorkspace {
  const root = path.join(dir, 'serverd', 'runtime');
  const out: ServerdWorkspace = { runIds: [], requests: [], capsules: [], stateHashes: [], planted: [], manifests: [] };
  const artifact = (kind: string, doc: unknown): string => {
    const text = canonicalJson(doc);
    const hex = sha256(text);
    put(path.join(root, 'artifacts', kind, `${hex}.json`), text);
    return hex;
  };
  const logFile = path.join(root, 'logs', 'audit.jsonl');
  const lines: string[] = [];
  let head = GENESIS;
  let clock = Date.parse('2026-05-01T10:00:00Z');
  const append = (runId: string, seq: number, event: Record<string, unknown>): number => {
    const envelope = { run_id: runId, seq, ts: new Date((clock += 1500)).toISOString(), event };
    const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: head, event: envelope }));
    lines.push(JSON.stringify({ algo_version: 2, prev_hash: head, hash, event: envelope }));
    head = hash;
    return lines.length - 1;
  };
  const template = artifact('prompt_templates', { name: 'system', text: 'You are careful.' });
  for (let r = 0; r < runs; r++) {
    const runId = 'sha256:' + sha256(`serverd run ${r}`);
    out.runIds.push(runId);
    let seq = 0;
    const initial = sha256(`state before run ${r}`);
    const final = sha256(`state after run ${r}`);
    out.stateHashes.push(initial, final);
    append(runId, seq++, { event_type: 'run_started', run_id: runId, mode: 'interactive', initial_state_hash: 'sha256:' + initial });
    const toolIo: Record<string, string>[] = [];
    for (let s = 0; s < steps; s++) {
      const turnId = 'sha256:' + sha256(`turn ${r}.${s}`);
      const request = artifact('requests', { run_id: runId, turn_id: turnId, model: 'local-7b', messages: [{ role: 'user', content: `step ${s} of run ${r}` }], prompt_template_ref: `prompt_templates/sha256:${template}` });
      out.requests.push(request);
      append(runId, seq++, { event_type: 'provider_request_written', run_id: runId, artifact_ref: `sha256:${request}`, request_hash: `sha256:${request}` });
      const output = artifact('outputs', { run_id: runId, text: `answer ${r}.${s}` });
      const response = artifact('responses', { run_id: runId, output_ref: `sha256:${output}`, etag: 'sha256:' + sha256(`etag ${r}.${s}`), usage: { tokens: 10 + s } });
      if (r === 1 && s === 2) {
        // Planted: the event names a response whose file was never written.
        const lost = nowhere('response');
        const line = append(runId, seq++, { event_type: 'provider_response_written', run_id: runId, artifact_ref: `sha256:${lost}` });
        out.planted.push({ file: logFile, line, ref: `sha256:${lost}` });
      } else {
        append(runId, seq++, { event_type: 'provider_response_written', run_id: runId, artifact_ref: `sha256:${response}` });
      }
      const input = artifact('tool_inputs', { run_id: runId, args: { q: s } });
      const call = artifact('tool_calls', { run_id: runId, tool_id: 'search', input_ref: `sha256:${input}` });
      const result = artifact('tool_outputs', { run_id: runId, checksum: 'sha256:' + sha256(`checksum ${r}.${s}`), result: `found ${s}` });
      append(runId, seq++, { event_type: 'tool_call_written', run_id: runId, tool_call_ref: `sha256:${call}` });
      append(runId, seq++, { event_type: 'tool_output_written', run_id: runId, artifact_ref: `sha256:${result}` });
      toolIo.push({ tool_id: 'search', input_ref: `sha256:${input}`, output_ref: `sha256:${result}` });
    }
    if (r === 0) {
      // Planted: the capsule's tool record names an output that was never written.
      toolIo[0].output_ref = `sha256:${nowhere('tool output')}`;
    }
    const capsuleDoc = {
      schema: 'serverd.run_capsule.v1',
      run: { run_id: runId, mode: 'interactive' },
      audit: { audit_head_hash: head },
      state: { initial_state_hash: 'sha256:' + initial, final_state_hash: 'sha256:' + final },
      context: { prompt_template_refs: [`prompt_templates/sha256:${template}`] },
      tool_io: toolIo,
    };
    const capsule = artifact('run_capsules', capsuleDoc);
    out.capsules.push(capsule);
    if (r === 0) out.planted.push({ file: path.join(root, 'artifacts', 'run_capsules', `${capsule}.json`), line: 0, ref: toolIo[0].output_ref });
    append(runId, seq++, { event_type: 'run_capsule_written', run_id: runId, capsule_ref: `sha256:${capsule}` });
    append(runId, seq++, { event_type: 'run_completed', run_id: runId, final_state_hash: 'sha256:' + final });
  }
  put(logFile, lines.join('\n') + '\n');
  // Planted: an operator's note names an artifact that is not in the store.
  const lostNote = `sha256:${nowhere('note')}`;
  const notes = put(path.join(dir, 'serverd', 'NOTES.md'), `# Incident\n\nThe replay failed on ${lostNote}; run ${out.runIds[0]} is fine.\n`);
  out.planted.push({ file: notes, line: 2, ref: lostNote });
  // A model store whose manifests hold the absolute path they were written under (CONTRACT 1.5).
  const state = path.join(dir, 'serverd', 'state');
  for (const name of ['tiny', 'small']) {
    const body = Buffer.from(`weights of ${name}`);
    const digest = sha256(body);
    const file = `${digest}.gguf`;
    put(path.join(state, 'models', 'by-hash', file), body);
    const manifest = { id: name, file, path: path.join(state, 'models', 'by-hash', file), sha256: digest, cas: 'sha256', bytes: body.length, provider: 'hf', verified: true };
    out.manifests.push(put(path.join(state, 'models', `${name}.json`), JSON.stringify(manifest, null, 2)));
  }
  return out;
}

export interface AbstractWorkspace {
  runIds: string[];
  artifactIds: string[];
  planted: Planted[];
}

/** An AbstractRuntime-shaped workspace under `dir`: UUID run ids, run states, ledgers and a sidecar store; one planted dangling object ref. */
export function buildAbstractWorkspace(dir: string, runs = 3): AbstractWorkspace {
  const base = path.join(dir, 'flows');
  const out: AbstractWorkspace = { runIds: [], artifactIds: [], planted: [] };
  let clock = Date.parse('2026-05-02T09:00:00Z');
  const at = () => new Date((clock += 2000)).toISOString();
  for (let r = 0; r < runs; r++) {
    const runId = randomUUID();
    out.runIds.push(runId);
    const bytes = Buffer.from(JSON.stringify({ rows: r, items: [r, r + 1] }));
    const id = sha256(Buffer.concat([Buffer.from(runId), Buffer.from([0]), bytes])).slice(0, 32);
    out.artifactIds.push(id);
    put(path.join(base, 'artifacts', `${id}.bin`), bytes);
    // `content_sha256` fingerprints the bytes of a flat store: stored under the id, not the digest.
    put(path.join(base, 'artifacts', `${id}.meta`), JSON.stringify({ artifact_id: id, content_type: 'application/json', size_bytes: bytes.length, created_at: at(), run_id: runId, tags: { kind: 'rows' }, content_sha256: sha256(bytes) }));
    const steps = ['fetch', 'process', 'finish'].map((node, i) => ({ run_id: runId, step_id: randomUUID(), node_id: node, status: 'completed', effect: { type: 'llm_call' }, result: i === 1 ? { result_ref: { $artifact: id } } : { ok: true }, error: null, started_at: at(), ended_at: at(), attempt: 1 }));
    put(path.join(base, `ledger_${runId}.jsonl`), steps.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const vars: Record<string, unknown> = { result: { $artifact: id } };
    if (r === 2) vars.previous = { $artifact: 'f'.repeat(32) }; // planted below
    const stateText = JSON.stringify({ run_id: runId, workflow_id: 'wf-report', status: 'completed', current_node: 'finish', vars, output: { report: { $artifact: id } }, created_at: at(), updated_at: at() }, null, 2);
    const stateFile = put(path.join(base, `run_${runId}.json`), stateText);
    if (r === 2) {
      const line = stateText.split('\n').findIndex((l) => l.includes('f'.repeat(32)));
      out.planted.push({ file: stateFile, line, ref: `artifact:${'f'.repeat(32)}` });
    }
  }
  return out;
}

/** A copy of `from` at `to`, as a workspace copied to another machine or mount. */
export function copyWorkspace(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}
