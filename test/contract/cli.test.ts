// CONTRACT 4 conformance on a workspace the demo did not write (./workspace.ts): every data
// command as a child process, its --json shape, its exit code, stdout holding one JSON document
// and nothing else, errors on stderr; and `verify` naming every planted problem by its place.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolveSuccess, StatsResult, TraceResult, TraceStep } from '../../shared/protocol';
import { cliPath } from '../server/lspClient';
import { canonicalJson } from '../../shared/canonicalJson';
import { buildContractWorkspace, sha256, type ContractWorkspace } from './workspace';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd?: string): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 60000, cwd });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout as exactly one JSON document (CONTRACT 4: --json prints one document, logs go to stderr). */
function doc<T>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    return assert.fail(`stdout is not one JSON document (exit ${r.status}):\n${r.stdout}\n--- stderr\n${r.stderr}`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

describe('contract: command line on a hand-built workspace', function () {
  this.timeout(120000);
  let ws: ContractWorkspace;
  let cache: string;
  const data = (args: string[]) => cli([...args, '--workspace', ws.base, '--cache', cache]);
  const show = (ref: string) => {
    const r = data(['show', ref, '--json']);
    return { r, res: doc<ResolveSuccess & { error?: string; candidates?: string[] }>(r) };
  };

  before(async () => {
    ws = buildContractWorkspace();
    await ws.finish();
    cache = path.join(ws.base, '.cache-cli');
  });
  after(() => fs.rmSync(ws.base, { recursive: true, force: true }));

  it('index --json: the stats of every runtime root at any depth, state dirs, no node_modules; DIR and --workspace agree', () => {
    const r = data(['index', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = doc<StatsResult>(r);
    assert.deepEqual(Object.keys(s).filter((k) => ['ready', 'artifacts', 'refs', 'dangling', 'events', 'blobs', 'roots', 'indexMs'].includes(k)).sort(), ['artifacts', 'blobs', 'dangling', 'events', 'indexMs', 'ready', 'refs', 'roots']);
    assert.equal(s.ready, true);
    // The CLI applies no excludes, so the archived root counts too.
    assert.equal(s.artifacts, ws.expectedArtifacts + 1);
    assert.equal(s.blobs, 1);
    const ledgerRecords = 9;
    assert.ok(s.events === ws.events.length || s.events === ws.events.length + ledgerRecords, `events ${s.events}, wrote ${ws.events.length} log events and ${ledgerRecords} ledger records`);
    assert.deepEqual([...s.roots].sort(), Object.values({ ...ws.roots, state: undefined }).filter((x): x is string => !!x).sort());
    assert.ok(s.roots.every((x) => !x.includes('node_modules')));
    assert.ok(typeof s.indexMs === 'number' && typeof s.refs === 'number' && s.dangling >= 1);
    const positional = cli(['index', ws.base, '--cache', cache, '--json']);
    assert.deepEqual({ ...doc<StatsResult>(positional), indexMs: 0, filesRead: 0 }, { ...s, indexMs: 0, filesRead: 0 });
  });

  it('index re-reads a log that grew: the truncated last line of an audit log is picked up once complete', () => {
    const before = doc<StatsResult>(data(['index', '--json']));
    assert.equal(before.filesRead, 0);
    // The writer finishes its line: a valid third record chained to the second.
    const lines = fs.readFileSync(ws.logs.tailLog, 'utf8').split('\n');
    const prev = (JSON.parse(lines[1]) as { hash: string }).hash;
    const event = { event_type: 'run_completed', ts: '2026-03-04T00:00:02Z' };
    const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event }));
    fs.writeFileSync(ws.logs.tailLog, lines.slice(0, 2).join('\n') + '\n' + JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event }) + '\n');
    const after = doc<StatsResult>(data(['index', '--json']));
    assert.equal(after.filesRead, 1);
    assert.equal(after.events, before.events + 1);
    const v = doc<{ problems: { file: string }[] }>(data(['verify', '--json']));
    assert.ok(!v.problems.some((p) => p.file === ws.logs.tailLog), JSON.stringify(v.problems.filter((p) => p.file === ws.logs.tailLog)));
  });

  it('show --json: kind, namespace, size, verification, time from `ts`, producer, referrers and refs of each form', () => {
    const a = ws.artifacts;
    const { r, res } = show(a.request.ref);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(res.ref, a.request.ref);
    assert.equal(res.digest, a.request.hex);
    assert.equal(res.kind, 'requests');
    assert.equal(res.uri, 'file://' + a.request.file);
    assert.equal(res.size, a.request.size);
    assert.equal(res.verification, 'verified');
    assert.equal(res.createdAt, '2026-03-01T10:00:01.250Z');
    assert.equal(res.schema, 'req.v2');
    assert.deepEqual(res.producedBy, { eventType: 'provider_request_written', sequence: 2, time: '2026-03-01T10:00:01.250Z', uri: 'file://' + ws.logs.auditLog, line: 1 });
    // notes.md, check.py, the audit line: at least these three places
    assert.ok(res.referencedBy >= 3, `referencedBy ${res.referencedBy}`);
    assert.deepEqual([...res.refs].sort(), [`prompt_templates/sha256:${a.prompt.hex}`, a.query.ref].sort());

    const nested = show(a.query.ref).res;
    assert.equal(nested.namespace, 'retrieval/queries');
    assert.equal(nested.uri, 'file://' + a.query.file);
    assert.equal(nested.producedBy?.eventType, 'retrieval.query');

    const text = show(a.toolOutput.ref).res;
    assert.deepEqual([text.kind, text.size, text.verification, text.uri], ['tool_outputs', 9, 'verified', 'file://' + a.toolOutput.file]);
    assert.equal(text.producedBy?.sequence, 5);

    assert.equal(show(a.canonicalOnly.ref).res.verification, 'canonical');
    assert.equal(show(a.mismatch.ref).res.verification, 'mismatch');
    assert.equal(show(`sha256:${a.response.hex.slice(0, 10)}`).res.digest, a.response.hex);
    const upper = show(`sha256:${a.output.hex.toUpperCase()}`);
    assert.equal(upper.r.status, 0);
    assert.equal(upper.res.digest, a.output.hex);
  });

  it('show: pruned evidence is pruned, not dangling, whether an event or a bare sidecar remembers it', () => {
    const byEvent = show(`sha256:${ws.prunedHex}`);
    assert.equal(byEvent.r.status, 0, byEvent.r.stdout);
    assert.equal(byEvent.res.verification, 'pruned');
    assert.equal(byEvent.res.size, 48213);
    const bySidecar = show(`artifact:${ws.fileStore.prunedId}`);
    assert.equal(bySidecar.r.status, 0, bySidecar.r.stdout);
    assert.equal(bySidecar.res.verification, 'pruned');
    assert.equal(bySidecar.res.size, 90210);
    assert.equal(bySidecar.res.createdAt, '2026-03-05T12:00:01+00:00');
  });

  it('show: file-store ids in both layouts, run-scoped ids, the blob digest, model blobs and BLAKE3 event digests', () => {
    const fsx = ws.fileStore;
    const flat = show(`artifact:${fsx.flatId}`).res;
    assert.deepEqual([flat.verification, flat.size], ['verified', fsx.flatBytes.length]);
    assert.ok(flat.uri?.endsWith(`${fsx.flatId}.bin`) || flat.uri?.endsWith(`${fsx.flatId}.meta`), flat.uri);
    assert.equal(show(`artifact:${fsx.scopedId}`).res.verification, 'verified');
    assert.equal(show(JSON.stringify({ $artifact: fsx.scopedId })).res.verification, 'verified');
    const dedup = show(`artifact:${fsx.dedupId}`).res;
    assert.deepEqual([dedup.verification, dedup.size], ['verified', fsx.dedupBytes.length]);
    const byBlob = show(`sha256:${fsx.blobId}`);
    assert.equal(byBlob.r.status, 0);
    assert.equal(byBlob.res.uri, dedup.uri);
    const model = show(`sha256:${ws.model.blobHex}`).res;
    assert.deepEqual([model.digest, model.uri, model.size], [ws.model.blobHex, 'file://' + ws.model.blobFile, ws.model.blobBytes.length]);
    const event = show(`blake3:${ws.blake3Hex[0]}`);
    assert.equal(event.r.status, 0, event.r.stdout);
    assert.equal(event.res.uri, 'file://' + ws.logs.db);
    assert.ok(event.res.refs.includes(ws.artifacts.betaOutput.ref), JSON.stringify(event.res));
  });

  it('show exits 1 on dangling, invalid and ambiguous refs, with the answer on stdout (--json) or the error on stderr', () => {
    const cases: [string, string][] = [
      [`sha256:${'d'.repeat(64)}`, 'dangling'],
      [`../../etc/sha256:${ws.artifacts.output.hex}`, 'invalid'],
      [`/abs/sha256:${ws.artifacts.output.hex}`, 'invalid'],
      [`ns\\sub/sha256:${ws.artifacts.output.hex}`, 'invalid'],
      ['artifact:../../etc/passwd', 'invalid'],
      [`sha256:${ws.artifacts.twins[0].hex.slice(0, 8)}`, 'ambiguous'],
    ];
    for (const [ref, error] of cases) {
      const { r, res } = show(ref);
      assert.equal(r.status, 1, `${ref}: ${r.stdout}`);
      assert.equal(res.error, error, `${ref}: ${r.stdout}`);
      const text = data(['show', ref]);
      assert.equal(text.status, 1);
      assert.equal(text.stdout, '', `${ref}: a failure prints nothing on stdout without --json`);
      assert.match(text.stderr, new RegExp(error));
    }
    assert.deepEqual([...(show(`sha256:${ws.artifacts.twins[0].hex.slice(0, 8)}`).res.candidates ?? [])].sort(), ws.artifacts.twins.map((t) => t.ref).sort());
  });

  it('trace --json: the writing event, the rest of its run with artifacts, content refs, times and deltas', () => {
    const r = data(['trace', ws.artifacts.request.ref, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const t = doc<TraceResult>(r);
    assert.equal(t.root, ws.artifacts.request.ref);
    const expected = ws.alphaEvents.slice(1);
    assert.deepEqual(t.steps.map((s) => [s.sequence, s.eventType, s.time]), expected.map(([ts, type], i) => [i + 2, type, ts]));
    for (let i = 1; i < t.steps.length; i++) {
      assert.equal(t.steps[i].deltaMs, Date.parse(t.steps[i].time!) - Date.parse(t.steps[i - 1].time!), `delta of step ${i}`);
    }
    const childRefs = (s: TraceStep) => (s.children ?? []).map((c) => c.ref);
    const a = ws.artifacts;
    assert.deepEqual(childRefs(t.steps[0]), [a.request.ref]);
    const response = t.steps[1].children![0];
    assert.deepEqual([response.ref, response.kind, response.uri], [a.response.ref, 'responses', 'file://' + a.response.file]);
    // response -> output_ref -> output (a content ref, nested under the artifact)
    assert.deepEqual(childRefs(response), [a.output.ref]);
    assert.deepEqual(childRefs(t.steps[2]), [a.toolCall.ref]);
    assert.deepEqual(childRefs(t.steps[3]), [a.toolOutput.ref]);
    assert.deepEqual(childRefs(t.steps[4]), [a.capsule.ref]);
    const capsuleRefs = childRefs(t.steps[4].children![0]);
    for (const ref of [a.toolCall.ref, a.toolOutput.ref]) assert.ok(capsuleRefs.includes(ref), `capsule children ${capsuleRefs}`);
    assert.deepEqual(childRefs(t.steps[5]), [`sha256:${ws.prunedHex}`]);
    assert.equal(t.steps[6].eventType, 'run_completed');
  });

  it('trace without run ids stops at the next request and shows a missing response as missing', () => {
    const t = doc<TraceResult>(data(['trace', ws.artifacts.requestB.ref, '--json']));
    assert.deepEqual(t.steps.map((s) => [s.eventType, s.time]), [
      ['provider_request_written', '2026-03-02T08:00:00Z'],
      ['provider_response_written', '2026-03-02T08:00:04Z'],
    ]);
    assert.equal(t.steps[1].deltaMs, 4000);
    assert.deepEqual(t.steps[1].children, [{ ref: ws.lostResponse, missing: true }]);
    const dangling = data(['trace', `sha256:${'d'.repeat(64)}`, '--json']);
    assert.equal(dangling.status, 1);
    assert.equal(doc<TraceResult>(dangling).error, 'dangling');
  });

  it('verify lists every planted problem with its file and line or sequence, exits 1, and --json says the same', () => {
    const r = data(['verify']);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n');
    for (const p of ws.problems) {
      // A file-store mismatch may be reported at the sidecar or at the bytes.
      const places = p.what === 'sidecar content mismatch' ? [p.place, p.place.replace(/\.bin:$/, '.meta:')] : [p.place];
      assert.ok(lines.some((l) => places.some((pl) => l.startsWith(pl))), `verify does not list the ${p.what} at ${p.place}:\n${r.stdout}`);
    }
    // Pruned evidence and a writer's unfinished last line are not problems.
    assert.ok(!lines.some((l) => l.includes(ws.prunedHex) || l.includes(ws.fileStore.prunedId)), r.stdout);
    assert.ok(!lines.some((l) => l.startsWith(path.relative(ws.base, ws.logs.tailLog))), r.stdout);
    // A byte order mark and CRLF line ends (a Windows writer) break nothing.
    assert.ok(!lines.some((l) => l.startsWith(path.relative(ws.base, ws.logs.bareLog)) && / error /.test(l)), r.stdout);
    // Nothing of node_modules is read.
    assert.ok(!r.stdout.includes('node_modules'));

    const j = data(['verify', '--json']);
    assert.equal(j.status, 1);
    const v = doc<{ ok: boolean; errors: number; problems: { file: string; line?: number; sequence?: number; severity: string; code: string; message: string }[] }>(j);
    assert.equal(v.ok, false);
    assert.equal(v.errors, v.problems.filter((p) => p.severity === 'error').length);
    assert.ok(v.errors >= ws.problems.length - 1, `${v.errors} errors`);
    assert.ok(v.problems.some((p) => p.file === ws.logs.db && p.sequence === 2));
    assert.ok(v.problems.some((p) => p.file === ws.logs.brokenLog && p.line === 2 && p.code === 'broken-chain'));
    assert.ok(v.problems.some((p) => p.file === ws.logs.badLedger && p.line === 1));
    assert.ok(v.problems.every((p) => path.isAbsolute(p.file) && typeof p.message === 'string' && p.message.length > 0));
    // The good ledger, with its `1.0` and `1e-05` float lexemes, verifies.
    assert.ok(!v.problems.some((p) => p.file === ws.logs.ledger && p.severity === 'error'), JSON.stringify(v.problems.filter((p) => p.file === ws.logs.ledger)));
  });

  it('verify of a clean folder exits 0; usage errors exit 2 with the usage on stderr and nothing on stdout', () => {
    const clean = cli(['verify', ws.roots.S2, '--cache', path.join(ws.base, '.cache-clean'), '--json']);
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    assert.deepEqual(doc<{ ok: boolean; errors: number }>(clean).ok, true);
    const usage: string[][] = [
      ['show'],
      ['show', 'a', 'b'],
      ['trace'],
      ['index', '--bogus'],
      ['verify', ws.base, '--workspace', ws.folderA],
      ['index', path.join(ws.base, 'no-such-folder')],
      ['frobnicate'],
    ];
    for (const args of usage) {
      const r = cli([...args, '--json']);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '', `${args.join(' ')} printed on stdout`);
      assert.ok(r.stderr.length > 0);
    }
  });

  it('writes nothing into the workspace: logs, stores and the SQLite event store are read only', () => {
    const tree = () => {
      const out: string[] = [];
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) {
            if (!e.name.startsWith('.cache')) walk(p);
          } else {
            const st = fs.statSync(p);
            out.push(`${p} ${st.size} ${st.mtimeMs}`);
          }
        }
      };
      walk(ws.base);
      return out.sort().join('\n');
    };
    const before = tree();
    const fresh = path.join(ws.base, '.cache-readonly');
    for (const args of [['index'], ['verify'], ['show', `blake3:${ws.blake3Hex[0]}`], ['trace', ws.artifacts.request.ref]]) cli([...args, '--workspace', ws.base, '--cache', fresh, '--json']);
    assert.equal(tree(), before);
  });

  it('data commands default to the current folder', () => {
    const r = cli(['show', ws.artifacts.betaOutput.ref, '--cache', path.join(ws.base, '.cache-cwd'), '--json'], ws.folderB);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(doc<ResolveSuccess>(r).uri, 'file://' + ws.artifacts.betaOutput.file);
    assert.ok(HEX64.test(doc<ResolveSuccess>(r).digest));
  });
});
