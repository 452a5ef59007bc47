// The server's own file watcher, for clients that send no `workspace/didChangeWatchedFiles`
// (Neovim 0.7, plain scripts). Changes are batched for a short quiet period so a burst of
// writes becomes one index update; while writes go on without a pause (an agent writing
// thousands of files a second), a batch still goes out every MAX_WAIT_MS, so the index keeps up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ListedFolder } from '../../shared/index/api';
import { TreeWatcher } from './treeWatcher';
import type { WatchReply, WatchRequest } from './watchWorker';

const QUIET_MS = 60;
const MAX_WAIT_MS = 250;

export class PathBatcher {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  /** When the oldest pending path arrived. */
  private since = 0;

  constructor(
    private readonly flush: (paths: string[]) => void,
    private readonly quietMs = QUIET_MS,
    private readonly maxWaitMs = MAX_WAIT_MS,
  ) {}

  add(paths: Iterable<string>): void {
    const now = Date.now();
    if (this.pending.size === 0) this.since = now;
    for (const p of paths) this.pending.add(p);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const batch = [...this.pending];
      this.pending.clear();
      if (batch.length) this.flush(batch);
    }, Math.max(0, Math.min(this.quietMs, this.since + this.maxWaitMs - now)));
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/**
 * Watches folder trees (treeWatcher.ts) from a worker thread (watchWorker.ts), so the kernel's
 * event queue is read while this thread answers requests or merges updates; where no worker
 * can start, in this thread.
 */
export class FileWatcher {
  private worker: Worker | undefined;
  private inThread: TreeWatcher | undefined;
  private requests = 0;
  /** Watch requests the worker has not yet said are in place. */
  private readonly watching = new Map<number, () => void>();

  constructor(
    private readonly onPaths: (paths: string[]) => void,
    private readonly log: (message: string) => void,
    private readonly workerFile = path.join(__dirname, 'watchWorker.js'),
  ) {}

  /** Starts the worker ahead of the first watch (it takes a moment), so watching begins as soon as the index is built. */
  start(): void {
    if (!this.inThread) this.worker ??= this.startWorker();
  }

  /**
   * Watches the trees under `dirs`, replacing what was watched before; resolves once the watches
   * are in place. With `changedSince`, the files modified since then are reported as changed
   * (found by the worker, off this thread): what changed before the watches raised no event.
   * `known`: the folders the index's listing found as it holds them (see TreeWatcher.watch).
   */
  watch(dirs: string[], changedSince?: number, known?: ListedFolder[]): Promise<void> {
    if (!this.inThread) {
      this.worker ??= this.startWorker();
      if (this.worker) {
        const request: WatchRequest = { watch: dirs, id: ++this.requests, changedSince, known };
        this.worker.postMessage(request);
        return new Promise((resolve) => this.watching.set(request.id, resolve));
      }
      this.inThread = new TreeWatcher(this.onPaths, this.log);
    }
    this.inThread.watch(dirs, changedSince, known);
    return Promise.resolve();
  }

  private received(reply: WatchReply): void {
    if ('paths' in reply) this.onPaths(reply.paths);
    else if ('log' in reply) this.log(reply.log);
    else {
      this.watching.get(reply.watching)?.();
      this.watching.delete(reply.watching);
    }
  }

  private startWorker(): Worker | undefined {
    if (!fs.existsSync(this.workerFile)) return undefined;
    try {
      const worker = new Worker(this.workerFile);
      worker.on('message', (reply: WatchReply) => this.received(reply));
      worker.on('error', (err) => this.log(`refscope: the file watcher stopped: ${err.message}`));
      worker.unref();
      return worker;
    } catch {
      return undefined; // out of threads or memory: watched from this thread
    }
  }

  dispose(): void {
    for (const resolve of this.watching.values()) resolve();
    this.watching.clear();
    void this.worker?.terminate();
    this.worker = undefined;
    this.inThread?.dispose();
    this.inThread = undefined;
  }
}
