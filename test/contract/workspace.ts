// A workspace written by hand from CONTRACT 1 and the seed documents, not by `refscope demo`,
// so the conformance tests do not share the demo's blind spots. It differs from the demo the
// way real runtimes do: a runtime root four folders deep, nested namespaces, `<hex>.txt`
// artifacts, `ts` instead of `created_at`, unknown fields and kinds, several logs of every
// format in one root, Python-written ledgers with float lexemes the JavaScript printer would
// lose (`1.0`, `1e-05`), both file-store layouts with run-scoped ids, pruned evidence, a model
// store with valid and hostile manifests, two workspace folders and folders to exclude.
// Every fact the tests check is recorded here as it is written, never read back from Refscope.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { blake3 } from 'hash-wasm';
import { canonicalJson } from '../../shared/canonicalJson';

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const GENESIS = 'sha256:' + '0'.repeat(64);

function put(file: string, content: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A float exactly as Python's json module prints it (`1.0`, `1e-05`). */
class Lexeme {
  constructor(readonly text: string) {}
}

/** Python's json.dumps: `sortKeys` + `compact` is the ledger writers' canonical form, the default is their line form. */
function pyDumps(value: unknown, opts: { sortKeys?: boolean; compact?: boolean } = {}): string {
  const item = opts.compact ? ',' : ', ';
  const kv = opts.compact ? ':' : ': ';
  const str = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  const w = (v: unknown): string => {
    if (v === null) return 'null';
    if (v instanceof Lexeme) return v.text;
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return '[' + v.map(w).join(item) + ']';
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (opts.sortKeys) keys.sort();
    return '{' + keys.map((k) => str(k) + kv + w(o[k])).join(item) + '}';
  };
  return w(value);
}

export interface Artifact {
  hex: string;
  file: string;
  /** `sha256:<hex>`, or `<namespace>/sha256:<hex>` when filed under a nested namespace. */
  ref: string;
  size: number;
}

export interface LogEvent {
  file: string;
  /** 0-based line (or the SQLite sequence for events.db). */
  line: number;
  sequence?: number;
  eventType: string;
  time?: string;
}

export interface Problem {
  what: string;
  file: string;
  /** `verify` prints `file:line:` (1-based), `file#sequence:` or `file:`. */
  place: string;
}

export function buildContractWorkspace() {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-contract-')));
  const folderA = path.join(base, 'alpha');
  const folderB = path.join(base, 'beta');
  const problems: Problem[] = [];
  const events: LogEvent[] = [];
  let artifactFiles = 0;
  let sidecars = 0;
  const rel = (p: string) => path.relative(base, p);
  const problem = (what: string, file: string, where?: { line?: number; sequence?: number }) =>
    problems.push({
      what,
      file,
      place: where?.line !== undefined ? `${rel(file)}:${where.line + 1}:` : where?.sequence !== undefined ? `${rel(file)}#${where.sequence}:` : `${rel(file)}:`,
    });

  const artifact = (root: string, namespace: string, value: unknown, ext = 'json', pretty = false): Artifact => {
    const text = typeof value === 'string' ? value : canonicalJson(value);
    const hex = sha256(text);
    const bytes = pretty && typeof value !== 'string' ? JSON.stringify(value, null, 4) + '\n' : text;
    const file = put(path.join(root, 'artifacts', ...namespace.split('/'), `${hex}.${ext}`), bytes);
    artifactFiles++;
    const nested = namespace.includes('/');
    return { hex, file, ref: nested ? `${namespace}/sha256:${hex}` : `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };

  // ---- alpha/services/agent/deploy/runtime: a runtime root at depth 4 -------------------------
  const R = path.join(folderA, 'services', 'agent', 'deploy', 'runtime');
  const prompt = artifact(R, 'prompt_templates', { schema: 'prompt.v3', template: 'You are careful. <b>never</b> run [this](command:workbench.action.quit)', owner: 'ops' });
  const query = artifact(R, 'retrieval/queries', { schema: 'rq.v1', ts: '2026-03-01T10:00:00.500Z', q: 'quarterly numbers', top_k: 4 });
  const output = artifact(R, 'outputs', { schema: 'out.v1', run_id: 'r-alpha', ts: '2026-03-01T10:00:02Z', text: 'The total is 42.', x_vendor: { tokens: 7 } });
  const response = artifact(R, 'responses', { schema: 'resp.v2', run_id: 'r-alpha', turn_id: 't-1', ts: '2026-03-01T10:00:02Z', output_ref: output.ref, provider: 'acme', finish: 'tool_use' });
  const request = artifact(R, 'requests', {
    schema: 'req.v2',
    run_id: 'r-alpha',
    turn_id: 't-1',
    ts: '2026-03-01T10:00:01.250Z',
    provider: 'acme',
    model: 'acme-large-2',
    labels: ['eval'],
    sensitivity: 'internal',
    prompt_template_ref: `prompt_templates/sha256:${prompt.hex}`,
    retrieval: query.ref,
    unknown_block: { nested: [1, 2, 3] },
  });
  const toolCall = artifact(R, 'tool_calls', { schema: 'tc.v1', run_id: 'r-alpha', tool_id: 'calc', ts: '2026-03-01T10:00:03Z', args: { expr: '40+2' } });
  // Plain text evidence: `<hex>.txt`, named by the sha256 of its bytes.
  const toolOutput = artifact(R, 'tool_outputs', 'calc: 42\n', 'txt');
  const lensPlan = artifact(R, 'lens_plans', { schema: 'lens.v0', steps: ['a', 'b'], tool_call: toolCall.ref });
  // Pretty-printed on disk, named by the hash of its canonical form.
  const canonicalOnly = artifact(R, 'contexts', { schema: 'ctx.v1', ts: '2026-03-01T10:00:00Z', docs: ['x', 'y'] }, 'json', true);
  const capsule = artifact(R, 'run_capsules', {
    schema: 'capsule.v1',
    run: { run_id: 'r-alpha', mode: 'replay' },
    audit: { audit_head_hash: 'sha256:' + 'a'.repeat(64) },
    state: { initial_state_hash: 'sha256:' + 'b'.repeat(64), final_state_hash: 'sha256:' + 'c'.repeat(64) },
    skill: { name: 'calc' },
    router: { policy: 'cheapest' },
    context: { prompt_template_refs: [`prompt_templates/sha256:${prompt.hex}`] },
    tool_io: [{ tool_id: 'calc', input_ref: toolCall.ref, output_ref: toolOutput.ref }],
    ts: '2026-03-01T10:00:05Z',
  });
  const snapshot = artifact(R, 'snapshots', { schema: 'snap.v1', ts: '2026-03-01T09:00:00Z', prompts: [`prompt_templates/sha256:${prompt.hex}`], versions: { runtime: '0.9.1' } });
  // Bytes that are not what their name claims.
  const claimed = sha256('what the name promises');
  const mismatch: Artifact = { hex: claimed, file: put(path.join(R, 'artifacts', 'outputs', `${claimed}.json`), '{"schema":"out.v1","text":"swapped"}'), ref: `sha256:${claimed}`, size: 0 };
  artifactFiles++;
  problem('hash mismatch', mismatch.file);
  // Evidence pruned by retention: only an artifact.deleted event remembers it.
  const prunedHex = sha256('a screenshot that was pruned');

  // Two artifacts sharing an 8-hex prefix.
  const seen = new Map<string, number>();
  let twins: [Artifact, Artifact] | undefined;
  for (let nonce = 0; !twins; nonce++) {
    const p = sha256(canonicalJson({ nonce, schema: 'twin' })).slice(0, 8);
    const other = seen.get(p);
    if (other !== undefined) twins = [artifact(R, 'notes_misc', { nonce: other, schema: 'twin' }), artifact(R, 'notes_misc', { nonce, schema: 'twin' })];
    seen.set(p, nonce);
  }

  // Audit log 1: enveloped events, hash-chained.
  const chain = (file: string, list: unknown[], tamperLine?: number, truncatedTail?: string, windows = false) => {
    let prev = GENESIS;
    const lines = list.map((event, i) => {
      const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event }));
      const rec = { algo_version: 2, prev_hash: i === tamperLine ? 'sha256:' + 'e'.repeat(64) : prev, hash, event };
      prev = hash;
      return JSON.stringify(rec);
    });
    // A Windows writer: byte order mark and CRLF line ends.
    put(file, (windows ? '\ufeff' + lines.join('\r\n') + '\r\n' : lines.join('\n') + '\n') + (truncatedTail ?? ''));
    return prev;
  };
  const env = (seq: number, ts: string, event: Record<string, unknown>) => ({ run_id: 'r-alpha', seq, ts, event });
  const alphaEvents: [string, string, Record<string, unknown>][] = [
    ['2026-03-01T10:00:00Z', 'run_started', { mode: 'replay', extra_field: true }],
    ['2026-03-01T10:00:01.250Z', 'provider_request_written', { artifact_ref: request.ref, request_hash: request.ref }],
    ['2026-03-01T10:00:02Z', 'provider_response_written', { artifact_ref: response.ref }],
    ['2026-03-01T10:00:03Z', 'tool_call_written', { tool_call_ref: toolCall.ref }],
    ['2026-03-01T10:00:03.500Z', 'tool_output_written', { artifact_ref: toolOutput.ref }],
    ['2026-03-01T10:00:05Z', 'run_capsule_written', { capsule_ref: capsule.ref }],
    ['2026-03-01T10:00:06Z', 'artifact.deleted', { artifact_ref: `sha256:${prunedHex}`, size_bytes: 48213, labels: ['screenshot'], reason: 'retention' }],
    ['2026-03-01T10:00:07Z', 'run_completed', { status: 'ok' }],
  ];
  const auditLog = path.join(R, 'logs', 'audit-2026-03-01.jsonl');
  chain(
    auditLog,
    alphaEvents.map(([ts, type, fields], i) => env(i + 1, ts, { event_type: type, ...fields })),
  );
  alphaEvents.forEach(([ts, type], i) => events.push({ file: auditLog, line: i, sequence: i + 1, eventType: type, time: ts }));

  // Audit log 2: bare events (no envelope, no run_id), from a Windows writer: a trace stops at the next request.
  const requestB = artifact(R, 'requests', { schema: 'req.v2', ts: '2026-03-02T08:00:00Z', model: 'acme-small', prompt: 'B' });
  const requestC = artifact(R, 'requests', { schema: 'req.v2', ts: '2026-03-02T08:01:00Z', model: 'acme-small', prompt: 'C' });
  const responseC = artifact(R, 'responses', { schema: 'resp.v2', ts: '2026-03-02T08:01:01Z', text: 'C done' });
  const lostResponse = 'sha256:' + sha256('a response nobody kept');
  const bareLog = path.join(R, 'logs', 'worker-b.jsonl');
  const bare: [string, Record<string, unknown>][] = [
    ['provider_request_written', { artifact_ref: requestB.ref, ts: '2026-03-02T08:00:00Z' }],
    ['provider_response_written', { artifact_ref: lostResponse, ts: '2026-03-02T08:00:04Z' }],
    ['provider_request_written', { artifact_ref: requestC.ref, ts: '2026-03-02T08:01:00Z' }],
    ['provider_response_written', { artifact_ref: responseC.ref, ts: '2026-03-02T08:01:01Z' }],
  ];
  chain(bareLog, bare.map(([type, f]) => ({ event_type: type, ...f })), undefined, undefined, true);
  bare.forEach(([type, f], i) => events.push({ file: bareLog, line: i, eventType: type, time: f.ts as string }));

  // Audit log 3: a broken link at line 3; line 4 is still indexed (unverified).
  const brokenLog = path.join(R, 'logs', 'broken.jsonl');
  const lateOutput = artifact(R, 'outputs', { schema: 'out.v1', ts: '2026-03-03T00:00:03Z', text: 'written after the break' });
  const brokenEvents = [
    { event_type: 'run_started', ts: '2026-03-03T00:00:00Z' },
    { event_type: 'note', ts: '2026-03-03T00:00:01Z' },
    { event_type: 'note', ts: '2026-03-03T00:00:02Z' },
    { event_type: 'tool_output_written', artifact_ref: lateOutput.ref, ts: '2026-03-03T00:00:03Z' },
  ];
  chain(brokenLog, brokenEvents, 2);
  brokenEvents.forEach((e, i) => events.push({ file: brokenLog, line: i, eventType: e.event_type, time: e.ts }));
  problem('broken chain', brokenLog, { line: 2 });

  // Audit log 4: a writer mid-append (truncated last line): tolerated, not a problem.
  const tailLog = path.join(R, 'logs', 'tail.jsonl');
  chain(tailLog, [{ event_type: 'run_started', ts: '2026-03-04T00:00:00Z' }, { event_type: 'heartbeat', ts: '2026-03-04T00:00:01Z' }], undefined, '{"algo_version": 2, "prev_hash": "sha256:00');
  events.push({ file: tailLog, line: 0, eventType: 'run_started' }, { file: tailLog, line: 1, eventType: 'heartbeat' });

  // Plain JSONL: type in `type`, order in `sequence` (not line order), time in `time`; and `kind` + `created_at` in line order.
  const plainLog = path.join(R, 'events.jsonl');
  const plain = [
    { sequence: 11, type: 'artifact.linked', time: '2026-03-01T11:00:01Z', from: lensPlan.ref, to: toolCall.ref },
    { sequence: 10, type: 'artifact.created', time: '2026-03-01T11:00:00Z', artifact_ref: lensPlan.ref, custom: { a: 1 } },
  ];
  put(plainLog, plain.map((e) => JSON.stringify(e)).join('\n') + '\n');
  plain.forEach((e, i) => events.push({ file: plainLog, line: i, sequence: e.sequence, eventType: e.type, time: e.time }));
  const kindLog = path.join(R, 'retrieval.events.jsonl');
  const kindEvents = [
    { kind: 'retrieval.query', created_at: '2026-03-01T10:00:00.500Z', query_ref: query.ref },
    { kind: 'retrieval.done', created_at: '2026-03-01T10:00:00.900Z', hits: 4 },
  ];
  put(kindLog, kindEvents.map((e) => JSON.stringify(e)).join('\n') + '\n');
  kindEvents.forEach((e, i) => events.push({ file: kindLog, line: i, eventType: e.kind, time: e.created_at }));

  // ---- alpha/flows: run states, Python ledgers, snapshots, a flat file store ------------------
  const F = path.join(folderA, 'flows');
  const store = path.join(F, 'artifacts');
  const idOf = (bytes: Buffer, runId?: string) => sha256(runId === undefined ? bytes : Buffer.concat([Buffer.from(runId + '\0'), bytes])).slice(0, 32);
  const sidecar = (dir: string, id: string, meta: Record<string, unknown>) => {
    put(path.join(dir, `${id}.meta`), JSON.stringify(meta, null, 2));
    sidecars++;
  };
  const flatBytes = Buffer.from('{"rows": [1, 2, 3]}');
  const flatId = idOf(flatBytes);
  put(path.join(store, `${flatId}.bin`), flatBytes);
  sidecar(store, flatId, { artifact_id: flatId, content_type: 'application/json', size_bytes: flatBytes.length, created_at: '2026-03-05T12:00:00+00:00', tags: { source: 'etl' }, owner_team: 'data' });
  const scopedBytes = Buffer.from('final report text');
  const scopedId = idOf(scopedBytes, 'r-flow');
  put(path.join(store, `${scopedId}.bin`), scopedBytes);
  sidecar(store, scopedId, { artifact_id: scopedId, content_type: 'text/plain', size_bytes: scopedBytes.length, created_at: '2026-03-05T12:00:02+00:00', run_id: 'r-flow' });
  const prunedId = idOf(Buffer.from('pruned screenshot bytes'));
  sidecar(store, prunedId, { artifact_id: prunedId, content_type: 'image/png', size_bytes: 90210, created_at: '2026-03-05T12:00:01+00:00', run_id: 'r-flow', tags: { label: 'screenshot' } });
  const tamperedId = idOf(Buffer.from('original bytes'));
  put(path.join(store, `${tamperedId}.bin`), 'replaced bytes');
  sidecar(store, tamperedId, { artifact_id: tamperedId, content_type: 'text/plain', size_bytes: 14, created_at: '2026-03-05T12:00:03+00:00' });
  problem('sidecar content mismatch', path.join(store, `${tamperedId}.bin`));

  const runState = {
    run_id: 'r-flow',
    workflow_id: 'wf-report',
    status: 'completed',
    current_node: 'done',
    vars: { table: { $artifact: flatId }, screenshot: { $artifact: prunedId }, escape: { $artifact: '../../etc/passwd' } },
    output: { report: { $artifact: scopedId } },
    created_at: '2026-03-05T12:00:00+00:00',
    updated_at: '2026-03-05T12:00:04+00:00',
  };
  const runFile = put(path.join(F, 'run_r-flow.json'), JSON.stringify(runState, null, 2));
  const escapeLine = JSON.stringify(runState, null, 2).split('\n').findIndex((l) => l.includes('../../etc/passwd'));
  problem('invalid artifact id', runFile, { line: escapeLine });

  const ledgerRecords = (runId: string, chained: boolean, tamperLine?: number) => {
    const steps = [
      { node_id: 'load', status: 'completed', effect: { type: 'tool', weight: new Lexeme('1.0') }, result: { table: { $artifact: flatId } }, attempt: 1 },
      { node_id: 'train', status: 'completed', effect: { type: 'llm', temperature: new Lexeme('0.25'), lr: new Lexeme('1e-05') }, result: { score: new Lexeme('2.0') }, attempt: 2 },
      { node_id: 'report', status: 'completed', effect: { type: 'tool' }, result: { report: { $artifact: scopedId } }, attempt: 1 },
    ];
    let prev: string | null = null;
    return steps.map((s, i) => {
      const rec: Record<string, unknown> = {
        run_id: runId,
        step_id: `${runId}-s${i + 1}`,
        ...s,
        error: null,
        started_at: `2026-03-05T12:00:0${i}+00:00`,
        ended_at: `2026-03-05T12:00:0${i + 1}+00:00`,
      };
      if (chained) {
        rec.prev_hash = prev;
        const hash = sha256(pyDumps(rec, { sortKeys: true, compact: true }));
        rec.record_hash = i === tamperLine ? sha256('tampered') : hash;
        // A signature is left out of the hash, like record_hash itself.
        rec.signature = runId === 'r-flow' ? `ed25519:${sha256(`sig-${i}`)}` : null;
        prev = hash;
      }
      return pyDumps(rec);
    });
  };
  const ledger = put(path.join(F, 'ledger_r-flow.jsonl'), ledgerRecords('r-flow', true).join('\n') + '\n');
  put(path.join(F, 'run_r-plain.json'), JSON.stringify({ run_id: 'r-plain', status: 'running', vars: {}, created_at: '2026-03-06T00:00:00+00:00' }));
  put(path.join(F, 'ledger_r-plain.jsonl'), ledgerRecords('r-plain', false).join('\n') + '\n');
  const badLedger = put(path.join(F, 'ledger_r-bad.jsonl'), ledgerRecords('r-bad', true, 1).join('\n') + '\n');
  put(path.join(F, 'run_r-bad.json'), JSON.stringify({ run_id: 'r-bad', status: 'failed', vars: {} }));
  problem('ledger record hash', badLedger, { line: 1 });
  const snapshotFile = put(path.join(F, 'snapshot_s-1.json'), JSON.stringify({ snapshot_id: 's-1', created_at: '2026-03-05T12:30:00+00:00', run_state: runState, note: 'before deploy' }, null, 2));

  // ---- beta: a second workspace folder --------------------------------------------------------
  // A deduplicated file store: refs/<id>.meta naming blobs/<sha256>.bin.
  const S2 = path.join(folderB, 'warehouse');
  const dedupBytes = Buffer.from('shared blob content\n');
  const blobId = sha256(dedupBytes);
  const dedupId = idOf(dedupBytes, 'r-beta');
  put(path.join(S2, 'artifacts', 'blobs', `${blobId}.bin`), dedupBytes);
  sidecar(path.join(S2, 'artifacts', 'refs'), dedupId, { artifact_id: dedupId, blob_id: blobId, content_type: 'text/plain', size_bytes: dedupBytes.length, created_at: '2026-03-07T00:00:00Z', run_id: 'r-beta', metadata: { k: 'v' } });

  // A runtime root with a SQLite event store (BLAKE3 payload digests) and one bad digest.
  const B = path.join(folderB, 'svc', 'runtime');
  const betaOutput = artifact(B, 'outputs', { schema: 'out.v1', created_at: '2026-03-07T00:00:01Z', text: 'beta' });
  const db = path.join(B, 'events.db');
  const sqliteRows = [
    { type: 'v1.package.created', payload: JSON.stringify({ artifact_ref: betaOutput.ref, package: 'p-1' }), bad: false, at: '2026-03-07 00:00:01' },
    { type: 'v1.package.finalized', payload: JSON.stringify({ manifest_digest: blobId }), bad: true, at: '2026-03-07 00:00:02' },
  ];
  const blake3Hex: string[] = [];

  // A state dir: one verified blob and manifest, a manifest pointing outside by-hash, a partial download.
  const state = path.join(folderB, 'state');
  const models = path.join(state, 'models');
  const blobBytes = Buffer.from('GGUF\0fake weights for a tiny model');
  const blobHex = sha256(blobBytes);
  const blobFile = put(path.join(models, 'by-hash', `${blobHex}.gguf`), blobBytes);
  put(path.join(models, 'tiny-q4.json'), JSON.stringify({ id: 'tiny-q4', file: `${blobHex}.gguf`, name: 'Tiny Q4', path: blobFile, url: 'https://models.example/tiny.gguf', sha256: blobHex, cas: 'sha256', bytes: blobBytes.length, provider: 'example', verified: true }));
  const evilManifest = put(path.join(models, 'evil.json'), JSON.stringify({ id: 'evil', file: '../../../secret.gguf', path: path.join(base, 'secret.gguf'), sha256: blobHex, cas: 'sha256', bytes: 3, provider: 'x', verified: true }));
  put(path.join(base, 'secret.gguf'), 'not yours');
  problem('manifest outside by-hash', evilManifest);
  put(path.join(models, 'big.gguf.part'), Buffer.alloc(1000, 1));
  put(path.join(models, 'big.gguf.part.meta'), JSON.stringify({ url: 'https://models.example/big.gguf', etag: '"v1"', bytes: 1000, total: 5000, sha256: 'f'.repeat(64) }));
  put(path.join(state, 'downloads.metrics.json'), JSON.stringify({ ewma_mbps: 12.5, started: 3, completed: 2 }));

  // Excluded and skipped folders: a files.exclude'd archive and a node_modules copy.
  const archived = artifact(path.join(folderB, 'archive', 'runtime'), 'requests', { schema: 'req.v1', ts: '2026-01-01T00:00:00Z', archived: true });
  artifactFiles--; // the LSP tests exclude it; the CLI (no excludes) counts it back
  put(path.join(folderA, 'node_modules', 'pkg', 'runtime', 'artifacts', 'requests', `${sha256('vendored')}.json`), 'vendored');

  // ---- text that cites the evidence ----------------------------------------------------------
  const notesLines = [
    '# Incident notes',
    `request: ${request.ref}`,
    `nested: ${query.ref}`,
    `abbreviated: sha256:${response.hex.slice(0, 10)}`,
    `ambiguous: sha256:${twins[0].hex.slice(0, 8)}`,
    `shouting: sha256:${output.hex.toUpperCase()}`,
    `gone: sha256:${'d'.repeat(64)}`,
    `escape: ../../etc/sha256:${output.hex}`,
    `pruned: sha256:${prunedHex}`,
    `text evidence: ${toolOutput.ref}`,
    `model: sha256:${blobHex}`,
    `prompt: prompt_templates/sha256:${prompt.hex}`,
    '',
  ];
  const notes = put(path.join(folderA, 'docs', 'notes.md'), notesLines.join('\n'));
  problem('dangling ref', notes, { line: 6 });
  problem('invalid ref', notes, { line: 7 });
  const code = put(path.join(folderA, 'tools', 'check.py'), `REQUEST = "${request.ref}"\nCONFIG = {"response_sha256": "${response.hex}"}\n`);

  const finish = async () => {
    const SQL = await initSqlJs();
    const d = new SQL.Database();
    d.run(`CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_type TEXT, subject_kind TEXT, subject_id TEXT,
      actor TEXT, payload TEXT, payload_digest BLOB, created_at TEXT)`);
    for (const [i, r] of sqliteRows.entries()) {
      const digest = await blake3(Buffer.from(r.payload, 'utf8'));
      blake3Hex.push(digest);
      const stored = r.bad ? Buffer.from(sha256('not the payload'), 'hex') : Buffer.from(digest, 'hex');
      d.run('INSERT INTO events (event_type, subject_kind, subject_id, actor, payload, payload_digest, created_at) VALUES (?,?,?,?,?,?,?)', [r.type, 'package', 'p-1', 'svc', r.payload, stored, r.at]);
      events.push({ file: db, line: i, sequence: i + 1, eventType: r.type, time: r.at });
    }
    put(db, Buffer.from(d.export()));
    d.close();
    problem('payload digest mismatch', db, { sequence: 2 });
    put(betaNotes, `event: blake3:${blake3Hex[0]}\nblob-as-ref: sha256:${blobId}\n`);
  };
  const betaNotes = path.join(folderB, 'notes-b.md');

  return {
    base,
    folderA,
    folderB,
    roots: { R, F, B, S2, state, archive: path.join(folderB, 'archive', 'runtime') },
    finish,
    artifacts: { prompt, query, output, response, request, toolCall, toolOutput, lensPlan, canonicalOnly, capsule, snapshot, mismatch, twins, requestB, requestC, responseC, lateOutput, betaOutput, archived },
    prunedHex,
    lostResponse,
    fileStore: { flatId, scopedId, prunedId, tamperedId, dedupId, blobId, flatBytes, scopedBytes, dedupBytes },
    model: { blobHex, blobFile, blobBytes },
    logs: { auditLog, bareLog, brokenLog, tailLog, plainLog, kindLog, db, ledger, badLedger },
    files: { notes, notesText: notesLines.join('\n'), code, runFile, snapshotFile, betaNotes },
    blake3Hex,
    alphaEvents,
    events,
    problems,
    /** CONTRACT 3 `artifacts`: files under runtime roots' artifacts/ plus sidecars (with or without bytes), archive excluded. */
    get expectedArtifacts() {
      return artifactFiles + sidecars;
    },
  };
}

export type ContractWorkspace = ReturnType<typeof buildContractWorkspace>;
