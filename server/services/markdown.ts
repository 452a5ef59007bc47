// Markdown for hovers. Artifact content, log fields and paths are untrusted: they are
// escaped so that no link, image, HTML or `command:` URI they contain is ever live, and
// previews sit in a fenced block whose fence is longer than any backtick run inside.
// The only live links are the server's own, built from validated hex.

const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/** Untrusted text as inert Markdown inline text: every ASCII punctuation escaped, line breaks flattened. */
export function escapeText(text: string, maxChars = 400): string {
  let s = text.length > maxChars ? text.slice(0, maxChars) + '…' : text;
  s = s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return s.replace(/[!-/:-@[-`{-~]/g, (c) => ENTITIES[c] ?? '\\' + c);
}

/** Untrusted text as an inline code span (backtick fence longer than any run inside). */
export function codeSpan(text: string, maxChars = 200): string {
  let s = text.length > maxChars ? text.slice(0, maxChars) + '…' : text;
  s = s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  if (s === '') return '` `'; // an empty pair of backticks is not a code span
  const fence = '`'.repeat(longestRun(s, '`') + 1);
  const pad = s.startsWith('`') || s.endsWith('`') || s.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Untrusted text as a fenced code block; `language` is ours (never from the artifact). */
export function codeBlock(text: string, language = ''): string {
  const body = text.replace(/\u0000/g, '\uFFFD');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${language}\n${body}${body.endsWith('\n') ? '' : '\n'}${fence}`;
}

function longestRun(s: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === ch) best = Math.max(best, ++run);
    else run = 0;
  }
  return best;
}

const HEX64 = /^[0-9a-f]{64}$/;
const ARTIFACT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Commands a hover may link to: the extension's own, whose ids are fixed here. */
export const HOVER_COMMANDS = ['refscope.traceRequest', 'refscope.showProvenance', 'refscope.copyRef', 'refscope.openArtifact'] as const;
export type HoverCommand = (typeof HOVER_COMMANDS)[number];

/**
 * A trusted command link taking one ref argument, or '' when the ref is not one we can
 * vouch for: only `sha256:<64 lower hex>` and `artifact:<id>` pass.
 */
export function commandLink(title: string, command: HoverCommand, ref: string): string {
  const ok = ref.startsWith('sha256:') ? HEX64.test(ref.slice(7)) : ref.startsWith('artifact:') && ARTIFACT_ID.test(ref.slice(9));
  if (!ok) return '';
  return `[${escapeText(title)}](command:${command}?${encodeURIComponent(JSON.stringify([ref]))})`;
}
