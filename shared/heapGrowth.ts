// V8's heap as a refscope process tunes it (the one place that sets V8's flags at run time):
// how far the old generation may grow, and a collection on demand.
//
// How far V8 lets the old generation grow past what the last full collection left before it
// collects again. V8 picks that factor itself, between 1.1 and 4, and picks it high when
// collections are quick, which ours are: the index lives in typed arrays outside the JS heap,
// so a full collection at 100k artifacts traces ~60 MB. The garbage a build or an agent's
// writes leave in the old generation (records, rows and strings that outlived the small young
// generation: serverEnv.ts) then grew to several times what was live before it was collected.
// Fixed at 1.25, the language server at 100k artifacts peaked at 293 MB cold and 291 MB in a
// session before and during an agent's writes, against 382, 380 and 412 MB (the bench's lsp
// session, load ~13); the CLI's cold index at 100k at 240 MB against 286 MB (3 pairs), in the
// same CPU within the noise; the server's warm start at 1M at 893-909 MB against 937-1,051 MB.
// V8 reads the flag at every collection, so setting it when the process starts covers the main
// thread and every worker, however the process was started (an editor's client, another
// editor's `refscope lsp --stdio`, a shell).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { SEMI_SPACE_FLAG, SEMI_SPACE_MB } from './serverEnv';

const FLAG = '--heap-growing-percent';
/** The old generation may grow by this much (percent) over its size after a full collection. */
export const HEAP_GROWING_PERCENT = 25;
/** V8's own choice of the factor (the flag's default). */
const V8_OWN = 0;

/** Whether this process's factor is ours to set: limitHeapGrowth() set it (and the command line did not). */
let limited = false;

/** Sets V8's heap growing factor for this process, unless its command line sets its own (the user's tuning wins). */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => a.startsWith(FLAG))) return;
  v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  limited = true;
}

/**
 * Gives the factor back to V8 until the returned function is called, for work that keeps a large
 * heap of live objects: every full collection traces all of it, and collected that often it costs
 * more than the garbage it frees. A cold build at 1M artifacts holds its listing (~335 MB of
 * objects) while it reads: at 1.25 it took 8-15% more CPU (124-126 s against 135-143 s) for a
 * peak 12-30 MB lower. Nothing to give back in a process that did not limit its growth.
 */
export function relaxHeapGrowth(): () => void {
  if (!limited) return () => undefined;
  v8.setFlagsFromString(`${FLAG}=${V8_OWN}`);
  return () => v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
}

/**
 * A full collection now, where the caller knows it just left tens of MB of garbage that V8 would
 * leave resident: V8 schedules collections by the heap's growth and counts array buffers in it
 * only by the same factor (see limitHeapGrowth), so a column's old copy or a log's packed rows
 * waited for the next collection whatever their size.
 */
export function collectGarbage(): void {
  collector()();
}

/**
 * A young-generation collection now (~1 ms): for memory that just became garbage in large
 * pieces (a 10 MB message's chunks once copied, its body once decoded), which V8 frees only at
 * its next scavenge: that comes after a few MB more of allocation, or for array buffers after
 * 16 MB and more of them, however long the server then waits with nothing to do.
 */
export function collectYoungGarbage(): void {
  collector()({ type: 'minor' });
}

/**
 * Memory outside the heap (array buffers: the columns, rows posted by a worker) grown by this
 * many bytes since the last collection here makes collectGrownBuffers collect.
 */
const BUFFER_GROWTH = 24 * 1024 * 1024;
/** The external memory the last collection here left (undefined: none yet), lowered whenever less is seen (V8 collected by itself). */
let buffersAfterCollect: number | undefined;

/**
 * A full collection when the memory outside the heap grew by BUFFER_GROWTH since the last one
 * here: for a ready language server taking an agent's writes, where the columns grown for the
 * new rows leave their old copies and the rows a worker posted are garbage once appended. V8
 * frees those only at a full collection, which it starts once external memory grew 64 MB past
 * the last one. The lsp bench's writes at 100k (load 7-14, 7 runs against 6 of main between
 * them): peak after the editor-watch writes 233-252 MB (mean 243) against 243-257 (252),
 * server-watch 266-281 (274) against 265-292 (281); the main thread's CPU p99 per hover under
 * the writes 5.0-10.1 / 7.5-15.2 ms against 5.4-9.4 / 7.6-16.9 ms (means 7.6 / 10.2 against
 * 6.9 / 9.9: each collection is a pause of its own). Cheap to call often (~3 us when it does not collect).
 */
export function collectGrownBuffers(): void {
  const now = v8.getHeapStatistics().external_memory;
  if (buffersAfterCollect === undefined || now < buffersAfterCollect) buffersAfterCollect = now;
  else if (now - buffersAfterCollect >= BUFFER_GROWTH) {
    collectGarbage();
    buffersAfterCollect = v8.getHeapStatistics().external_memory;
  }
}

/**
 * A worker thread's semi-space (half of its young generation) at most this many MB in the
 * language server. Its workers hold little that lives long: the read worker kept for an agent's
 * writes and the file watcher's worker took 8 MB of young generation each (two semi-spaces of
 * SEMI_SPACE_MB, grown full by the first burst of writes) for 1-3 MB in use, live beside each
 * other and the server's thread while it takes the writes, where its peak is.
 */
const WORKER_SEMI_SPACE_MB = 1;

/**
 * Makes the worker threads this process starts from now on take WORKER_SEMI_SPACE_MB semi-spaces
 * (the language server's; its own thread keeps what it started with): V8 reads the flag when a
 * thread's heap is made, and it wins over a worker's resourceLimits. Left alone when the
 * process's semi-space is the user's tuning (a value on the command line, or in NODE_OPTIONS
 * other than serverEnv's).
 */
export function smallWorkerYoungGenerations(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): void {
  if (execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG))) return;
  const own = new RegExp(`${SEMI_SPACE_FLAG}[= ](\\d+)`).exec(nodeOptions);
  if (own && Number(own[1]) !== SEMI_SPACE_MB) return;
  v8.setFlagsFromString(`${SEMI_SPACE_FLAG}=${WORKER_SEMI_SPACE_MB}`);
}

type Collect = (options?: { type: 'major' | 'minor' }) => void;
let exposed: Collect | undefined;

/** Node gives the collector's entry point only to a context made after `--expose-gc` is set; this one is made for it alone, the first time. */
function collector(): Collect {
  if (!exposed) {
    v8.setFlagsFromString('--expose-gc');
    exposed = vm.runInNewContext('gc') as Collect;
  }
  return exposed;
}
