// The demo workspace checked with independent code against CONTRACT 1: what every other
// suite, `npm start` and the benchmarks stand on. Each planted fault must be exactly where
// the demo says, and everything else must verify.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBLAKE3 } from 'hash-wasm';
import initSqlJs from 'sql.js';
import { canonicalJson } from '../../shared/canonicalJson';
import type { DemoSummary } from '../../shared/demo/demoWorkspace';
import type { FaultKind } from '../../shared/demo/faults';
import { canonicalLexemeJson, parseLexemeJson } from '../../shared/json/lexemeJson';
import { listFiles, readLines, runCli, sha256Hex, writeDemo } from './demoFixture';
import { FAULT_CODES } from './faultCodes';

const GENESIS = 'sha256:' + '0'.repeat(64);
const ARTIFACT = /^(?:agent-[ab]|serverd)\/runtime\/artifacts\/(.+)\/([0-9a-f]{64})\.(\w+)$/;
const BINARY = /\.(db|bin|png|gguf|safetensors|part)$/;

interface AuditLine {
  prev_hash: string;
  hash: string;
  event: Record<string, unknown>;
}

/** The event inside an audit record: the record's event, or an envelope's inner event. */
function innerEvent(e: Record<string, unknown>): Record<string, unknown> {
  return typeof e.event === 'object' && e.event !== null ? (e.event as Record<string, unknown>) : e;
}

describe('demo workspace: formats and planted faults', function () {
  this.timeout(60000);
  let dir: string;
  let tmp: string;
  let summary: DemoSummary;
  let files: string[];
  const planted = (kind: FaultKind) => summary.faults.filter((f) => f.kind === kind);
  const onlyPlanted = (kind: FaultKind) => {
    const found = planted(kind);
    assert.equal(found.length, 1, `one ${kind} planted`);
    return found[0];
  };

  before(() => {
    ({ dir, tmp, summary } = writeDemo());
    files = listFiles(dir);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names every artifact by the sha256 of its bytes, except the tampered one and the pretty-printed one', () => {
    const states = new Map<string, string[]>();
    const kinds = new Set<string>();
    for (const rel of files) {
      const m = ARTIFACT.exec(rel);
      if (!m) continue;
      kinds.add(m[1]);
      const bytes = fs.readFileSync(path.join(dir, rel));
      let state = sha256Hex(bytes) === m[2] ? 'verified' : 'mismatch';
      if (state === 'mismatch' && m[3] === 'json' && sha256Hex(canonicalJson(JSON.parse(bytes.toString('utf8')))) === m[2]) state = 'canonical';
      states.set(state, [...(states.get(state) ?? []), rel]);
    }
    assert.deepEqual(states.get('mismatch'), [onlyPlanted('tampered-artifact').file]);
    assert.deepEqual(states.get('canonical'), [onlyPlanted('canonical-bytes').file]);
    assert.equal(states.get('verified')!.length + 2, summary.artifacts.total);
    for (const kind of ['prompts', 'contexts', 'requests', 'responses', 'outputs', 'tool_calls', 'tool_outputs', 'state_deltas', 'run_capsules', 'explains', 'snapshots', 'prompt_templates', 'retrieval/configs', 'retrieval/chunks', 'screenshots']) {
      assert.ok(kinds.has(kind), `kind ${kind} present`);
    }
  });

  it('chains the audit log with exactly one broken link, at the planted line, and logs every run in order', () => {
    const lines = readLines(path.join(dir, 'agent-a/runtime/logs/audit.jsonl'));
    assert.equal(lines.pop(), '', 'the log ends with a newline');
    const records = lines.map((l) => JSON.parse(l) as AuditLine & { algo_version: number });
    const broken: number[] = [];
    records.forEach((r, i) => {
      assert.equal(r.algo_version, 2);
      assert.equal(r.hash, 'sha256:' + sha256Hex(canonicalJson({ prev_hash: r.prev_hash, event: r.event })), `hash of line ${i + 1}`);
      if (r.prev_hash !== (i === 0 ? GENESIS : records[i - 1].hash)) broken.push(i + 1);
    });
    assert.deepEqual(broken, [onlyPlanted('broken-chain').line]);
    // The audit count holds serverd's audit log too.
    assert.equal(records.length + readLines(path.join(dir, 'serverd/runtime/logs/audit.jsonl')).length - 1, summary.events.audit);

    const kindOf = new Map(files.map((f) => ARTIFACT.exec(f)).filter((m) => m !== null).map((m) => [m[2], m[1]]));
    const refKind = (ref: unknown) => kindOf.get(String(ref).replace('sha256:', ''));
    const runs = new Map<string, string[]>();
    let lastTs = '';
    let envelopes = 0;
    for (const r of records) {
      const e = innerEvent(r.event);
      if (e !== r.event) envelopes++;
      const runId = String(r.event.run_id);
      const ts = String(r.event.ts);
      assert.ok(ts >= lastTs, `time moves forward at ${ts}`);
      lastTs = ts;
      runs.set(runId, [...(runs.get(runId) ?? []), String(e.event_type)]);
      const expected: Record<string, [string, string][]> = {
        provider_request_written: [['artifact_ref', 'requests']],
        provider_response_written: [['artifact_ref', 'responses'], ['output_ref', 'outputs']],
        tool_call_written: [['tool_call_ref', 'tool_calls']],
        tool_output_written: [['artifact_ref', 'tool_outputs']],
        run_capsule_written: [['capsule_ref', 'run_capsules']],
        explain_written: [['capsule_ref', 'run_capsules'], ['explain_ref', 'explains']],
      };
      for (const [field, kind] of expected[String(e.event_type)] ?? []) {
        assert.equal(refKind(e[field]), kind, `${e.event_type}.${field}`);
        // An event reports a write that already happened.
        const written = JSON.parse(fs.readFileSync(path.join(dir, 'agent-a/runtime/artifacts', kind, String(e[field]).slice(7) + '.json'), 'utf8')) as { created_at?: string; run?: { completed_at: string } };
        const createdAt = written.created_at ?? written.run!.completed_at;
        assert.ok(createdAt <= ts, `${e.event_type}.${field} written at ${createdAt}, reported at ${ts}`);
      }
    }
    assert.ok(envelopes > 0 && envelopes < records.length, 'both envelopes and flat events');
    assert.equal(runs.size, summary.runs.agentA);
    for (const types of runs.values()) {
      assert.equal(types[0], 'run_started');
      assert.equal(types.at(-1), 'run_completed');
      assert.ok(types.indexOf('provider_request_written') < types.indexOf('provider_response_written'));
      assert.ok(types.indexOf('provider_response_written') < types.indexOf('run_capsule_written'));
      if (types.includes('tool_call_written')) assert.equal(types.indexOf('tool_output_written'), types.indexOf('tool_call_written') + 1);
    }
  });

  it('cuts the replay log mid-record, after lines that chain from the genesis hash', () => {
    const text = fs.readFileSync(path.join(dir, 'agent-a/runtime/logs/replay.jsonl'), 'utf8');
    assert.ok(!text.endsWith('\n'));
    const lines = text.split('\n');
    const torn = lines.pop()!;
    assert.throws(() => JSON.parse(torn));
    assert.equal(lines.length + 1, onlyPlanted('truncated-line').line);
    let prev = GENESIS;
    for (const l of lines) {
      const r = JSON.parse(l) as AuditLine;
      assert.equal(r.prev_hash, prev);
      assert.equal(r.hash, 'sha256:' + sha256Hex(canonicalJson({ prev_hash: r.prev_hash, event: r.event })));
      prev = r.hash;
    }
    assert.ok(torn.startsWith(`{"algo_version":2,"prev_hash":"${prev}"`), 'the torn record continues the chain');
  });

  it('writes ledgers like Python: chained record hashes verify only when number lexemes are kept', () => {
    const ledgers = files.filter((f) => /(^|\/)ledger_[^/]+\.jsonl$/.test(f));
    let chained = 0;
    let lexemeSensitive = 0;
    for (const rel of ledgers) {
      const lines = readLines(path.join(dir, rel)).filter((l) => l !== '');
      assert.ok(lines.every((l) => l.includes('", "') && l.includes('": ')), 'Python separators');
      let prev: string | null = null;
      let isChained = false;
      for (const line of lines) {
        const rec = parseLexemeJson(line) as Map<string, unknown>;
        if (!rec.has('record_hash')) continue;
        isChained = true;
        const claimed = rec.get('record_hash') as string;
        assert.equal(rec.get('prev_hash'), prev, `${rel} links to the previous record`);
        rec.delete('record_hash');
        rec.delete('signature');
        assert.equal(sha256Hex(canonicalLexemeJson(rec as Parameters<typeof canonicalLexemeJson>[0], { asciiOnly: true })), claimed, `${rel} record_hash`);
        const viaJsNumbers = JSON.parse(line) as Record<string, unknown>;
        delete viaJsNumbers.record_hash;
        delete viaJsNumbers.signature;
        if (sha256Hex(canonicalJson(viaJsNumbers)) !== claimed) lexemeSensitive++;
        prev = claimed;
      }
      if (isChained) chained++;
    }
    assert.equal(ledgers.length, 3);
    assert.equal(chained, 2, 'two chained ledgers and one unchained');
    assert.ok(lexemeSensitive > 0, 'some record holds a float like 1.0 that JavaScript numbers would rewrite');
    assert.ok(ledgers.some((rel) => /\\u00a7/.test(fs.readFileSync(path.join(dir, rel), 'utf8'))), 'non-ASCII escaped as Python does');
  });

  it('stores BLAKE3 payload digests in SQLite that match for every event but the planted one', async () => {
    const SQL = await initSqlJs({ locateFile: (f: string) => require.resolve(`sql.js/dist/${f}`) });
    const db = new SQL.Database(fs.readFileSync(path.join(dir, 'artifact-store/events.db')));
    const blake3 = await createBLAKE3(256);
    const bad: number[] = [];
    const digests = new Set<string>();
    try {
      const rows = db.exec('SELECT sequence, event_type, subject_kind, subject_id, actor, payload, payload_digest, created_at FROM events ORDER BY sequence')[0].values;
      assert.equal(rows.length, summary.events.sqlite);
      for (const [sequence, , , , , payload, digest] of rows) {
        assert.ok(digest instanceof Uint8Array && digest.length === 32);
        blake3.init();
        blake3.update(payload as string);
        const hex = Buffer.from(digest).toString('hex');
        digests.add(hex);
        if (blake3.digest('hex') !== hex) bad.push(sequence as number);
      }
    } finally {
      db.close();
    }
    assert.deepEqual(bad, [onlyPlanted('bad-blake3').sequence]);
    const cited = /blake3:([0-9a-f]{64})/.exec(fs.readFileSync(path.join(dir, 'notes/incident.md'), 'utf8'));
    assert.ok(cited && digests.has(cited[1]), 'the note cites a real event');
  });

  it('keeps a model store whose manifests point into by-hash, except the planted one', () => {
    const models = path.join(dir, 'state/models');
    const byHash = path.join(models, 'by-hash');
    const invalid: string[] = [];
    const named = new Set<string>();
    for (const name of fs.readdirSync(models).filter((n) => n.endsWith('.json'))) {
      const m = JSON.parse(fs.readFileSync(path.join(models, name), 'utf8')) as Record<string, unknown>;
      for (const key of ['id', 'file', 'path', 'sha256', 'cas', 'bytes', 'provider', 'verified']) assert.ok(key in m, `${name} has ${key}`);
      const resolved = path.resolve(models, String(m.path));
      if (path.dirname(resolved) !== byHash || path.basename(resolved) !== m.file) {
        invalid.push(`state/models/${name}`);
        continue;
      }
      const bytes = fs.readFileSync(resolved);
      assert.equal(sha256Hex(bytes), m.sha256);
      assert.equal(bytes.length, m.bytes);
      named.add(String(m.file));
    }
    assert.deepEqual(invalid, [onlyPlanted('manifest-outside-store').file]);
    const orphans = fs.readdirSync(byHash).filter((f) => !named.has(f));
    assert.equal(orphans.length, 1, 'one orphan blob');
    assert.equal(orphans.length + named.size, summary.blobs);
    const meta = JSON.parse(fs.readFileSync(path.join(models, 'llama-3.2-3b-instruct-q4_k_m.gguf.part.meta'), 'utf8')) as Record<string, unknown>;
    assert.equal(fs.statSync(path.join(models, 'llama-3.2-3b-instruct-q4_k_m.gguf.part')).size, meta.bytes);
    assert.ok((meta.total as number) > (meta.bytes as number) && /^[0-9a-f]{64}$/.test(String(meta.sha256)) && typeof meta.etag === 'string');
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'state/downloads.metrics.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(typeof metrics.ewma_mbps, 'number');
  });

  it('keeps sidecar stores whose ids are content hashes, and every {"$artifact"} ref names one of them', () => {
    const ids = new Map<string, { bytes?: Buffer; meta: Record<string, unknown>; rel: string }>();
    for (const rel of files.filter((f) => f.endsWith('.meta') && f.includes('/artifacts/'))) {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8')) as Record<string, unknown>;
      const id = path.basename(rel, '.meta');
      assert.equal(meta.artifact_id, id);
      const bytesFile = meta.blob_id ? path.join(dir, path.dirname(path.dirname(rel)), 'blobs', `${meta.blob_id}.bin`) : path.join(dir, rel.replace(/\.meta$/, '.bin'));
      const bytes = fs.existsSync(bytesFile) ? fs.readFileSync(bytesFile) : undefined;
      ids.set(id, { bytes, meta, rel });
      if (!bytes) continue;
      assert.equal(bytes.length, meta.size_bytes);
      if (meta.blob_id) assert.equal(sha256Hex(bytes), meta.blob_id);
      const scoped = typeof meta.run_id === 'string' ? sha256Hex(Buffer.concat([Buffer.from(meta.run_id + '\0'), bytes])) : sha256Hex(bytes);
      assert.equal(scoped.slice(0, 32), id, `${rel} id`);
    }
    const gone = [...ids.values()].filter((e) => !e.bytes).map((e) => e.rel);
    assert.deepEqual(gone, planted('pruned-artifact').map((f) => f.file).filter((f) => f.endsWith('.meta')));
    assert.ok(files.some((f) => /^flow-runtime\/artifacts\/[0-9a-f]{32}\.bin$/.test(f)), 'a flat layout');
    assert.ok(files.some((f) => /\/artifacts\/refs\/[0-9a-f]{32}\.meta$/.test(f)), 'a deduplicated layout');

    const holders = files.filter((f) => /(^|\/)((run_|ledger_|snapshot_)[^/]+\.jsonl?|scheduler\.events\.jsonl)$/.test(f));
    let refs = 0;
    for (const rel of holders) {
      for (const m of fs.readFileSync(path.join(dir, rel), 'utf8').matchAll(/\{\s*"\$artifact":\s*"([^"]+)"\s*\}/g)) {
        refs++;
        assert.ok(ids.has(m[1]), `${rel} names ${m[1]}`);
      }
    }
    assert.ok(refs >= 10);
    const state = JSON.parse(fs.readFileSync(path.join(dir, holders.find((f) => f.startsWith('flow-runtime/run_'))!), 'utf8')) as Record<string, unknown>;
    assert.ok(JSON.stringify(state.vars).includes('$artifact'));
    const snapshot = JSON.parse(fs.readFileSync(path.join(dir, holders.find((f) => f.includes('snapshot_'))!), 'utf8')) as Record<string, unknown>;
    assert.ok(JSON.stringify(snapshot.run_state).includes('$artifact'));
  });

  it('resolves every sha256 ref in the workspace text, except the planted dangling, traversal and ambiguous refs', () => {
    const known = new Set<string>();
    for (const f of files) {
      const m = /([0-9a-f]{64})(\.\w+)?$/.exec(f);
      if (m) known.add(m[1]);
    }
    for (const f of files.filter((f) => f.endsWith('.jsonl'))) {
      for (const l of readLines(path.join(dir, f))) {
        // An audit record's own hash and prev_hash are chain pointers, not artifact refs.
        for (const m of l.matchAll(/"(?:prev_)?hash":"sha256:([0-9a-f]{64})"/g)) known.add(m[1]);
        if (l.includes('artifact.deleted')) known.add((JSON.parse(l) as { sha256: string }).sha256);
      }
    }
    const dangling = new Set<string>();
    const traversals: string[] = [];
    const ambiguous: string[] = [];
    let abbreviated = 0;
    // serverd's run ids and state hashes name no artifact on purpose (CONTRACT 1.8); the verify test checks they are no problem.
    for (const rel of files.filter((f) => !BINARY.test(f) && !f.startsWith('serverd/'))) {
      const text = fs.readFileSync(path.join(dir, rel), 'utf8');
      for (const m of text.matchAll(/([A-Za-z0-9_./-]*\/)?sha256:([0-9a-fA-F]{8,64})(?![0-9a-fA-F])/g)) {
        const hex = m[2].toLowerCase();
        if (m[1]?.split('/').some((seg) => seg === '..' || seg === '.')) traversals.push(rel);
        else if (hex.length < 64) {
          abbreviated++;
          const matches = [...known].filter((k) => k.startsWith(hex)).length;
          if (matches > 1) ambiguous.push(`${rel} ${m[0]} ${matches}`);
          else assert.equal(matches, 1, `${m[0]} in ${rel} names an artifact`);
        } else if (!known.has(hex)) dangling.add(`${hex}`);
      }
    }
    assert.deepEqual([...dangling], [onlyPlanted('dangling-ref').ref!.slice(7)]);
    assert.deepEqual(traversals, [onlyPlanted('traversal-ref').file]);
    // The one ambiguous abbreviation: 8 hex digits two artifacts' digests start with.
    const twins = onlyPlanted('ambiguous-ref');
    assert.match(twins.ref!, /^sha256:[0-9a-f]{8}$/);
    assert.deepEqual(ambiguous, [`${twins.file} ${twins.ref} 2`]);
    assert.ok(abbreviated >= 2);
  });

  it('keeps a plain JSONL log in agent-b where a pruned screenshot leaves its metadata behind', () => {
    const log = 'agent-b/runtime/events.jsonl';
    const events = readLines(path.join(dir, log))
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const plainLogs = [log, 'state/events.jsonl', 'flow-runtime/scheduler.events.jsonl'];
    assert.equal(plainLogs.map((f) => readLines(path.join(dir, f)).filter((l) => l !== '').length).reduce((a, b) => a + b), summary.events.plain);
    assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
    const deleted = events.filter((e) => e.type === 'artifact.deleted');
    assert.equal(deleted.length, 1);
    const ref = String(deleted[0].artifact_ref);
    assert.equal(deleted[0].sha256, ref.slice(7));
    assert.equal(typeof deleted[0].size_bytes, 'number');
    assert.ok((deleted[0].labels as string[]).includes('screenshot'));
    assert.ok(!files.some((f) => f.includes(ref.slice(7))), 'its bytes are gone');
    assert.ok(planted('pruned-artifact').some((f) => f.file === log && f.line === events.indexOf(deleted[0]) + 1 && f.ref === ref));
    const citing = files.filter((f) => f.startsWith('agent-b/runtime/artifacts/tool_outputs/') && fs.readFileSync(path.join(dir, f), 'utf8').includes(ref));
    assert.equal(citing.length, 1, 'a tool output still names it');
  });

  it('cites refs in every form from notes and sources, and lists every planted fault in its README', () => {
    const note = fs.readFileSync(path.join(dir, 'notes/incident.md'), 'utf8');
    assert.match(note, /prompt_templates\/sha256:[0-9a-f]{64}/);
    assert.match(note, /retrieval\/configs\/sha256:[0-9a-f]{64}/);
    assert.match(note, /sha256:[0-9A-F]*[A-F][0-9A-F]*\b/);
    assert.match(note, /`sha256:[0-9a-f]{12}`/);
    assert.match(note, /\{"\$artifact": "[0-9a-f]{32}"\}/);
    for (const src of ['src/replay.ts', 'src/replay.py']) assert.match(fs.readFileSync(path.join(dir, src), 'utf8'), /sha256:[0-9a-f]{64}/);
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const f of summary.faults) {
      const where = `| ${f.kind} | \`${f.file}\`${f.line ? ` line ${f.line}` : ''}${f.sequence ? ` (events.sequence = ${f.sequence})` : ''} |`;
      assert.ok(readme.includes(where), `README lists ${where}`);
    }
    assert.ok(readme.includes(summary.newestRequest));
    // The counts say what `refscope index` counts: artifact files plus sidecar entries.
    const total = summary.artifacts.total + summary.sidecars;
    assert.ok(readme.includes(`${total} artifacts (${summary.artifacts.total} artifact files and ${summary.sidecars} file-store sidecar entries`), 'artifact count');
    const agentRuns = summary.runs.agentA + summary.runs.agentB + summary.runs.serverd;
    assert.ok(readme.includes(`${agentRuns} agent runs and ${summary.runs.flow} workflow runs`), 'run count');
  });

  it('is reported by `refscope verify`: every planted fault at its place, the look-alikes not as errors', () => {
    const r = runCli(['verify', '--workspace', dir, '--cache', path.join(tmp, 'cache'), '--json']);
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { problems: { file: string; line?: number; sequence?: number; severity: string; code: string }[] };
    const problems = report.problems.map((p) => ({ ...p, file: path.relative(dir, p.file).split(path.sep).join('/') }));
    const faults = summary.faults.filter((f) => f.fault);
    assert.deepEqual(faults.map((f) => f.kind).sort(), Object.keys(FAULT_CODES).sort());
    for (const f of faults) {
      // verify --json gives 0-based lines (as LSP does); the demo's fault list is 1-based (as the text output).
      const at = problems.filter((p) => p.file === f.file && p.code === FAULT_CODES[f.kind] && (f.line === undefined || p.line! + 1 === f.line) && p.sequence === f.sequence);
      assert.equal(at.length, 1, `${f.kind} at ${f.file}:${f.line ?? f.sequence ?? ''} in ${JSON.stringify(problems)}`);
    }
    // Nothing else is wrong with the workspace: one problem per fault, plus the upper-case ref the note cites on purpose.
    const extra = problems.filter((p) => !faults.some((f) => p.file === f.file && p.code === FAULT_CODES[f.kind]));
    assert.deepEqual(extra.map((p) => `${p.file} ${p.code}`), ['notes/incident.md non-canonical']);
    // The serverd root's sha256 run ids and state hashes are look-alikes (CONTRACT 1.8): not one problem there.
    assert.deepEqual(problems.filter((p) => p.file.startsWith('serverd/')), []);
  });

  it('resolves a serverd run id to its run, with its capsule and events', () => {
    const runId = planted('run-id')[0].ref!;
    const r = runCli(['show', runId, '--workspace', dir, '--cache', path.join(tmp, 'cache'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout) as { kind: string; runId: string; capsule?: string; events: number };
    assert.equal(run.kind, 'run');
    assert.equal(run.runId, runId);
    assert.match(run.capsule ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(run.events, 5);
  });
});
