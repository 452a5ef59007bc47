import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { artifactFile, markdownOf, openAt, refscope, waitFor } from './helpers';

// The demo's incident note cites a provider request by its full sha256 ref.
const REQUEST_IN_NOTE = /request (sha256:([0-9a-f]{64}))/;

describe('hover and definition in a real editor', () => {
  before(async () => {
    await refscope();
  });

  it('hovering a ref in a Markdown note shows its kind and verification, as inert Markdown', async () => {
    const { doc, pos, match } = await openAt('notes/incident.md', REQUEST_IN_NOTE);
    const truth = await artifactFile(match[2]);
    const hovers = await waitFor('a hover on the ref', async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
      return h.length ? h : undefined;
    });
    const md = markdownOf(hovers);
    const text = md.map((m) => m.value).join('\n');
    assert.ok(text.includes(truth.kind), `hover names the kind ${truth.kind}: ${text.slice(0, 300)}`);
    assert.ok(text.includes(truth.verified ? 'verified' : 'mismatch'), 'hover shows the verification state');
    for (const m of md) {
      assert.notEqual(m.isTrusted, true, 'hover Markdown is never fully trusted');
      assert.ok(!m.supportHtml, 'hover Markdown never renders HTML');
    }
  });

  it('go to definition on the ref lands in the artifact file', async () => {
    const { doc, pos, match } = await openAt('notes/incident.md', REQUEST_IN_NOTE);
    const truth = await artifactFile(match[2]);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, pos);
    const targets = defs.map((d) => ('targetUri' in d ? d.targetUri : d.uri).toString());
    assert.deepEqual(targets, [truth.uri.toString()]);
  });

  it('Open Artifact by Ref opens the file a ref names', async () => {
    const { match } = await openAt('notes/incident.md', REQUEST_IN_NOTE);
    const truth = await artifactFile(match[2]);
    const opened = await vscode.commands.executeCommand<vscode.Uri>('refscope.openArtifact', match[1]);
    assert.equal(opened?.toString(), truth.uri.toString());
    await waitFor('the artifact in the active editor', () => vscode.window.activeTextEditor?.document.uri.toString() === truth.uri.toString());
  });
});
