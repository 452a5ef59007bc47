// An agent writing while the index is open: new artifacts and logs come in through update()
// with the paths the watcher reported, resolve at once (by full digest and by abbreviation,
// old and new alike), and a deleted one dangles again.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createIndex } from '../../shared/index/workspaceIndex';
import type { RefIndex } from '../../shared/index/api';
import { canonicalJson } from '../../shared/canonicalJson';
import { isResolvedTarget } from '../../shared/index/resolution';
import { sha256, Workspace, eachWithWorkspace } from './fixture';

describe('index: files written while it is open', () => {
  let ws: Workspace;
  let index: RefIndex;
  eachWithWorkspace((w) => (ws = w), () => index);

  it('takes new artifacts and a new log from the paths reported, and answers prefix lookups over old and new digests', async () => {
    const old = ws.artifact('agent/runtime', 'requests', { n: 0 });
    index = createIndex({ folders: [ws.dir] });
    assert.equal((await index.build()).artifacts, 1);
    // The prefix lookup's sorted digests exist from here on; later digests join them.
    assert.equal(index.artifactsByPrefix(old.slice(0, 8), 2).length, 1);
    const fresh: string[] = [];
    const paths: string[] = [];
    for (let n = 1; n <= 50; n++) {
      const hex = ws.artifact('agent/runtime', n % 2 ? 'requests' : 'tool_calls', { n });
      fresh.push(hex);
      paths.push(ws.p(`agent/runtime/artifacts/${n % 2 ? 'requests' : 'tool_calls'}/${hex}.json`));
    }
    const log = ws.write('agent/runtime/r1.events.jsonl', fresh.map((hex, seq) => JSON.stringify({ seq, event_type: 'provider_request_written', run_id: 'r1', artifact_ref: `sha256:${hex}` })).join('\n') + '\n');
    await index.update(paths.slice(0, 25));
    await index.update([...paths.slice(25), log]);
    const stats = index.stats();
    assert.equal(stats.artifacts, 51);
    assert.equal(stats.events, 50);
    assert.equal(stats.dangling, 0);
    for (const hex of [old, ...fresh]) {
      assert.equal(index.artifactsByPrefix(hex.slice(0, 10), 2)[0]?.digest, hex, 'by prefix');
      const r = index.resolve(`sha256:${hex.slice(0, 12)}`);
      assert.ok(!('error' in r), `abbreviated sha256:${hex.slice(0, 12)} resolves`);
    }
    const sorted = [old, ...fresh].sort();
    assert.deepEqual(index.artifactsByPrefix('', 100).map((a) => a.digest), sorted, 'every digest, in order');

    fs.rmSync(paths[0]);
    await index.update([paths[0]]);
    assert.equal(index.stats().artifacts, 50);
    assert.equal(index.artifactsByPrefix(fresh[0].slice(0, 10), 2).length, 0);
    const gone = index.resolve(`sha256:${fresh[0]}`);
    assert.ok('error' in gone && gone.error === 'dangling');
  });

  it("re-checks a file store's sidecars when its bytes change after a cold build (which let go of its listing as it read it)", async () => {
    const bytes = Buffer.from('stored');
    const id = sha256(bytes).slice(0, 32);
    const blob = ws.write(`store/artifacts/${id}.bin`, bytes);
    ws.write(`store/artifacts/${id}.meta`, JSON.stringify({ artifact_id: id, size_bytes: bytes.length }));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    const stored = index.resolve(`artifact:${id}`);
    assert.ok(isResolvedTarget(stored) && stored.verification === 'verified');
    fs.writeFileSync(blob, 'tampered');
    await index.update([blob]);
    const tampered = index.resolve(`artifact:${id}`);
    assert.ok(isResolvedTarget(tampered) && tampered.verification === 'mismatch', 'the sidecar was read again with its bytes');
  });

  it('checks an appended log, a rewritten one and the mentions of an arriving target as a fresh index does', async () => {
    const known = ws.artifact('agent/runtime', 'requests', { n: 0 });
    const later = { n: 'written later' };
    const laterHex = sha256(JSON.stringify(later));
    const line = (seq: number, ref: string) => JSON.stringify({ seq, event_type: 'tool_output_written', artifact_ref: ref }) + '\n';
    const logPath = ws.write('agent/runtime/r.events.jsonl', line(0, `sha256:${known}`) + line(1, `sha256:${laterHex}`));
    const note = ws.write('notes.md', `later: sha256:${laterHex}\nloud: sha256:${known.toUpperCase()}\n`);
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    /** Every problem and the dangling count, as an index built from scratch sees the workspace now. */
    const fromScratch = async () => {
      const other = createIndex({ folders: [ws.dir] });
      await other.build();
      const seen = { problems: other.problems(), dangling: other.stats().dangling };
      await other.close();
      return seen;
    };
    const same = async (what: string) => assert.deepEqual({ problems: index.problems(), dangling: index.stats().dangling }, await fromScratch(), what);
    await same('built');
    // Appended: the new lines are checked (a dangling and an upper-case ref among them).
    fs.appendFileSync(logPath, line(2, `sha256:${'e'.repeat(64)}`) + line(3, `sha256:${known.toUpperCase()}`) + line(4, `sha256:${laterHex}`));
    await index.update([logPath]);
    await same('appended');
    assert.equal(index.problems(logPath).filter((p) => p.code === 'dangling-ref').length, 3);
    // The target arrives: its mentions in the old and the new lines, and in the note, stop dangling.
    ws.write(`agent/runtime/artifacts/outputs/${laterHex}.json`, JSON.stringify(later));
    await index.update([ws.p(`agent/runtime/artifacts/outputs/${laterHex}.json`)]);
    await same('target written');
    assert.deepEqual(index.problems(note).map((p) => p.code), ['non-canonical']);
    // Rewritten in place with as many lines: checked whole again.
    fs.writeFileSync(logPath, line(0, `sha256:${'f'.repeat(64)}`) + line(1, `sha256:${laterHex}`) + line(2, `sha256:${known}`) + line(3, `sha256:${'e'.repeat(64)}`) + line(4, `sha256:${known}`));
    await index.update([logPath]);
    await same('rewritten');
    assert.deepEqual(index.problems(logPath).map((p) => `${p.code}@${p.line}`), ['dangling-ref@0', 'dangling-ref@3']);
  });

  it("lists a file's own problems as they come, go and come back, and not once the file is gone", async () => {
    const line = (seq: number) => JSON.stringify({ seq, event_type: 'run_started', run_id: 'r1' }) + '\n';
    const logPath = ws.write('agent/runtime/r1.events.jsonl', line(0) + '{"seq": 1, broken\n');
    const artifactPath = ws.p(`agent/runtime/artifacts/requests/${ws.artifact('agent/runtime', 'requests', { n: 0 })}.json`);
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    const files = () => [...new Set(index.problems().map((p) => p.file))];
    assert.deepEqual(files(), [logPath], 'built');
    fs.writeFileSync(logPath, line(0) + line(1));
    await index.update([logPath]);
    assert.deepEqual(files(), [], 'fixed');
    fs.writeFileSync(artifactPath, '{"not": "its hash"}');
    fs.appendFileSync(logPath, '{"seq": 2, broken again\n');
    await index.update([logPath, artifactPath]);
    assert.deepEqual(files().sort(), [logPath, artifactPath].sort(), 'broken again, and an artifact that does not hash to its name');
    fs.rmSync(artifactPath);
    await index.update([artifactPath]);
    assert.deepEqual(files(), [logPath], 'the artifact removed');
  });

  it('answers from the problems as they were while an update reads its batches, then as a fresh index does', async () => {
    ws.artifact('agent/runtime', 'requests', { n: 0 });
    const docs = Array.from({ length: 400 }, (_, n) => ({ n: `written later ${n}` }));
    ws.write('notes.md', docs.map((d) => `see sha256:${sha256(canonicalJson(d))}`).join('\n') + '\n');
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    assert.equal(index.stats().dangling, docs.length);
    const paths = docs.map((d) => ws.p(`agent/runtime/artifacts/requests/${ws.artifact('agent/runtime', 'requests', d)}.json`));
    // Asked between the update's batches: never the count of the first batches' artifacts alone.
    const seen = new Set<number>();
    let done = false;
    const updated = index.update(paths).then(() => (done = true));
    while (!done) {
      seen.add(index.stats().dangling);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await updated;
    assert.deepEqual([...seen].filter((n) => n !== docs.length && n !== 0), []);
    assert.equal(index.stats().dangling, 0);
    assert.deepEqual(index.problems(ws.p('notes.md')), []);
  });
});
