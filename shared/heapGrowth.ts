// How far V8 lets the old generation grow past what the last full collection left before it
// collects again. V8 picks that factor itself, between 1.1 and 4, and picks it high when
// collections are quick, which ours are: the index lives in typed arrays outside the JS heap,
// so a full collection at 100k artifacts traces ~60 MB. The garbage a build or an agent's
// writes leave in the old generation (records, rows and strings that outlived the small young
// generation: serverEnv.ts) then grew to several times what was live before it was collected.
// Fixed at 1.25, the language server at 100k artifacts peaked at 293 MB cold and 291 MB in a
// session before and during an agent's writes, against 382, 380 and 412 MB (the bench's lsp
// session, load ~13); the CLI's cold index at 100k at 240 MB against 286 MB (3 pairs), in the
// same CPU within the noise. V8 reads the flag at every collection, so setting it when the
// process starts covers the main thread and every worker, however the process was started (an
// editor's client, another editor's `refscope lsp --stdio`, a shell).
import * as v8 from 'node:v8';

const FLAG = '--heap-growing-percent';
/** The old generation may grow by this much (percent) over its size after a full collection. */
export const HEAP_GROWING_PERCENT = 25;

/** Sets V8's heap growing factor for this process, unless its command line sets its own (the user's tuning wins). */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => a.startsWith(FLAG))) return;
  v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
}
