// Incremental updates through the protocol: files written on disk resolve within 500 ms,
// whether the client reports changes (didChangeWatchedFiles) or the server watches itself;
// appended log lines become events; requests during indexing wait and then answer.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeLensRequest, DidChangeWatchedFilesNotification, DidChangeWorkspaceFoldersNotification, FileChangeType, HoverRequest, type FileEvent } from 'vscode-languageserver-protocol';
import { isResolveTarget, ResolveRequest, StatsRequest, VerifyRequest } from '../../shared/protocol';
import { auditLines, envelope, writeArtifact, writeFixture, type Fixture } from './fixture';
import { fileUri, LspTestClient, waitFor } from './lspClient';

const resolves = (client: LspTestClient, ref: string) => async () => {
  const r = await client.request(ResolveRequest.type, { ref });
  return 'error' in r ? undefined : r;
};

describe('language server: updates', function () {
  this.timeout(30000);
  let fx: Fixture;
  const clients: LspTestClient[] = [];

  beforeEach(() => {
    fx = writeFixture();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('resolves an artifact written on disk within 500 ms through its own watcher', async () => {
    const client = await LspTestClient.start(fx.dir);
    clients.push(client);
    await client.request(StatsRequest.type, {});
    assert.equal(client.registrations.length, 0, 'the client announced no file watching');
    const started = Date.now();
    const fresh = writeArtifact(fx.root, 'outputs', { schema: 'output.v1', text: 'written later' });
    const r = await waitFor(resolves(client, `sha256:${fresh.hex}`), 500, 'the new artifact to resolve');
    assert.equal(r.uri, fileUri(fresh.path));
    assert.ok(Date.now() - started <= 500);
    await waitFor(() => client.indexChanged.some((s) => s.artifacts === 9), 1000, 'indexChanged with the new count');
  });

  it('a start after an agent wrote into old folders sees what it wrote, and then a burst into a folder it did not list again', async function () {
    this.timeout(120_000);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-lsp-saved-'));
    /** Every folder's time an hour back, as a workspace written earlier (a folder changed just before a listing is not trusted). */
    const age = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) age(path.join(dir, e.name));
      const past = new Date(Date.now() - 3600_000);
      fs.utimesSync(dir, past, past);
    };
    const serve = async () => {
      const client = await LspTestClient.start(fx.dir, { initializationOptions: { cacheDir } });
      clients.push(client);
      const stats = await waitFor(async () => {
        const s = await client.request(StatsRequest.type, {});
        return s.ready && s;
      }, 30_000, 'ready');
      return { client, stats };
    };
    try {
      age(fx.dir);
      const first = await serve();
      await first.client.stop();
      // Written into a folder the saved index listed, and a log new in the runtime root.
      const later = writeArtifact(fx.root, 'requests', { schema: 'request.v1', text: 'written while no server ran' });
      fs.writeFileSync(path.join(fx.root, 'later.events.jsonl'), JSON.stringify({ seq: 1, event_type: 'provider_request_written', artifact_ref: `sha256:${later.hex}` }) + '\n');
      age(fx.dir);
      const { client, stats } = await serve();
      assert.equal(stats.artifacts, first.stats.artifacts + 1);
      assert.equal(stats.events, first.stats.events + 1);
      assert.equal((await resolves(client, `sha256:${later.hex}`)())?.uri, fileUri(later.path));
      // Past the kernel's queue, into a folder the watcher took as the index holds it (not listed): every file seen.
      const files = 20_000;
      for (let i = 0; i < files; i++) writeArtifact(fx.root, 'requests', { i, schema: 'request.v1' });
      await waitFor(async () => (await client.request(StatsRequest.type, {})).artifacts === stats.artifacts + files, 60_000, `all ${files} artifacts`);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('sees every file of a burst written while it watches for itself, and the log appended to in it', async () => {
    const client = await LspTestClient.start(fx.dir);
    clients.push(client);
    const before = await client.request(StatsRequest.type, {});
    const log = path.join(fx.root, 'burst.events.jsonl');
    const files = 5000;
    for (let i = 0; i < files; i++) {
      const a = writeArtifact(fx.root, 'requests', { i, schema: 'request.v1' });
      fs.appendFileSync(log, JSON.stringify({ seq: i, event_type: 'provider_request_written', artifact_ref: `sha256:${a.hex}` }) + '\n');
    }
    await waitFor(async () => {
      const s = await client.request(StatsRequest.type, {});
      return s.artifacts === before.artifacts + files && s.events === before.events + files;
    }, 20_000, `all ${files} artifacts and events`);
  });

  it('answers hovers while it takes in a burst the client reports at once (thousands of artifacts, a log grown by ~1 MB), and loses nothing', async () => {
    const client = await LspTestClient.start(fx.dir, { watchesFiles: true });
    clients.push(client);
    const before = await client.request(StatsRequest.type, {});
    const notesUri = await client.open(fx.notes, undefined, 'markdown');
    // The log begun (an empty one has no format yet, and is read whole), then appended to.
    const log = path.join(fx.root, 'burst.events.jsonl');
    fs.writeFileSync(log, JSON.stringify({ seq: -1, event_type: 'run_started' }) + '\n');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(log), type: FileChangeType.Created }] });
    await waitFor(async () => (await client.request(StatsRequest.type, {})).events > before.events, 5000, 'the log begun');
    before.events++;
    const files = 4000;
    const changes: FileEvent[] = [{ uri: fileUri(log), type: FileChangeType.Changed }];
    const lines: string[] = [];
    for (let i = 0; i < files; i++) {
      const a = writeArtifact(fx.root, 'requests', { i, schema: 'request.v1' });
      lines.push(JSON.stringify({ seq: i, event_type: 'provider_request_written', note: 'x'.repeat(200), artifact_ref: `sha256:${a.hex}` }));
      changes.push({ uri: fileUri(a.path), type: FileChangeType.Created });
    }
    fs.appendFileSync(log, lines.join('\n') + '\n');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
    const want = { artifacts: before.artifacts + files, events: before.events + files };
    // Asked one after another while the update runs: answered between its batches of artifacts
    // and between the slices of the log (the events seen partway, more than once).
    const eventsPartway = new Set<number>();
    let artifactsPartway = 0;
    await waitFor(async () => {
      const [s, hover] = await Promise.all([client.request(StatsRequest.type, {}), client.request(HoverRequest.type, { textDocument: { uri: notesUri }, position: { line: 1, character: 20 } })]);
      assert.ok(hover, 'a hover answered during the update');
      if (s.artifacts > before.artifacts && s.artifacts < want.artifacts) artifactsPartway++;
      if (s.events > before.events && s.events < want.events) eventsPartway.add(s.events);
      return s.artifacts === want.artifacts && s.events === want.events;
    }, 25_000, `all ${files} artifacts and events`);
    assert.ok(artifactsPartway > 0, 'answered between batches of artifacts');
    assert.ok(eventsPartway.size >= 2, `answered between slices of the log: ${[...eventsPartway].join(', ')} events seen partway`);
  });

  it('reads a log it first meets at ~1 MB in slices, answering between them: every record counted, the chain checked across them', async () => {
    const client = await LspTestClient.start(fx.dir, { watchesFiles: true });
    clients.push(client);
    const before = await client.request(StatsRequest.type, {});
    const notesUri = await client.open(fx.notes, undefined, 'markdown');
    // A chained audit log written whole before the server hears of it: ~1.2 MB, so many slices of 64 KB.
    const records = 4000;
    const events = Array.from({ length: records }, (_, i) => envelope(i, '2026-01-02T00:00:00Z', { event_type: 'tool_output_written', note: 'x'.repeat(100), artifact_ref: `sha256:${fx.output.hex}` }));
    events.push(envelope(records, '2026-01-02T00:00:01Z', { event_type: 'tool_output_written', artifact_ref: `sha256:${'d'.repeat(64)}` }));
    const chained = auditLines(events);
    // One record near the end chained to a hash the log does not hold: the only break, at its line.
    const breakAt = records - 10;
    const tampered = JSON.parse(chained.lines[breakAt]) as { prev_hash: string };
    tampered.prev_hash = 'sha256:' + '2'.repeat(64);
    chained.lines[breakAt] = JSON.stringify(tampered);
    const log = path.join(fx.root, 'logs', 'live-audit.jsonl');
    fs.writeFileSync(log, chained.lines.join('\n') + '\n');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(log), type: FileChangeType.Created }] });
    const want = before.events + records + 1;
    const eventsPartway = new Set<number>();
    await waitFor(async () => {
      const [s, hover] = await Promise.all([client.request(StatsRequest.type, {}), client.request(HoverRequest.type, { textDocument: { uri: notesUri }, position: { line: 1, character: 20 } })]);
      assert.ok(hover, 'a hover answered while the log is read');
      if (s.events > before.events && s.events < want) eventsPartway.add(s.events);
      return s.events === want && s.dangling === before.dangling + 1;
    }, 20_000, `all ${records + 1} records and the dangling ref of the last`);
    assert.ok(eventsPartway.size >= 2, `answered between slices of the new log: ${[...eventsPartway].join(', ')} events seen partway`);
    await client.waitForDiagnostics(fileUri(log), (d) => d.map((x) => `${x.code}@${x.range.start.line}`).join() === `broken-chain@${breakAt}`, 5000);
  });

  it('indexes a workspace folder the client adds, and forgets one it removes', async () => {
    const client = await LspTestClient.start(fx.dir, { sendsFolderChanges: true });
    clients.push(client);
    await client.request(StatsRequest.type, {});
    const other = fs.mkdtempSync(path.join(path.dirname(fx.dir), 'refscope-folder-'));
    try {
      const added = writeArtifact(path.join(other, 'runtime'), 'notes', { schema: 'note.v1', text: 'in the added folder' });
      const folder = { uri: fileUri(other), name: 'other' };
      await client.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [folder], removed: [] } });
      const r = await waitFor(resolves(client, `sha256:${added.hex}`), 10000, 'the added folder to be indexed');
      assert.equal(r.uri, fileUri(added.path));
      await client.connection.sendNotification(DidChangeWorkspaceFoldersNotification.type, { event: { added: [], removed: [folder] } });
      await waitFor(async () => {
        const gone = await client.request(ResolveRequest.type, { ref: `sha256:${added.hex}` });
        return 'error' in gone && gone.error === 'dangling';
      }, 10000, 'the removed folder to leave the index');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('registers for watched files when the client can, and updates from didChangeWatchedFiles', async () => {
    const client = await LspTestClient.start(fx.dir, { watchesFiles: true });
    clients.push(client);
    await client.request(StatsRequest.type, {});
    await waitFor(() => client.registrations.find((r) => r.method === DidChangeWatchedFilesNotification.method), 2000, 'registration');
    const fresh = writeArtifact(fx.root, 'requests', { schema: 'request.v1', prompt: 'later' });
    const started = Date.now();
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fresh.path), type: FileChangeType.Created }] });
    await waitFor(resolves(client, `sha256:${fresh.hex}`), 500, 'the reported artifact to resolve');
    assert.ok(Date.now() - started <= 500);
    fs.rmSync(fresh.path);
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: fileUri(fresh.path), type: FileChangeType.Deleted }] });
    await waitFor(async () => {
      const r = await client.request(ResolveRequest.type, { ref: `sha256:${fresh.hex}` });
      return 'error' in r && r.error === 'dangling';
    }, 1000, 'the deleted artifact to dangle');
  });

  it('reads appended log lines: a new event produces an artifact and clears its dangling diagnostic', async () => {
    const client = await LspTestClient.start(fx.dir);
    clients.push(client);
    const notesUri = await client.open(fx.notes, undefined, 'markdown');
    await client.waitForDiagnostics(notesUri, (d) => d.some((x) => x.code === 'dangling-ref'));
    // The dangling output appears, and the log says who wrote it.
    const text = '{"schema":"late.v1"}';
    const target = path.join(fx.root, 'artifacts', 'outputs', `${fx.dangling}.json`);
    const more = auditLines([envelope(5, '2026-01-01T00:00:05Z', { event_type: 'tool_output_written', artifact_ref: `sha256:${fx.output.hex}` })], fx.audit.last);
    fs.appendFileSync(fx.auditLog, more.lines.join('\n') + '\n');
    await waitFor(async () => {
      const r = await client.request(ResolveRequest.type, { ref: `sha256:${fx.output.hex}` });
      return isResolveTarget(r) && r.producedBy?.sequence === 5 && r.producedBy.line === 4;
    }, 1000, 'the appended event to produce the output');
    // A file whose bytes do not hash to its name is still the artifact it claims to be (a mismatch), so the ref no longer dangles.
    fs.writeFileSync(target, text);
    await client.waitForDiagnostics(notesUri, (d) => !d.some((x) => x.code === 'dangling-ref'), 2000);
  });

  it('adds the new records of a grown audit log, chained across the boundary; reports an appended break; reads a truncated log again', async () => {
    const client = await LspTestClient.start(fx.dir, { watchesFiles: true });
    clients.push(client);
    const before = await client.request(StatsRequest.type, {});
    const logUri = fileUri(fx.auditLog);
    const changed = () => client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: logUri, type: FileChangeType.Changed }] });
    const counted = (events: number, dangling: number) => async () => {
      const s = await client.request(StatsRequest.type, {});
      return s.events === before.events + events && s.dangling === before.dangling + dangling;
    };
    const codes = (d: { code?: number | string; range: { start: { line: number } } }[]) => d.map((x) => `${x.code}@${x.range.start.line}`).join();
    // Two records chained on from the last one: counted, one more dangling ref, no break.
    const more = auditLines([
      envelope(5, '2026-01-01T00:00:04Z', { event_type: 'tool_output_written', artifact_ref: `sha256:${fx.output.hex}` }),
      envelope(6, '2026-01-01T00:00:05Z', { event_type: 'tool_output_written', artifact_ref: `sha256:${'e'.repeat(64)}` }),
    ], fx.audit.last);
    fs.appendFileSync(fx.auditLog, more.lines.join('\n') + '\n');
    await changed();
    await waitFor(counted(2, 1), 5000, 'the two appended records');
    assert.equal(codes(client.diagnostics.get(logUri) ?? []), '');
    // A record naming a hash the log does not end with: the chain breaks at its line.
    fs.appendFileSync(fx.auditLog, auditLines([envelope(7, '2026-01-01T00:00:06Z', { event_type: 'run_completed' })], fx.audit.last).lines[0] + '\n');
    await changed();
    await client.waitForDiagnostics(logUri, (d) => codes(d) === 'broken-chain@6', 5000);
    await waitFor(counted(3, 1), 5000, 'the record that breaks the chain');
    // Cut back to its first two records: read whole again, nothing of the rest is left.
    fs.writeFileSync(fx.auditLog, fx.audit.lines.slice(0, 2).join('\n') + '\n');
    await changed();
    await client.waitForDiagnostics(logUri, (d) => d.length === 0, 5000);
    await waitFor(counted(-2, -1), 5000, 'the truncated log');
  });

  it('after an update publishes the files whose problems changed, there or through a ref elsewhere, and clears the fixed', async () => {
    const client = await LspTestClient.start(fx.dir, { watchesFiles: true });
    clients.push(client);
    // Ref problems are published across the workspace too from here on.
    await client.request(VerifyRequest.type, {});
    const [notesUri, mismatchUri, brokenUri] = [fx.notes, fx.mismatch.path, fx.brokenLog].map(fileUri);
    await client.waitForDiagnostics(notesUri, (d) => d.some((x) => x.code === 'dangling-ref'));
    await client.waitForDiagnostics(mismatchUri, (d) => d.some((x) => x.code === 'hash-mismatch'));
    await client.waitForDiagnostics(brokenUri, (d) => d.some((x) => x.code === 'broken-chain'));
    client.published.length = 0;
    // The tampered artifact goes; the output the notes cite as gone arrives (bytes not matching its name: still that artifact).
    fs.rmSync(fx.mismatch.path);
    const arrived = path.join(fx.root, 'artifacts', 'outputs', `${fx.dangling}.json`);
    fs.writeFileSync(arrived, '{"schema":"late.v1"}');
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, {
      changes: [
        { uri: mismatchUri, type: FileChangeType.Deleted },
        { uri: fileUri(arrived), type: FileChangeType.Created },
      ],
    });
    await client.waitForDiagnostics(mismatchUri, (d) => d.length === 0, 3000);
    await client.waitForDiagnostics(fileUri(arrived), (d) => d.some((x) => x.code === 'hash-mismatch'), 3000);
    // The notes did not change: the ref they hold stopped dangling.
    await client.waitForDiagnostics(notesUri, (d) => !d.some((x) => x.code === 'dangling-ref'), 3000);
    assert.ok(!client.published.some((p) => p.uri === brokenUri), 'a file whose problems did not change is not published again');
  });

  it('answers requests sent while a larger workspace is still being indexed', async () => {
    for (let i = 0; i < 3000; i++) writeArtifact(fx.root, 'tool_outputs', { i, schema: 'bulk.v1' });
    const client = await LspTestClient.start(fx.dir);
    clients.push(client);
    const [stats, resolved, hover] = await Promise.all([
      client.request(StatsRequest.type, {}),
      client.request(ResolveRequest.type, { ref: `sha256:${fx.request.hex}` }),
      (async () => {
        const uri = await client.open(fx.notes, undefined, 'markdown');
        return client.request(HoverRequest.type, { textDocument: { uri }, position: { line: 1, character: 20 } });
      })(),
    ]);
    assert.equal(stats.artifacts, 3008);
    assert.equal(!('error' in resolved) && resolved.kind, 'requests');
    assert.ok(hover, 'the hover waited for the index');
  });
});

describe('language server: settings', function () {
  this.timeout(30000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  for (const via of ['initializationOptions', 'workspace/configuration'] as const) {
    it(`indexes refscope.runtimeRoots outside the workspace, given by ${via}`, async () => {
      const ws = writeFixture();
      const elsewhere = writeFixture();
      dirs.push(ws.dir, elsewhere.dir);
      const only = writeArtifact(elsewhere.root, 'outputs', { schema: 'output.v1', text: `only in ${elsewhere.dir}` });
      const settings = { runtimeRoots: [elsewhere.root], codeLens: false };
      const client = await LspTestClient.start(
        ws.dir,
        via === 'initializationOptions' ? { initializationOptions: settings } : { configuration: { refscope: settings } },
      );
      try {
        const stats = await client.request(StatsRequest.type, {});
        assert.ok(stats.roots.includes(elsewhere.root), JSON.stringify(stats.roots));
        const r = await client.request(ResolveRequest.type, { ref: `sha256:${only.hex}` });
        assert.equal(!('error' in r) && r.uri, fileUri(only.path));
        if (via === 'initializationOptions') {
          const lenses = await client.request(CodeLensRequest.type, { textDocument: { uri: fileUri(ws.request.path) } });
          assert.deepEqual(lenses, [], 'refscope.codeLens off');
        }
      } finally {
        await client.stop();
      }
    });
  }
});
