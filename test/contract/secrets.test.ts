// CONTRACT 3, previews: credentials masked as `[masked: <rule>]` and content withheld at or
// above `refscope.hidePreviewsAtSensitivity`, wherever content leaves the core: the hover
// (real server over stdio), `refscope/resolve`, and `refscope show --json`; verification still
// reads the real bytes. The raw values are built at run time (test/preview/credentials.ts).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import type { Hover } from 'vscode-languageserver-protocol';
import type { ResolveResult, ResolveSuccess } from '../../shared/protocol';
import { cliPath, LspTestClient, positionOf } from '../server/lspClient';
import { writeSecretsWorkspace, type Planted, type SecretsWorkspace } from '../preview/secretsWorkspace';

/** The hover's Markdown, and the text a reader sees once it is rendered. */
function hoverTexts(h: Hover | null): { markdown: string; rendered: string } {
  assert.ok(h, 'expected a hover');
  const markdown = (h.contents as { value: string }).value;
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };
  const rendered = new MarkdownIt().render(markdown).replace(/<[^>]*>/g, '').replace(/&(lt|gt|amp|quot|#39);/g, (e) => entities[e]);
  return { markdown, rendered };
}

function assertNotShown(text: string, p: Planted, where: string): void {
  assert.ok(!text.includes(p.secret), `${where}: the ${p.rule} of ${p.ref} is on display:\n${text}`);
}

function show(ws: SecretsWorkspace, ref: string, cache: string): ResolveSuccess {
  const r = spawnSync(process.execPath, [cliPath, 'show', ref, '--json', '--workspace', ws.dir, '--cache', cache], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stderr.includes('ghp_'), r.stderr);
  return JSON.parse(r.stdout) as ResolveSuccess;
}

describe('contract: previews mask credentials and withhold sensitive content', function () {
  this.timeout(120000);
  let ws: SecretsWorkspace;
  before(() => (ws = writeSecretsWorkspace()));
  after(() => fs.rmSync(ws.dir, { recursive: true, force: true }));

  async function withServer<T>(configuration: Record<string, unknown> | undefined, use: (c: LspTestClient, hover: (p: Planted) => Promise<{ markdown: string; rendered: string }>) => Promise<T>): Promise<T> {
    const client = await LspTestClient.start(ws.dir, configuration ? { configuration } : {});
    try {
      const uri = await client.open(ws.notes, undefined, 'markdown');
      const hover = async (p: Planted) => hoverTexts(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: ws.lineOf.get(p.ref)!, character: 8 } }));
      return await use(client, hover);
    } finally {
      await client.stop();
    }
  }

  it('the hover masks each kind of credential by default, names the rule, and still says verified', async () => {
    await withServer(undefined, async (_client, hover) => {
      for (const p of ws.byCredential) {
        const { markdown, rendered } = await hover(p);
        assertNotShown(markdown, p, 'hover');
        assertNotShown(rendered, p, 'rendered hover');
        assert.ok(rendered.includes(`[masked: ${p.rule}]`), `hover of the ${p.rule} artifact:\n${rendered}`);
        assert.match(rendered, /Verification: verified/);
      }
    });
  });

  it('a private key that crosses the preview cut is masked whole, not cut in two first', async () => {
    await withServer(undefined, async (_client, hover) => {
      const { rendered } = await hover(ws.crossingKey);
      assertNotShown(rendered, ws.crossingKey, 'hover');
      assert.ok(rendered.includes('[masked: private key]'), rendered);
    });
  });

  it('withholds content at or above secret by default (unknown levels count as confidential), shows labels and sensitivity, offers to open the file', async () => {
    await withServer(undefined, async (_client, hover) => {
      for (const p of ws.bySensitivity) {
        const { markdown, rendered } = await hover(p);
        assertNotShown(rendered, p, `hover (${p.sensitivity})`);
        assert.match(rendered, new RegExp(`Sensitivity: ${p.sensitivity}`));
        assert.match(rendered, /Labels: http_trace/);
        const withheld = rendered.includes(`Content withheld (sensitivity: ${p.sensitivity})`);
        assert.equal(withheld, p.sensitivity === 'secret', `${p.sensitivity}:\n${rendered}`);
        if (withheld) {
          const link = /\(command:refscope\.openArtifact\?([^)]*)\)/.exec(markdown);
          assert.ok(link, markdown);
          assert.deepEqual(JSON.parse(decodeURIComponent(link[1])), [p.ref]);
          assert.ok(!rendered.includes('tool_input'), 'no content at all');
        } else {
          assert.ok(rendered.includes(`[masked: ${p.rule}]`), rendered);
        }
      }
    });
  });

  it('refscope/resolve carries the same masked or withheld preview; a file-store sidecar labelled secret withholds its bytes', async () => {
    await withServer(undefined, async (client) => {
      for (const p of [...ws.byCredential, ...ws.bySensitivity, ws.sidecarSecret]) {
        const r = await client.request<ResolveResult>('refscope/resolve', { ref: p.ref });
        assertNotShown(JSON.stringify(r), p, 'refscope/resolve');
        const s = r as ResolveSuccess;
        if (p.sensitivity === 'secret') assert.deepEqual(s.preview, { state: 'withheld', sensitivity: 'secret' });
        else assert.ok(s.preview?.state === 'shown' && s.preview.masked.includes(p.rule), JSON.stringify(s.preview));
      }
      // The hover of the sidecar entry, cited as an object ref in JSON.
      const doc = path.join(ws.dir, 'cites.json');
      const text = JSON.stringify({ evidence: { $artifact: ws.sidecarSecret.ref.slice('artifact:'.length) } });
      const uri = await client.open(doc, text, 'json');
      const h = hoverTexts(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, ws.sidecarSecret.ref.slice(9, 20)) }));
      assertNotShown(h.rendered, ws.sidecarSecret, 'sidecar hover');
      assert.match(h.rendered, /Content withheld \(sensitivity: secret\)/);
    });
  });

  it('settings: maskSecrets false shows the raw value (the check above can fail); hidePreviewsAtSensitivity internal withholds internal and up', async () => {
    await withServer({ refscope: { maskSecrets: false, hidePreviewsAtSensitivity: 'internal' } }, async (_client, hover) => {
      const raw = await hover(ws.byCredential[0]);
      assert.ok(raw.rendered.includes(ws.byCredential[0].secret), 'masking off shows the value');
      for (const p of ws.bySensitivity) {
        const { rendered } = await hover(p);
        assert.equal(rendered.includes('Content withheld'), p.sensitivity !== 'public', `${p.sensitivity}:\n${rendered}`);
      }
    });
  });

  it('refscope show --json masks like the hover, and verify still finds every file verified', () => {
    const cache = path.join(ws.dir, '.cache-cli');
    for (const p of [...ws.byCredential, ws.crossingKey, ...ws.bySensitivity, ws.sidecarSecret]) {
      const r = show(ws, p.ref, cache);
      assertNotShown(JSON.stringify(r), p, 'show --json');
      if (p.ref.startsWith('sha256:')) assert.equal(r.verification, 'verified', p.ref);
      if (p.sensitivity === 'secret') assert.deepEqual(r.preview, { state: 'withheld', sensitivity: 'secret' });
      else assert.ok(r.preview?.state === 'shown' && r.preview.masked.includes(p.rule), `${p.ref}: ${JSON.stringify(r.preview)}`);
    }
    const verify = spawnSync(process.execPath, [cliPath, 'verify', ws.dir, '--cache', cache, '--json'], { encoding: 'utf8', timeout: 60000 });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const text = spawnSync(process.execPath, [cliPath, 'show', ws.byCredential[0].ref, '--workspace', ws.dir, '--cache', cache], { encoding: 'utf8' });
    assertNotShown(text.stdout, ws.byCredential[0], 'show (text)');
    assert.match(text.stdout, /\[masked: github token\]/);
  });

  it("refscope show reads maskSecrets and hidePreviewsAtSensitivity from the workspace's .vscode/settings.json", () => {
    fs.mkdirSync(path.join(ws.dir, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws.dir, '.vscode', 'settings.json'), '{\n  // a reviewer who needs the raw values\n  "refscope.maskSecrets": false,\n  "refscope": { "hidePreviewsAtSensitivity": "public" },\n}\n');
    try {
      const cache = path.join(ws.dir, '.cache-cli');
      const raw = show(ws, ws.byCredential[0].ref, cache);
      assert.ok(raw.preview?.state === 'shown' && raw.preview.text.includes(ws.byCredential[0].secret));
      assert.deepEqual(show(ws, ws.bySensitivity[0].ref, cache).preview, { state: 'withheld', sensitivity: 'public' });
    } finally {
      fs.rmSync(path.join(ws.dir, '.vscode'), { recursive: true, force: true });
    }
  });
});
