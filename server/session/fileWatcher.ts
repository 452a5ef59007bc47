// The server's own file watcher, for clients that send no `workspace/didChangeWatchedFiles`
// (Neovim 0.7, plain scripts). Changes are batched for a short quiet period so a burst of
// writes becomes one index update; while writes go on without a pause (an agent writing
// thousands of files a second), a batch still goes out every MAX_WAIT_MS, so the index keeps up.
import * as fs from 'node:fs';
import * as path from 'node:path';

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

const SKIPPED = new Set(['node_modules', '.git']);

/**
 * Watches folder trees with one non-recursive watch per folder (inotify on Linux). Node 20's
 * `recursive: true` on Linux walks and watches every file in JavaScript: ~9 s and ~350 MB on
 * a 130k-file workspace, so folders are listed here instead, and new folders join as they appear.
 */
export class FileWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();

  constructor(
    private readonly onPaths: (paths: string[]) => void,
    private readonly log: (message: string) => void,
  ) {}

  /** Watches the trees under `dirs`, replacing what was watched before. */
  watch(dirs: string[]): void {
    this.dispose();
    for (const dir of new Set(dirs.map((d) => path.resolve(d)))) this.watchTree(dir);
  }

  private watchTree(dir: string): void {
    const pending = [dir];
    while (pending.length) {
      const d = pending.pop()!;
      if (this.watchers.has(d)) continue;
      this.watchOne(d);
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) if (e.isDirectory() && !SKIPPED.has(e.name)) pending.push(path.join(d, e.name));
    }
  }

  private watchOne(dir: string): void {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, file) => {
        if (!file) return this.onPaths([dir]);
        const changed = path.join(dir, file.toString());
        this.onPaths([changed]);
        // A new folder (a new kind, a new runtime's logs) is watched from now on.
        if (!this.watchers.has(changed) && !SKIPPED.has(path.basename(changed)) && fs.statSync(changed, { throwIfNoEntry: false })?.isDirectory()) {
          this.watchTree(changed);
        }
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, watcher);
    } catch (err) {
      this.log(`refscope: cannot watch ${dir}: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
