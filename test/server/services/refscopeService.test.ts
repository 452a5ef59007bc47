// The language features called directly, as vscode-json-languageservice's tests call
// theirs: a document whose text marks the cursor with `|`, a real index over real files in a
// temp folder, and the answer a user relies on (the hover's words, where definition goes,
// the references list, the diagnostics' codes and ranges). No connection, no server process:
// test/server/*.test.ts checks that the server wires these to LSP.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import MarkdownIt from 'markdown-it';
import type { Hover, Location, Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { RefIndex } from '../../../shared/index/api';
import { createIndex } from '../../../shared/index/workspaceIndex';
import { createRefscopeService, type RefscopeService } from '../../../server/services/refscopeService';
import { parseSettings } from '../../../server/session/settings';
import { buildAbstractWorkspace, buildServerdWorkspace } from '../../runtimes/shapedWorkspaces';
import { sha256, writeFixture, type Fixture } from '../fixture';

const uriOf = (file: string) => pathToFileURL(file).href;

/** Each document gets a new version: the service keeps one scan per URI and version, as an editor's versions allow. */
let version = 0;
const document = (file: string, languageId: string, text: string) => TextDocument.create(uriOf(file), languageId, ++version, text);

/** A document at `file` whose text is `marked` without its `|`, and the position the `|` marked. */
function withCursor(marked: string, file: string, languageId = 'markdown'): { doc: TextDocument; position: Position } {
  const offset = marked.indexOf('|');
  assert.ok(offset >= 0, 'the text marks the cursor with |');
  const doc = document(file, languageId, marked.slice(0, offset) + marked.slice(offset + 1));
  return { doc, position: doc.positionAt(offset) };
}

/** The hover as a reader sees it: rendered, tags dropped, entities decoded. */
function rendered(h: Hover | null): string {
  const html = new MarkdownIt().render(markdownOf(h));
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };
  return html.replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#39);/g, (e) => entities[e]);
}

function markdownOf(h: Hover | null): string {
  assert.ok(h, 'a hover');
  const contents = h.contents as { kind: string; value: string };
  assert.equal(contents.kind, 'markdown');
  return contents.value;
}

/** `file:line` of a location, relative to the workspace, for lists that read like a user's. */
const placeOf = (dir: string) => (l: Location) => `${path.relative(dir, new URL(l.uri).pathname)}:${l.range.start.line}:${l.range.start.character}`;

/** A built index of `folder` and the service over it, with the default settings. */
async function serviceOver(folder: string): Promise<{ index: RefIndex; service: RefscopeService }> {
  const index = createIndex({ folders: [folder] });
  await index.build();
  const settings = parseSettings(undefined);
  return { index, service: createRefscopeService({ index: async () => index, settings: () => settings }) };
}

/** findReferences as a list: the service yields places as it finds them. */
async function referencesAt(service: RefscopeService, ...args: Parameters<RefscopeService['findReferences']>) {
  const found = await service.findReferences(...args);
  return found && Array.from(found);
}

describe('Refscope service (direct calls, cursor marked with |)', function () {
  this.timeout(30000);
  let fx: Fixture;
  let index: RefIndex;
  let service: RefscopeService;
  let scratch: string;
  let place: (l: Location) => string;

  before(async () => {
    fx = writeFixture();
    scratch = path.join(fx.dir, 'scratch.md');
    place = placeOf(fx.dir);
    ({ index, service } = await serviceOver(fx.dir));
  });
  after(async () => {
    await index.close();
    fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  const hover = (marked: string, file = scratch, languageId?: string) => {
    const { doc, position } = withCursor(marked, file, languageId);
    return service.doHover(doc, position);
  };

  describe('hover', () => {
    it('a canonical ref: kind, size, verification, created, producing event, referrers, preview and our own links, over the ref', async () => {
      const h = await hover(`see sha256:${fx.request.hex.slice(0, 9)}|${fx.request.hex.slice(9)} here`);
      const text = rendered(h);
      assert.ok(text.includes(`sha256:${fx.request.hex}`));
      assert.match(text, /Kind: requests\n/);
      assert.ok(text.includes(`Size: ${fs.statSync(fx.request.path).size} bytes`), text);
      assert.match(text, /Verification: verified/);
      assert.match(text, /Created: 2026-01-01T00:00:01Z/);
      assert.match(text, /Produced by: provider_request_written #2 at 2026-01-01T00:00:01Z \(audit\.jsonl:2\)/);
      // notes.md's full ref and its abbreviation, and the audit line (the scratch text is not on disk)
      assert.match(text, /Referenced by: 3 places/);
      assert.match(text, /runId: run-1/);
      assert.match(text, /"prompt": "Say hi"/);
      const md = markdownOf(h);
      assert.match(md, /```json\n[\s\S]*Say hi[\s\S]*\n```/);
      assert.match(md, /\(command:refscope\.traceRequest\?/);
      assert.deepEqual(h?.range, { start: { line: 0, character: 4 }, end: { line: 0, character: 4 + 7 + 64 } });
    });

    it('namespaced, abbreviated, bare and upper-case refs', async () => {
      assert.match(rendered(await hover(`prompt_templates/sha2|56:${fx.prompt.hex}`)), /Kind: prompt_templates\n/);
      assert.match(rendered(await hover(`sha256:${fx.request.hex.slice(0, 12)}|`)), /Kind: requests\n/);
      const bare = rendered(await hover(`{"response_sha256": "${fx.response.hex.slice(0, 5)}|${fx.response.hex.slice(5)}"}`, path.join(fx.dir, 'x.json'), 'json'));
      assert.match(bare, /Kind: responses\n/);
      const upper = rendered(await hover(`sha256:|${fx.output.hex.toUpperCase()}`));
      assert.match(upper, /Kind: outputs\n/);
      assert.match(upper, /Non-canonical: the hex is written in upper case/);
    });

    it('ambiguous, dangling and invalid refs say what is known about them', async () => {
      const amb = rendered(await hover(`sha256:${fx.ambiguous[0].hex.slice(0, 8)}|`));
      assert.match(amb, /— ambiguous/);
      assert.ok(amb.includes(`sha256:${fx.ambiguous[0].hex}`) && amb.includes(`sha256:${fx.ambiguous[1].hex}`), amb);
      const gone = rendered(await hover(`sha256:|${fx.dangling}`));
      assert.match(gone, /— dangling/);
      assert.match(gone, /Mentioned in 2 places; last seen at audit\.jsonl:4\./);
      const bad = rendered(await hover(`../../etc/sha256:|${fx.output.hex}`));
      assert.match(bad, /Invalid ref/);
      assert.match(bad, /never resolved or opened/);
    });

    it('renders a hostile artifact inert: no command link, HTML or image survives', async () => {
      const md = markdownOf(await hover(`sha256:|${fx.hostile.hex}`));
      assert.ok(md.includes('run me'), 'the preview shows the hostile text');
      assert.ok(md.includes('[x](command:evil)'), 'hostile keys and values are shown, as text');
      const html = new MarkdownIt({ html: true, linkify: true }).render(md);
      assert.doesNotMatch(html, /<img/i);
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /href="https:\/\/evil/);
      const links = [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]);
      assert.ok(links.length > 0 && links.every((l) => /^command:refscope\.\w+\?/.test(l)), `only our own links: ${links.join(', ')}`);
    });

    it('a run id that is no ref hovers as its run; text without a ref has no hover', async () => {
      const run = rendered(await hover(`{"run_id": "run|-1"}`, path.join(fx.dir, 'x.json'), 'json'));
      assert.match(run, /Run run-1/);
      assert.match(run, /Events: 6/);
      assert.match(run, /First event: 2026-01-01T00:00:00Z/);
      assert.match(run, /Last event: 2026-01-01T00:00:03Z/);
      assert.equal(await hover('no ref| here'), null);
    });
  });

  describe('definition', () => {
    const definition = (marked: string) => {
      const { doc, position } = withCursor(marked, scratch);
      return service.findDefinition(doc, position);
    };

    it('goes to the artifact file, a namespaced ref to its namespace, a run to its first event', async () => {
      assert.deepEqual(await definition(`sha256:|${fx.request.hex}`), { uri: uriOf(fx.request.path), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } });
      assert.equal((await definition(`prompt_templates/sha256:|${fx.prompt.hex}`))?.uri, uriOf(fx.prompt.path));
      const run = await definition(`"run_id": "run-|1"`);
      assert.equal(run && place(run), 'agent/runtime/logs/audit.jsonl:0:0');
    });

    it('goes nowhere from a dangling, ambiguous or invalid ref, or from plain text', async () => {
      assert.equal(await definition(`sha256:|${fx.dangling}`), null);
      assert.equal(await definition(`sha256:${fx.ambiguous[0].hex.slice(0, 8)}|`), null);
      assert.equal(await definition(`../x/sha256:|${fx.output.hex}`), null);
      assert.equal(await definition('nothing| here'), null);
    });
  });

  describe('references', () => {
    it('lists the log line, the bare digest on disk and the unsaved text of open documents, with the declaration first when asked', async () => {
      const { doc, position } = withCursor(`{"response_sha256": "${fx.response.hex.slice(0, 3)}|${fx.response.hex.slice(3)}"}\n`, fx.config, 'json');
      const open = document(scratch, 'markdown', `unsaved mention sha256:${fx.response.hex}\n`);
      const without = await referencesAt(service, doc, position, false, [doc, open]);
      const col = (line: string) => line.indexOf(fx.response.hex) - 7;
      const auditLine = fs.readFileSync(fx.auditLog, 'utf8').split('\n')[2];
      // config.json is open: its (unsaved) text counts, not the copy on disk.
      assert.deepEqual(without?.map(place), [`agent/runtime/logs/audit.jsonl:2:${col(auditLine)}`, 'config.json:0:21', 'scratch.md:0:16']);
      const withDeclaration = await referencesAt(service, doc, position, true, [doc, open]);
      assert.deepEqual(withDeclaration?.map(place), [path.relative(fx.dir, fx.response.path) + ':0:0', ...without!.map(place)]);
    });

    it('of a dangling ref: every place that writes it', async () => {
      const { doc, position } = withCursor(`sha256:|${fx.dangling}`, scratch);
      const notesLine = fx.notesText.split('\n').findIndex((l) => l.includes(fx.dangling));
      const found = (await referencesAt(service, doc, position, false, []))?.map(place) ?? [];
      assert.deepEqual(found.map((p) => p.replace(/:\d+$/, '')), [`notes.md:${notesLine}`, 'agent/runtime/logs/audit.jsonl:3']);
    });
  });

  describe('diagnostics', () => {
    const codes = (list: { code?: unknown; range: { start: Position; end: Position } }[]) => list.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.character}`);

    it('the notes as saved: invalid, dangling, ambiguous and non-canonical refs, each at its range', async () => {
      const doc = document(fx.notes, 'markdown', fx.notesText);
      const lines = fx.notesText.split('\n');
      const span = (line: number, ref: string) => `${line}:${lines[line].indexOf(ref)}-${lines[line].indexOf(ref) + ref.length}`;
      assert.deepEqual(codes(await service.doValidation(doc)).sort(), [
        `ambiguous-ref@${span(4, `sha256:${fx.ambiguous[0].hex.slice(0, 8)}`)}`,
        `dangling-ref@${span(5, `sha256:${fx.dangling}`)}`,
        `invalid-ref@${span(6, `../../etc/sha256:${fx.output.hex}`)}`,
        `non-canonical@${span(7, `sha256:${fx.output.hex.toUpperCase()}`)}`,
      ]);
    });

    it('unsaved text is diagnosed from the editor, not from disk', async () => {
      const draft = `new: sha256:${'a'.repeat(64)}\nok: sha256:${fx.output.hex}\nbad: ./sha256:${fx.output.hex}\nloud: sha256:${fx.request.hex.toUpperCase()}\n`;
      const doc = document(fx.notes, 'markdown', draft);
      assert.deepEqual(codes(await service.doValidation(doc)), ['dangling-ref@0:5-76', 'invalid-ref@2:5-78', 'non-canonical@3:6-77']);
    });

    it('unsaved text: a ref to an event, a namespace or an abbreviation resolves as resolve says; one that names nothing there dangles', async () => {
      const prompt = `prompt_templates/sha256:${fx.prompt.hex}`;
      const draft = [
        `chain: ${fx.audit.last}`,
        `ns: ${prompt}`,
        `wrong ns: outputs/sha256:${fx.prompt.hex}`,
        `short: sha256:${fx.request.hex.slice(0, 12)}`,
        `short in ns: prompt_templates/sha256:${fx.prompt.hex.slice(0, 12)}`,
        `ambiguous: sha256:${fx.ambiguous[0].hex.slice(0, 8)}`,
        `gone: sha256:${'c'.repeat(12)}`,
        `genesis: sha256:${'0'.repeat(64)}`,
        '',
      ].join('\n');
      const found = await service.doValidation(document(scratch, 'markdown', draft));
      assert.deepEqual(codes(found), ['dangling-ref@2:10-89', 'ambiguous-ref@5:11-26', 'dangling-ref@6:6-25']);
      assert.equal(found[0].message, `Dangling ref: nothing in the workspace has sha256:${fx.prompt.hex}`);
      assert.match(String(found[1].message), new RegExp(`^Ambiguous ref: 2 artifacts start with sha256:${fx.ambiguous[0].hex.slice(0, 8)} \\(sha256:`));
      for (const line of draft.split('\n').slice(0, 7)) {
        const ref = line.slice(line.indexOf(': ') + 2);
        const failed = found.some((d) => draft.split('\n')[d.range.start.line] === line);
        assert.equal(index.resolve(ref).type === 'unresolved', failed, `${ref} resolves as its diagnostics say`);
      }
    });

    it('unsaved log: a digest recurring under other keys and forms is judged at each place by its own key, as it would be alone', async () => {
      const gone = fx.dangling;
      const chainHex = fx.audit.last.slice('sha256:'.length);
      const draft = [
        `{"input_hash": "sha256:${gone}", "artifact_ref": "sha256:${gone}"}`,
        `{"sha256": "${gone}", "refs": ["sha256:${fx.request.hex}", "sha256:${gone}", "x", "sha256:${gone}"]}`,
        `{"run_id": "sha256:${gone}", "artifact_ref": "sha256:${fx.request.hex}", "event_hash": "${chainHex}"}`,
        `{"payload": "{\\"artifact_ref\\": \\"sha256:${gone}\\", \\"input_digest\\": \\"${gone}\\"}"}`,
        `{"artifact_ref": "sha256:${gone.toUpperCase()}", "note": "again: sha256:${gone}"}`,
        `{"prev_hash": "${fx.audit.last}", "output_ref": "sha256:${fx.output.hex}"}`,
        '',
      ].join('\n');
      const lines = draft.split('\n');
      const at = (line: number, ref: string, nth = 0) => {
        let col = -1;
        for (let i = 0; i <= nth; i++) col = lines[line].indexOf(ref, col + 1);
        return `${line}:${col}-${col + ref.length}`;
      };
      const found = codes(await service.doValidation(document(scratch, 'jsonl', draft)));
      assert.deepEqual(found, [
        `dangling-ref@${at(0, `sha256:${gone}`, 1)}`,
        `dangling-ref@${at(1, `sha256:${gone}`, 0)}`,
        `dangling-ref@${at(1, `sha256:${gone}`, 1)}`,
        `dangling-ref@${at(3, `sha256:${gone}`)}`,
        `dangling-ref@${at(4, `sha256:${gone.toUpperCase()}`)}`,
        `non-canonical@${at(4, `sha256:${gone.toUpperCase()}`)}`,
        `dangling-ref@${at(4, `sha256:${gone}`)}`,
      ]);
      // Each line diagnosed alone flags the same places: a verdict found for one place is not another's.
      const alone = [];
      for (let line = 0; line < lines.length - 1; line++) {
        for (const c of codes(await service.doValidation(document(path.join(fx.dir, `line-${line}.jsonl`), 'jsonl', lines[line] + '\n')))) alone.push(c.replace('@0:', `@${line}:`));
      }
      assert.deepEqual(alone, found);
    });

    it('a document whose text is the file the index read takes the index\'s problems; any other text is scanned, even of the same size', async () => {
      // The index words a dangling ref `dangling ref <text>: ...`; a scan of the editor's text `Dangling ref: nothing ... has <key>`.
      const dangling = async (file: string, text: string) => (await service.doValidation(document(file, 'markdown', text))).filter((d) => d.code === 'dangling-ref').map((d) => String(d.message));
      assert.match((await dangling(fx.notes, fx.notesText))[0], /^dangling ref sha256:d{64}: /);
      const edited = fx.notesText.replace(`sha256:${fx.dangling}`, `sha256:${'e'.repeat(64)}`);
      assert.equal(edited.length, fx.notesText.length);
      assert.deepEqual(await dangling(fx.notes, edited), [`Dangling ref: nothing in the workspace has sha256:${'e'.repeat(64)}`]);
      // Text that is not ASCII: compared as UTF-8 bytes.
      const accented = path.join(fx.dir, 'café.md');
      const saved = `Résumé of sha256:${fx.dangling}\n`;
      fs.writeFileSync(accented, saved);
      await index.update([accented]);
      try {
        assert.match((await dangling(accented, saved))[0], /^dangling ref sha256:d{64}: /);
        const sameBytes = saved.replace('é', 'è');
        assert.equal(Buffer.byteLength(sameBytes), Buffer.byteLength(saved));
        assert.deepEqual(await dangling(accented, sameBytes), [`Dangling ref: nothing in the workspace has sha256:${fx.dangling}`]);
      } finally {
        fs.rmSync(accented);
        await index.update([accented]);
      }
    });

    it('a large file is compared a piece at a time: the same text takes the index\'s problems, an edit anywhere is scanned', async () => {
      const dangling = async (file: string, text: string) => (await service.doValidation(document(file, 'markdown', text))).filter((d) => d.code === 'dangling-ref').map((d) => String(d.message));
      const big = path.join(fx.dir, 'long-notes.md');
      // ~300 KB: ASCII pieces, then a non-ASCII line, then more ASCII, the dangling ref near the end.
      const filler = (n: number) => Array.from({ length: n }, (_, i) => `line ${i} of plain notes, nothing cited here`).join('\n');
      const saved = `${filler(3000)}\nRésumé\n${filler(3000)}\nGone: sha256:${fx.dangling}\n`;
      fs.writeFileSync(big, saved);
      await index.update([big]);
      try {
        assert.match((await dangling(big, saved))[0], /^dangling ref sha256:d{64}: /);
        const scanned = [`Dangling ref: nothing in the workspace has sha256:${fx.dangling}`];
        // Same length (in chars and bytes), one char changed: in an ASCII piece after the first, after the non-ASCII line, and near the end.
        for (const at of [100_000, 150_000, saved.length - 80]) {
          const edited = saved.slice(0, at) + (saved[at] === 'x' ? 'y' : 'x') + saved.slice(at + 1);
          assert.deepEqual(await dangling(big, edited), scanned, `edited at ${at}`);
        }
        assert.deepEqual(await dangling(big, saved.replace('é', 'è')), scanned);
        assert.deepEqual(await dangling(big, saved.slice(0, -1)), scanned, 'a shorter text');
      } finally {
        fs.rmSync(big);
        await index.update([big]);
      }
    });

    it('an artifact whose text does not hash to its name, and a broken chain at its line', async () => {
      const mismatch = document(fx.mismatch.path, 'json', fs.readFileSync(fx.mismatch.path, 'utf8'));
      const [d] = await service.doValidation(mismatch);
      assert.equal(d.code, 'hash-mismatch');
      assert.equal(d.message, `Content does not match its name: it hashes to sha256:${sha256('{"tampered":true}')}, not sha256:${fx.mismatch.hex}`);
      const output = fs.readFileSync(fx.output.path, 'utf8');
      assert.deepEqual(await service.doValidation(document(fx.output.path, 'json', output)), []);
      assert.deepEqual(codes(await service.doValidation(document(fx.output.path, 'json', '{"edited":true}'))), ['hash-mismatch@0:0-0']);
      const broken = document(fx.brokenLog, 'json', fs.readFileSync(fx.brokenLog, 'utf8'));
      assert.deepEqual(codes(await service.doValidation(broken)).filter((c) => c.startsWith('broken-chain')), ['broken-chain@1:0-0']);
    });
  });

  it('links every resolvable ref to its file, never an invalid one', async () => {
    const doc = document(fx.notes, 'markdown', fx.notesText);
    const targets = (await service.findDocumentLinks(doc)).map((l) => path.relative(fx.dir, new URL(l.target!).pathname));
    const rel = (w: { path: string }) => path.relative(fx.dir, w.path);
    assert.deepEqual(targets, [rel(fx.request), rel(fx.prompt), rel(fx.request), rel(fx.output), rel(fx.hostile)]);
  });

  it('completes a ref after sha256: and 4 hex, within a namespace when one is written', async () => {
    const { doc, position } = withCursor(`x sha256:${fx.prompt.hex.slice(0, 5)}|`, scratch);
    const list = await service.doComplete(doc, position);
    const item = list?.items.find((i) => i.label === `sha256:${fx.prompt.hex}`);
    assert.ok(item, JSON.stringify(list?.items.map((i) => i.label)));
    assert.match(item.detail ?? '', /^prompt_templates/);
    assert.deepEqual(item.textEdit, { range: { start: { line: 0, character: 2 }, end: { line: 0, character: 14 } }, newText: `sha256:${fx.prompt.hex}` });
    const inNs = withCursor(`prompt_templates/sha256:${fx.prompt.hex.slice(0, 5)}|`, scratch);
    assert.deepEqual((await service.doComplete(inNs.doc, inNs.position))?.items.map((i) => i.label), [`sha256:${fx.prompt.hex}`]);
    const early = withCursor('sha256:ab|', scratch);
    assert.deepEqual(await service.doComplete(early.doc, early.position), { isIncomplete: true, items: [] });
  });

  it('finds workspace symbols by hash prefix, kind and run id', async () => {
    const names = async (q: string) => (await service.findWorkspaceSymbols(q)).map((s) => s.name);
    assert.deepEqual(await names(fx.request.hex.slice(0, 10)), [`requests/sha256:${fx.request.hex.slice(0, 16)}`]);
    assert.deepEqual(await names('responses'), [`responses/sha256:${fx.response.hex.slice(0, 16)}`]);
    assert.ok((await names('run-1')).includes('run run-1'));
  });

  it('lenses an artifact with its referrers, its producer and, for a request, Trace', async () => {
    const lenses = await service.findCodeLenses(uriOf(fx.request.path));
    assert.deepEqual(lenses.map((l) => l.command?.title), ['3 references', 'produced by provider_request_written #2', 'Trace']);
    assert.deepEqual(lenses[2].command?.arguments, [`sha256:${fx.request.hex}`]);
    assert.deepEqual(await service.findCodeLenses(uriOf(fx.notes)), []);
  });

  it('traces a request with paths: each event at its log line, each artifact at its file', async () => {
    const t = await service.trace(`sha256:${fx.request.hex}`);
    const place = (s: { path?: string; line?: number }) => [s.path, s.line];
    assert.deepEqual(
      t.steps.map((s) => [s.eventType, ...place(s)]),
      [
        ['provider_request_written', fx.auditLog, 1],
        ['run_completed', fx.brokenLog, 1],
        ['provider_response_written', fx.auditLog, 2],
        ['tool_output_written', fx.auditLog, 3],
      ],
    );
    assert.deepEqual(place(t.steps[0].children![0]), [fx.request.path, undefined]);
    assert.deepEqual(place(t.steps[2].children![0]), [fx.response.path, undefined]);
    assert.deepEqual(place(t.steps[2].children![0].children![0]), [fx.output.path, undefined]);
    // The dangling output has no file: a missing step, not a path.
    assert.deepEqual([t.steps[3].children![0].missing, t.steps[3].children![0].path], [true, undefined]);
  });
});

describe('Refscope service: runs and fingerprints (CONTRACT 1.8)', function () {
  this.timeout(60000);
  let tmp: string;
  let index: RefIndex;
  let service: RefscopeService;
  let serverd: ReturnType<typeof buildServerdWorkspace>;
  let flows: ReturnType<typeof buildAbstractWorkspace>;

  before(async () => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-runs-service-')));
    serverd = buildServerdWorkspace(tmp, 2, 2);
    flows = buildAbstractWorkspace(tmp, 2);
    ({ index, service } = await serviceOver(tmp));
  });
  after(async () => {
    await index.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The file as an open document, the cursor inside the first `needle` (past its third character). */
  const cursorIn = (file: string, needle: string) => {
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.includes(needle), `${needle} in ${file}`);
    return withCursor(text.replace(needle, `${needle.slice(0, 3)}|${needle.slice(3)}`), file, 'json');
  };
  const capsuleOf = (i: number) => path.join(tmp, 'serverd', 'runtime', 'artifacts', 'run_capsules', `${serverd.capsules[i]}.json`);

  it('a sha256 run id in a capsule hovers as its run, leads to the capsule, and is no dangling ref', async () => {
    const { doc, position } = cursorIn(capsuleOf(1), serverd.runIds[1]);
    const text = rendered(await service.doHover(doc, position));
    assert.match(text, /Run sha256:/);
    assert.match(text, /Events: 11\n/);
    assert.doesNotMatch(text, /dangling/);
    assert.equal((await service.findDefinition(doc, position))?.uri, doc.uri);
    assert.deepEqual((await service.doValidation(doc)).filter((d) => d.code === 'dangling-ref'), []);
    // Unsaved text elsewhere is scanned, not taken from the index: a pointer naming a run resolves to the run.
    const draft = document(path.join(tmp, 'draft.md'), 'markdown', `see ${serverd.runIds[1]}\nnot a run: sha256:${'e'.repeat(64)}\n`);
    assert.deepEqual((await service.doValidation(draft)).map((d) => `${d.code}@${d.range.start.line}`), ['dangling-ref@1']);
  });

  it('a state hash is a fingerprint: its hover says so and where else it appears', async () => {
    const { doc, position } = cursorIn(capsuleOf(1), serverd.stateHashes[3]);
    const text = rendered(await service.doHover(doc, position));
    assert.match(text, /— fingerprint/);
    assert.match(text, /appears in 2 places/);
  });

  it('a UUID run id (no ref at all) hovers as its run, leads to its run state, and its references list the run', async () => {
    const ledger = path.join(tmp, 'flows', `ledger_${flows.runIds[0]}.jsonl`);
    const { doc, position } = cursorIn(ledger, flows.runIds[0]);
    assert.match(rendered(await service.doHover(doc, position)), /Run [\s\S]*Status: completed/);
    assert.equal((await service.findDefinition(doc, position))?.uri, uriOf(path.join(tmp, 'flows', `run_${flows.runIds[0]}.json`)));
    const refs = (await referencesAt(service, doc, position, true, [])) ?? [];
    const files = new Set(refs.map((l) => path.basename(new URL(l.uri).pathname)));
    assert.ok(files.has(`run_${flows.runIds[0]}.json`) && files.has(`ledger_${flows.runIds[0]}.jsonl`), JSON.stringify([...files]));
  });

  it('workspace symbols find runs by id', async () => {
    const names = (await service.findWorkspaceSymbols(flows.runIds[1].slice(0, 8))).map((s) => s.name);
    assert.ok(names.includes(`run ${flows.runIds[1]}`), JSON.stringify(names));
  });
});
