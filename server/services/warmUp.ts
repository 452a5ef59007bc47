// What the first requests after ready would pay on first use, paid before instead: ICU's number
// formatting at start (hovers write sizes and counts the en-US way; its first use took 60-90 ms
// of the first hover), and secretlint's rules as the index becomes ready (see warmUpMasking).
import { maskSecrets } from '../../shared/preview/secretMasker';

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
