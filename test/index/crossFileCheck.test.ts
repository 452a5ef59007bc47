// The cross-file check settles most refs from ids (a key id that an artifact or an event
// answers to) and makes objects only for the rest: what it reports must be what a check of
// every ref as an object reported. The digest table holds every digest any ref names, so a
// digest being there must never count as an artifact; an event naming a digest does not make
// it a target either; a namespaced ref resolves only in its namespace.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { RefIndex } from '../../shared/index/api';
import { canonicalJson } from '../../shared/canonicalJson';
import { createIndex } from '../../shared/index/workspaceIndex';
import { sha256, Workspace, eachWithWorkspace } from './fixture';

describe('index cross-file check by ids', () => {
  let ws: Workspace;
  let index: RefIndex;
  eachWithWorkspace((w) => (ws = w), () => index);

  /** notes.md's problems as `line code`, in order. */
  const problemsOf = (rel: string) => index.problems(ws.p(rel)).map((p) => `${p.line} ${p.code}`);

  it('reports dangling refs to digests only refs or events name, and settles artifacts, namespaces and chain hashes', async () => {
    const output = ws.artifact('runtime', 'outputs', { text: 'ok' });
    const request = ws.artifact('runtime', 'requests', { prompt: 'p' });
    const lost = sha256('never written');
    const named = sha256('named by two notes only');
    const hashes = ws.auditLog('runtime/logs/audit.jsonl', [
      { event_type: 'provider_request_written', run_id: 'r1', artifact_ref: `sha256:${lost}` },
      { event_type: 'run_completed', run_id: 'r1' },
    ]);
    ws.write(
      'notes.md',
      [
        `output sha256:${output}`,
        `request requests/sha256:${request}`,
        `wrong namespace outputs/sha256:${request}`,
        `named sha256:${named}`,
        `chain ${hashes[0]}`,
        `upper sha256:${output.toUpperCase()}`,
        `lost sha256:${lost}`,
      ].join('\n'),
    );
    ws.write('other.md', `named again sha256:${named}`);
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    assert.deepEqual(problemsOf('notes.md'), ['2 dangling-ref', '3 dangling-ref', '5 non-canonical', '6 dangling-ref']);
    assert.deepEqual(problemsOf('other.md'), ['0 dangling-ref']);
    // The event's own line names the lost artifact; its second line names the first record by chain hash.
    assert.deepEqual(index.problems(ws.p('runtime/logs/audit.jsonl')).filter((p) => p.code === 'dangling-ref').map((p) => p.line), [0]);
    assert.equal(index.stats().dangling, 5);
  });

  it('checks again the refs whose artifact went or came, by id', async () => {
    const output = ws.artifact('runtime', 'outputs', { text: 'ok' });
    const later = { text: 'later' };
    const laterHex = sha256(canonicalJson(later));
    ws.write('notes.md', [`output sha256:${output}`, `later sha256:${laterHex}`, `scoped outputs/sha256:${laterHex}`].join('\n'));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    assert.deepEqual(problemsOf('notes.md'), ['1 dangling-ref', '2 dangling-ref']);

    const outputPath = ws.p(`runtime/artifacts/outputs/${output}.json`);
    fs.rmSync(outputPath);
    assert.equal(ws.artifact('runtime', 'outputs', later), laterHex);
    await index.update([outputPath, ws.p(`runtime/artifacts/outputs/${laterHex}.json`)]);
    assert.deepEqual(problemsOf('notes.md'), ['0 dangling-ref']);
    assert.equal(index.stats().dangling, 1);
  });

  it('checks abbreviated refs again when an update brings or takes the artifact they abbreviate, whatever their lengths', async () => {
    const first = { text: 'first' };
    const second = { text: 'second' };
    const firstHex = sha256(canonicalJson(first));
    const secondHex = sha256(canonicalJson(second));
    ws.artifact('runtime', 'outputs', { text: 'ok' });
    ws.write('notes.md', [`short sha256:${firstHex.slice(0, 12)}`, `longer sha256:${secondHex.slice(0, 20)}`].join('\n'));
    index = createIndex({ folders: [ws.dir] });
    await index.build();
    assert.deepEqual(problemsOf('notes.md'), ['0 dangling-ref', '1 dangling-ref']);

    const firstPath = ws.p(`runtime/artifacts/outputs/${firstHex}.json`);
    assert.equal(ws.artifact('runtime', 'outputs', first), firstHex);
    await index.update([firstPath]);
    assert.deepEqual(problemsOf('notes.md'), ['1 dangling-ref']);
    assert.equal(ws.artifact('runtime', 'outputs', second), secondHex);
    await index.update([ws.p(`runtime/artifacts/outputs/${secondHex}.json`)]);
    assert.deepEqual(problemsOf('notes.md'), []);
    fs.rmSync(firstPath);
    await index.update([firstPath]);
    assert.deepEqual(problemsOf('notes.md'), ['0 dangling-ref']);
  });
});
