// The hover's escaping helpers against a real Markdown renderer, on arbitrary and hostile
// input: escaped text renders as exactly that text (no element of its own), and a code
// block renders as one block holding exactly the input.
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { codeBlock, codeSpan, commandLink, escapeText } from '../../server/services/markdown';

const md = new MarkdownIt({ html: true, linkify: true });
const decode = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** Characters Markdown and HTML give meaning to, so generated strings hit them often. */
const hostileChar = fc.constantFrom(...'<>&[]()!`*_~#|\\:"\'/ \n\tcommand:javascript:img'.split(''), 'command:', '<img src=x>', '](', '```', 'http://e.x', '&amp;', '&#x3C;');
const hostile = fc.array(fc.oneof(hostileChar, fc.string()), { maxLength: 30 }).map((parts) => parts.join(''));

describe('language server: hover escaping', () => {
  it('renders escaped text as exactly that text, with no element of its own', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const html = md.renderInline(escapeText(s, 10_000));
        assert.doesNotMatch(html, /<(?!br)/, html);
        assert.equal(decode(html), s.replace(/[\u0000-\u001f\u007f]+/g, ' '));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a code block whole whatever backticks it holds', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const html = md.render(codeBlock(s));
        const m = /^<pre><code>([\s\S]*)<\/code><\/pre>\n$/.exec(html);
        assert.ok(m, html);
        const expected = s.replace(/\u0000/g, '\uFFFD');
        assert.equal(decode(m[1]), expected.endsWith('\n') ? expected : expected + '\n');
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a code span one span', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const html = md.renderInline(codeSpan(s, 10_000));
        assert.match(html, /^<code>[\s\S]*<\/code>$/);
        assert.doesNotMatch(html.slice(6, -7), /<code>|<\/code>/);
      }),
      { numRuns: 2000 },
    );
  });

  it('builds command links only from refs it can vouch for', () => {
    const hex = 'a'.repeat(64);
    assert.match(commandLink('Trace', 'refscope.traceRequest', `sha256:${hex}`), /^\[Trace\]\(command:refscope\.traceRequest\?%5B%22sha256%3Aa{64}%22%5D\)$/);
    assert.match(commandLink('Open', 'refscope.copyRef', 'artifact:abc_DEF-1'), /^\[Open\]\(command:refscope\.copyRef\?/);
    for (const bad of [`sha256:${hex.toUpperCase()}`, `sha256:${hex})`, 'sha256:abc', 'artifact:a/../b', 'artifact:x)](command:evil', 'blake3:' + hex, `ns/sha256:${hex}`]) {
      assert.equal(commandLink('Trace', 'refscope.traceRequest', bad), '', bad);
    }
  });
});
