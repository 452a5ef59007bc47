// Credentials in preview text, found by secretlint's recommended preset (GitHub, AWS, Slack,
// npm, private keys, basic-auth URLs, ...) rather than by regexes of our own, and replaced by
// `[masked: <rule>]`. Only display text goes through here: hashes and the index always see
// the real bytes.
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';
import { PREVIEW_FILE_NAME, SecretRules, type ReportedFinding } from './secretRules';

/**
 * secretlint's core marks the start and end of every rule on every call through this shared
 * profiler, which keeps each entry for good (and Node's performance timeline keeps the marks)
 * and scans all kept entries on each new one: after 1000 hovers a preview took 77 ms instead of
 * about 1. We never read the profile, so it records nothing.
 */
secretLintProfiler.mark = () => undefined;

type CoreConfig = Parameters<typeof lintSource>[0]['options']['config'];

/**
 * The recommended preset's rules, registered one by one so that its comment filter stays out:
 * that rule lets a `secretlint-disable` comment in the text switch detection off, and artifact
 * text is untrusted. (A preset's own rule list cannot disable one of its rules.)
 */
const COMMENT_FILTER = '@secretlint/secretlint-rule-filter-comments';
const CONFIG: CoreConfig = {
  rules: recommendedRules.filter((rule) => rule.meta.id !== COMMENT_FILTER).map((rule) => ({ id: rule.meta.id, rule })),
};

/** The same rules, set up once for every text (lintSource sets them all up again per call). */
const RULES = new SecretRules(CONFIG.rules);

export interface MaskedText {
  text: string;
  /** The rule of each finding masked, in words (`github token`), in text order. */
  masked: string[];
}

/** `@secretlint/secretlint-rule-github` + `GITHUB_TOKEN` -> `github token`; `slack` + `IncomingWebhook` -> `slack incoming webhook`. */
export function ruleInWords(ruleId: string, messageId: string | undefined): string {
  const rule = words(ruleId.replace(/^.*secretlint-rule-/, ''));
  if (!messageId) return rule;
  const message = words(messageId);
  // The message names the rule already (`github token`, `aws secret access key`, `private key`).
  return message.replace(/ /g, '').startsWith(rule.replace(/ /g, '')) ? message : `${rule} ${message}`;
}

function words(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[-_\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * The span to mask for a finding: its range, widened to the reported value (`data.KEY`) where
 * that starts inside the range (the AWS rule reports the start of `aws_secret_access_key = …`
 * with the length of the key alone, which would leave the key's tail on screen), without the
 * quotes some rules take in (a JSON string keeps its quotes, so the preview stays JSON).
 */
function findingSpan(text: string, range: readonly [number, number], data: object | undefined): { start: number; end: number } {
  let start = range[0];
  let end = range[1];
  for (const value of Object.values(data ?? {})) {
    if (typeof value !== 'string' || value.length < 8) continue;
    const at = text.indexOf(value, start);
    if (at !== -1 && at <= end) end = Math.max(end, at + value.length);
  }
  while (start < end && QUOTES.includes(text[start])) start++;
  while (end > start && QUOTES.includes(text[end - 1])) end--;
  return { start, end };
}

const QUOTES = `"'`;

/**
 * `text` with every finding replaced by its marker. Overlapping findings are masked as one span.
 * Texts asked for in the same turn of the event loop (a hover's preview and its facts) are
 * checked in one pass (see maskTogether).
 */
export function maskSecrets(text: string): Promise<MaskedText> {
  return new Promise((resolve, reject) => {
    if (!waiting) {
      waiting = [];
      queueMicrotask(maskWaiting);
    }
    waiting.push({ text, resolve, reject });
  });
}

interface Waiting {
  text: string;
  resolve: (masked: MaskedText) => void;
  reject: (err: unknown) => void;
}

let waiting: Waiting[] | undefined;

function maskWaiting(): void {
  const batch = waiting!;
  waiting = undefined;
  maskTogether(batch.map((w) => w.text)).then(
    (masked) => batch.forEach((w, i) => w.resolve(masked[i])),
    (err: unknown) => batch.forEach((w) => w.reject(err)),
  );
}

/**
 * Between texts checked in one pass. A line break ends every credential the rules know but a
 * private key's body, whose class has no `-` (so it cannot run into the next text's key) and
 * whose `BEGIN\s?` takes one break, not two.
 */
const SEPARATOR = '\n\n';

/**
 * Each text masked, the texts joined into one source for one pass of secretlint: every call sets
 * up all its rules again (~60 KB of garbage and ~0.2 ms a call), and a first hover asked for
 * three (its preview, its run id, its turn id); the collections that garbage cost were what the
 * slowest of the first hovers after ready waited for. A finding that crosses from one text into
 * the next has each of those texts checked alone, so the result is the same as one pass per text.
 */
async function maskTogether(texts: string[]): Promise<MaskedText[]> {
  if (texts.length === 1) return [masked(texts[0], await findingsIn(texts[0]))];
  const joined = texts.join(SEPARATOR);
  const starts: number[] = [];
  for (let i = 0, at = 0; i < texts.length; at += texts[i].length + SEPARATOR.length, i++) starts.push(at);
  const own: Finding[][] = texts.map(() => []);
  const alone = new Set<number>();
  let i = 0;
  for (const f of await findingsIn(joined)) {
    while (i + 1 < texts.length && starts[i + 1] <= f.start) i++;
    if (f.end <= starts[i] + texts[i].length) own[i].push({ start: f.start - starts[i], end: f.end - starts[i], rule: f.rule });
    else for (let j = i; j < texts.length && starts[j] < f.end; j++) alone.add(j);
  }
  return Promise.all(texts.map(async (text, k) => masked(text, alone.has(k) ? await findingsIn(text) : own[k])));
}

interface Finding {
  start: number;
  end: number;
  /** The rule in words. */
  rule: string;
}

/** What secretlint finds in `text`, in text order (the widest first among those starting together). */
async function findingsIn(text: string): Promise<Finding[]> {
  const reported = RULES.findings(text) ?? (await lintWhole(text));
  return reported
    .map((m) => ({ ...findingSpan(text, m.range, m.data), rule: ruleInWords(m.ruleId, m.messageId) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
}

/** What lintSource finds in `text` (when the rules set up once cannot say), its ranges counted in `text`. */
async function lintWhole(text: string): Promise<ReportedFinding[]> {
  const result = await lintSource({
    source: { filePath: PREVIEW_FILE_NAME, content: text, contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true },
  });
  // lintSource drops a leading byte order mark and counts its ranges after it.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return result.messages
    .filter((m) => m.type === 'message')
    .map((m) => ({ ruleId: m.ruleId, messageId: m.messageId, range: [m.range[0] + shift, m.range[1] + shift] as const, data: m.data }));
}

/** `text` with each of `findings` (in text order) replaced by its marker. */
function masked(text: string, findings: Finding[]): MaskedText {
  if (findings.length === 0) return { text, masked: [] };
  const parts: string[] = [];
  const rules: string[] = [];
  let at = 0;
  for (const f of findings) {
    if (f.end <= at) continue; // inside a span already masked
    parts.push(text.slice(at, Math.max(at, f.start)), `[masked: ${f.rule}]`);
    rules.push(f.rule);
    at = f.end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), masked: rules };
}
