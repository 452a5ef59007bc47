// The server's file watcher in a worker thread (see fileWatcher.ts): this thread does nothing but
// read the kernel's events, so their queue is drained while the server's own thread is busy (a
// burst of 20k new files otherwise overflows it). Paths go back in batches a few ms apart.
import { parentPort } from 'node:worker_threads';
import type { ListedFolder } from '../../shared/index/api';
import { TreeWatcher } from './treeWatcher';

/** What the server's thread posts here. */
export type WatchRequest = { watch: string[]; id: number; changedSince?: number; known?: ListedFolder[] } | { dispose: true };
/** What this thread posts back: changed paths, a message to log, or that the watches of a request are in place. */
export type WatchReply = { paths: string[] } | { log: string } | { watching: number };

const POST_EVERY_MS = 20;

const port = parentPort;
if (!port) throw new Error('watchWorker runs as a worker thread');
let pending = new Set<string>();
let timer: NodeJS.Timeout | undefined;
const post = (reply: WatchReply) => port.postMessage(reply);
const watcher = new TreeWatcher(
  (paths) => {
    for (const p of paths) pending.add(p);
    timer ??= setTimeout(() => {
      timer = undefined;
      const paths = [...pending];
      pending = new Set();
      post({ paths });
    }, POST_EVERY_MS);
  },
  (log) => post({ log }),
);

port.on('message', (request: WatchRequest) => {
  if ('dispose' in request) return watcher.dispose();
  watcher.watch(request.watch, request.changedSince, request.known);
  post({ watching: request.id });
});
