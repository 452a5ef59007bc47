// The server's own file watcher, for clients that send no `workspace/didChangeWatchedFiles`
// (Neovim 0.7, plain scripts). Changes are batched for a short quiet period so a burst of
// writes becomes one index update.
import * as fs from 'node:fs';
import * as path from 'node:path';

const QUIET_MS = 60;

export class PathBatcher {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: (paths: string[]) => void,
    private readonly quietMs = QUIET_MS,
  ) {}

  add(paths: Iterable<string>): void {
    for (const p of paths) this.pending.add(p);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const batch = [...this.pending];
      this.pending.clear();
      if (batch.length) this.flush(batch);
    }, this.quietMs);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

const SKIPPED_SEGMENTS = new Set(['node_modules', '.git']);

/** Watches folders recursively (Node 20 supports `recursive` on Linux) and reports changed paths. */
export class FileWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();

  constructor(
    private readonly onPaths: (paths: string[]) => void,
    private readonly log: (message: string) => void,
  ) {}

  /** Watches exactly `dirs` (nested ones are covered by their ancestor). */
  watch(dirs: string[]): void {
    const wanted = topmost(dirs.map((d) => path.resolve(d)));
    for (const [dir, watcher] of this.watchers) {
      if (!wanted.includes(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = fs.watch(dir, { recursive: true, persistent: false }, (_event, file) => {
          if (!file) return this.onPaths([dir]);
          const rel = file.toString();
          if (rel.split(path.sep).some((s) => SKIPPED_SEGMENTS.has(s))) return;
          this.onPaths([path.join(dir, rel)]);
        });
        watcher.on('error', (err) => this.log(`refscope: watching ${dir} failed: ${err.message}`));
        this.watchers.set(dir, watcher);
      } catch (err) {
        this.log(`refscope: cannot watch ${dir}: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

function topmost(dirs: string[]): string[] {
  const sorted = [...new Set(dirs)].sort();
  const out: string[] = [];
  for (const d of sorted) {
    if (!out.some((o) => d === o || d.startsWith(o + path.sep))) out.push(d);
  }
  return out;
}
