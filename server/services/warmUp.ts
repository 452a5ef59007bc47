// What the first requests after ready would pay on first use, paid before instead: ICU's number
// formatting at start (hovers write sizes and counts the en-US way; its first use took 60-90 ms
// of the first hover), secretlint's rules as the index becomes ready (see warmUpMasking), and
// then the hover and diagnostics code itself (see warmUpHovers).
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { RefIndex } from '../../shared/index/api';
import { maskSecrets } from '../../shared/preview/secretMasker';
import { pathToUri } from '../paths';
import { createRefscopeService, type FeatureSettings } from './refscopeService';

export function warmUp(): void {
  (0).toLocaleString('en-US');
}

/**
 * Previews as the hovers mask them: a request artifact's shape, nothing that reads as a
 * credential; one in ASCII and one with characters past Latin-1 (a prompt's „quotes“ or €), since
 * V8 compiles a regex for one-byte and for two-byte strings apart: warmed with the first only,
 * the first hover of a two-byte preview after ready compiled every rule again (8-13 ms of CPU, the
 * lsp bench's 6th hover, whose sixth request quotes „…“ and 49 €).
 */
const SAMPLES = [
  '{"created_at":"2026-12-14T03:15:14.014Z","messages":[{"content":"Draft a refund decision for order 77-3120.","role":"user"}],' +
    '"model":"claude-sonnet-4-5-20250929","params":{"max_tokens":512},"run_id":"151969c6-63fa-4342-bf06-4ddf4d160f95","schema":"provider_request.v1"}',
  '{"created_at":"2026-12-14T03:15:14.014Z","messages":[{"content":"Kundin schreibt: „Bestellung 77-3120 doppelt abgebucht (2 × 49 €)“.","role":"user"}],' +
    '"model":"claude-sonnet-4-5-20250929","params":{"max_tokens":512},"run_id":"151969c6-63fa-4342-bf06-4ddf4d160f95","schema":"provider_request.v1"}',
];

/**
 * V8 runs a regex in its interpreter the first time and compiles it to machine code the next, and
 * full collections drop the code of regexes not run since (masking in a process that then made
 * ten of them took 2-5 ms a text again): the one masking at start left the compiles to the first
 * hovers after ready, where the larger rules' profiled at 5-8 ms a turn. Masked a few times as the
 * index becomes ready instead (~10 ms, once); only microtasks, so it is over before the next
 * request is read.
 */
const RUNS = 3;

export async function warmUpMasking(): Promise<void> {
  for (let i = 0; i < RUNS; i++) for (const sample of SAMPLES) await maskSecrets(sample);
}

/** Artifacts hovered by warmUpHovers; each is cited on this many lines of a document, and the document diagnosed and hovered this many times. */
const WARM_ARTIFACTS = 4;
const WARM_LINES = 25;
const WARM_DOCUMENTS = 5;
/**
 * And an unsaved JSONL log of this many lines, diagnosed this many times: the warm-up's documents
 * are short, so the scan's helpers were still interpreted or baseline code when a 10 MB log was
 * opened, and V8's optimising compiles of them ran during its diagnostics, on a core the request
 * needed (lsp bench, unsaved 10 MB log at 100k, load ~9: main thread 100-134 ms against 123-159,
 * server CPU 160-270 against 220-300; ~30 ms of CPU before ready).
 */
const LOG_LINES = 4000;
const LOG_PASSES = 3;
/** No file: nothing on disk is compared, and nothing is published for it. */
const WARM_URI = 'untitled:refscope-warm-up-';

/**
 * A document of a file that neither exists nor is indexed, so its diagnostics take the path of
 * a saved document's (the index asked whether it holds the file, what artifact lies there, its
 * problems) and stop there: an untitled one has no path, and that code ran cold in the first
 * hover after a saved document was opened (in the lsp bench, the opened document's diagnostics
 * compiled lazily inside hover #0: 10-13 ms of its CPU).
 */
function warmUpFileUri(i: number): string {
  return pathToUri(path.join(os.tmpdir(), `refscope-warm-up-${process.pid}`, `never-written-${i}.md`));
}

/**
 * Documents citing the first artifacts the index holds, diagnosed and hovered as the index
 * becomes ready. The first hovers after ready ran this code cold (the scan, resolve and
 * describe, the referrers, the preview, the markdown; and before them the diagnostics of the
 * hovered document, opened just before): in the lsp bench the first took ~30 ms of CPU and the
 * next eight 2-3 ms each, twice the steady state, and they were most of the first 500 hovers'
 * p99. All started at once, so their scans and lookups run in this turn; what follows a
 * preview's masking (a pass of secretlint) comes in later turns, and requests wait for the
 * whole of it (IndexHost.start), so it is through this service of its own, on the index as it is.
 */
export async function warmUpHovers(index: RefIndex | undefined, settings: () => FeatureSettings): Promise<void> {
  const refs = (index?.searchArtifacts('', WARM_ARTIFACTS) ?? []).map((a) => a.key).filter((key) => key.startsWith('sha256:'));
  if (!index || refs.length === 0) return;
  const service = createRefscopeService({ index: async () => index, settings });
  const lines: string[] = [];
  for (let i = 0; i < WARM_LINES; i++) for (const ref of refs) lines.push(`see ${ref}`);
  const text = lines.join('\n') + '\n';
  const uris = Array.from({ length: WARM_DOCUMENTS }, (_, i) => (i % 2 === 0 ? warmUpFileUri(i) : `${WARM_URI}${i}`));
  const docs = uris.map((uri) => TextDocument.create(uri, 'markdown', 1, text));
  await Promise.all(docs.flatMap((doc) => [service.doValidation(doc), ...refs.map((_, line) => service.doHover(doc, { line, character: 10 }))]));
  const log: string[] = [];
  for (let i = 0; i < LOG_LINES; i++) log.push(`{"seq":${i},"event_type":"warm_up","artifact_ref":"${refs[i % refs.length]}","note":"n"}`);
  const logText = log.join('\n') + '\n';
  for (let i = 0; i < LOG_PASSES; i++) await service.doValidation(TextDocument.create(`${WARM_URI}log-${i}`, 'jsonl', 1, logText));
}
