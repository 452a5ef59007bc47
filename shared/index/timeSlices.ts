// Long synchronous work on the language server's thread (linking a batch of records, encoding
// the saved index) cut into slices: a caller awaits the pause between two steps, and every few
// milliseconds of work it takes a turn of the event loop, so requests are answered meanwhile.
import { setImmediate as turn } from 'node:timers/promises';

/**
 * Rows (keys, strings) a long loop handles between two of its pauses: a few hundred microseconds
 * of work, so the time is checked far less often than per row and there is no closure per row.
 */
export const ROWS_PER_PAUSE = 4096;

/**
 * Files a save encodes (a record, its keys), or a read compares with the store and makes jobs
 * of, between two of its pauses: each is the work of a few dozen rows or less, and a pause per
 * file was a promise per file (100k of them in a cold save, 2 x 109k in a cold read).
 */
export const FILES_PER_PAUSE = 64;

/** A few milliseconds: a build's slices (requests wait for the index to be ready), and the default. */
export const SLICE_MS = 4;

/**
 * The slice of work done while the index answers requests (an update, the save after it, the
 * diagnostics of the workspace): a hover that arrived mid-slice waited for the rest of it, and on
 * 2 cores beside an agent writing at full speed its wall time was about twice that CPU. The lsp
 * bench's hovers under writes, main-thread CPU p99 from send to answer, 7 alternating pairs at
 * load 8-13 (the writer's speed swung 2-15k files+events/s with the load): editor watches
 * 5.0-10.4 ms (median 7.1) against 5.8-12.3 (7.4), server watches 5.4-10.7 (7.5) against 7.3-12.5
 * (8.5), lower in 5 and 6 of the 7 pairs.
 */
export const ANSWERING_SLICE_MS = 2;

/** Whether messages were read that wait to be handled: none, unless the language server says (see waitForMessages). */
let messagesWaiting: () => boolean = () => false;

/**
 * Rounds of two turns a pause waits at most for the messages read to be handled: one is what a
 * message takes; the bound keeps a client that never stops sending from stopping the work.
 */
const MAX_WAIT_ROUNDS = 16;

/**
 * The language server's connection says when messages it read wait to be handled. It handles
 * one message per turn of the event loop, in an immediate queued behind those already queued
 * (the next slices of the paused tasks): a hover read with a batch of watched-file changes
 * ahead of it waited for a second round of every task's slices. A task that comes to a pause
 * while a message waits pauses at once, and again until no message waits.
 */
export function waitForMessages(waiting: () => boolean): void {
  messagesWaiting = waiting;
}

/**
 * A pause that resolves at once, or after two turns of the event loop once `sliceMs` of work went
 * by or a message read waits to be handled (see waitForMessages). Two, so that a request that
 * came in during the slice is answered before the next one: the connection reads it when the
 * loop next polls, and queues its handling behind the immediates already queued, the next slice
 * of every paused task among them; with one turn, a hover that came in while an update, a read
 * and a save took their slices waited for all of them twice (the lsp bench's hovers under
 * writes, as the server's CPU from send to answer: p99 17-23 ms with one turn, 14-16 ms with
 * two). The request's handling runs in the second turn.
 */
export function timeSlices(sliceMs = SLICE_MS): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (!messagesWaiting() && performance.now() - sliceStart < sliceMs) return;
    for (let round = 0; round < MAX_WAIT_ROUNDS; round++) {
      await turn();
      await turn();
      if (!messagesWaiting()) break;
    }
    sliceStart = performance.now();
  };
}

/**
 * Work written once as steps (a generator that yields where it may pause), run two ways: all at
 * once by a caller that cannot wait (a request), or with a pause at each step by one that can
 * (an update), so the thread answers requests between its steps.
 */
export type Steps<T = void> = Generator<void, T, void>;

/** Runs `steps` to the end now. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs `steps` to the end, taking `pause` at each step. */
export async function runStepsWithPause<T>(steps: Steps<T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await pause();
  }
}
