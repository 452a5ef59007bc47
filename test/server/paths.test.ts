// File URIs the client sends, as paths: a plain URI is cut rather than parsed, and must give
// what parsing gives; anything else (escapes, dot segments, a host) is parsed as before.
import * as assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { uriToPath } from '../../server/paths';

function parsed(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

describe('server paths', () => {
  it('turns file URIs into the paths fileURLToPath gives, plain or not', () => {
    const uris = [
      'file:///work/ws/agent-a/runtime/artifacts/requests/00032dd78b6fb44650b841e5e4b2819b1371fb7bd4acab6e7cb0a4219669aefc.json',
      'file:///work/.bench/live/runtime/live-editor.events.jsonl',
      'file:///a/~x+y,z=w@v-1_2',
      'file:///a/..b/.c',
      'file:///a/./b',
      'file:///a/../b',
      'file:///a/.',
      'file:///a/..',
      'file:///a/b/',
      'file:////a',
      'file:///',
      'file:///a%20b/%C3%A9t%C3%A9',
      'file:///a b',
      'file:///a/b%2Fc',
      'file:///a#b',
      'file:///a?b',
      'file://host/a',
      'file:///C:/x',
    ];
    for (const uri of uris) assert.equal(uriToPath(uri), parsed(uri), uri);
    assert.equal(uriToPath('untitled:Untitled-1'), undefined);
  });
});
