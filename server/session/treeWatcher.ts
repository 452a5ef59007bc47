// Watches folder trees with one non-recursive watch per folder (inotify on Linux) and reports
// the paths that changed. Node 20's `recursive: true` on Linux walks and watches every file in
// JavaScript: ~9 s and ~350 MB on a 130k-file workspace, so folders are listed here instead,
// and new folders join as they appear.
//
// The kernel queues events until they are read; past `fs.inotify.max_queued_events` (16,384 by
// default) it drops the rest, and libuv drops the overflow notice too. So each folder's listing
// is kept (names, and the modification time of each file that is not content-addressed), and
// after a burst of events every watched folder is listed again and compared: files whose events
// were lost are reported all the same, new, deleted, or changed (a log appended to). A
// content-addressed file (`<hex>.<ext>`) is written once (CONTRACT 1.3): its name is enough.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { folderEntries } from '../../shared/fs/folderEntries';
import { ALWAYS_SKIPPED, HEX64_FILE, RACY_MS } from '../../shared/index/walkRules';
import type { ListedFolder } from '../../shared/index/api';
import { FolderNames } from './folderNames';

/** Events after which the folders are listed again (well below the kernel's default queue of 16,384). */
const BURST_EVENTS = 1000;
/** The listing waits for this long a pause in the burst... */
const RESCAN_QUIET_MS = 100;
/** ...or for this long at most, while an agent writes without pausing. */
const RESCAN_MAX_WAIT_MS = 2000;
/**
 * A folder whose modification time was at least this much older than its listing, and is the
 * same now, had no entry come or go since (see rescan): a file system's clock ticks coarsely
 * (an entry made in the tick of the listing could leave the time as it was), so a folder
 * changed this recently is listed again. The margin the index's folder stamps take.
 */
const SETTLED_MS = RACY_MS;

export class TreeWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  /** Each watched folder's entries as last listed, kept current by its events. */
  private readonly listed = new Map<string, FolderNames>();
  /** The modification time of each file that is not content-addressed, as last seen. */
  private readonly stamps = new Map<string, number>();
  /** Each watched folder's modification time as stat'ed before it was last listed, when it had settled by then (see SETTLED_MS). */
  private readonly settled = new Map<string, number>();
  /** Folders watched but not listed (see watchTree): their names are empty until listUnlisted. */
  private readonly unlisted = new Set<string>();
  /** While watch runs: the index's listed folders by path, and their subfolders among them. */
  private known = new Map<string, ListedFolder>();
  private knownChildren = new Map<string, string[]>();
  private eventsSinceListing = 0;
  private burstStart = 0;
  private rescanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly onPaths: (paths: string[]) => void,
    private readonly log: (message: string) => void,
    private readonly burstEvents = BURST_EVENTS,
  ) {}

  /**
   * Watches the trees under `dirs`, replacing what was watched before. With `changedSince` (ms
   * since the epoch), then reports the files modified since: what changed before the watches
   * were in place raised no event.
   */
  watch(dirs: string[], changedSince?: number, known: readonly ListedFolder[] = []): void {
    this.dispose();
    this.known = new Map(known.map((f) => [f.path, f]));
    this.knownChildren = new Map();
    for (const f of known) {
      const parent = path.dirname(f.path);
      const children = this.knownChildren.get(parent);
      if (children) children.push(f.path);
      else this.knownChildren.set(parent, [f.path]);
    }
    for (const dir of new Set(dirs.map((d) => path.resolve(d)))) this.watchTree(dir);
    this.known = new Map();
    this.knownChildren = new Map();
    if (changedSince !== undefined) this.reportChangedSince(changedSince);
  }

  /**
   * Lists a folder left unlisted (see watchTree) the first time its entries matter, and reports
   * the folder itself: what came or went there before this listing is the index's to find (it
   * lists the folder and compares it with what it holds there: movedFolders.ts).
   */
  private listUnlisted(dir: string, names: FolderNames): void {
    this.unlisted.delete(dir);
    if (!this.noteListing(dir)) return;
    const entries = folderEntries(dir);
    if (!entries) return;
    try {
      for (const e of entries) {
        names.add(e.name);
        const p = path.join(dir, e.name);
        if (e.isDirectory() && !ALWAYS_SKIPPED.has(e.name) && !this.watchers.has(p)) this.watchTree(p);
        else if (e.isFile() && !HEX64_FILE.test(e.name)) this.changedSince(p);
      }
    } catch {
      // gone part way: its parent's listing reports it
    }
    this.onPaths([dir]);
  }

  private reportChangedSince(since: number): void {
    const found: string[] = [];
    for (const [dir, names] of this.listed) {
      // A content-addressed file is written once (CONTRACT 1.3): one written since then changed
      // its folder then too. Only in such folders are they stat'ed: a stat of each of 141k
      // artifacts kept a server watching for itself from seeing an agent's writes for 5 s.
      const folderChanged = (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? since) >= since;
      // An unlisted folder as the index holds it has nothing that changes in place; one that moved is the index's to list.
      if (this.unlisted.has(dir)) {
        if (folderChanged) this.listUnlisted(dir, names);
        continue;
      }
      for (const name of folderChanged ? names.names() : names.others()) {
        const p = path.join(dir, name);
        // Files only: a folder's mtime moves with every entry written in it, and a new folder's
        // files are reported one by one (a folder reported would list the whole workspace again).
        const st = fs.statSync(p, { throwIfNoEntry: false });
        if (st?.isFile() && st.mtimeMs >= since) found.push(p);
      }
    }
    if (found.length) this.onPaths(found);
  }

  /**
   * Watches `dir` and the folders under it. A folder the index's listing found (see watch's
   * `known`) holding artifacts alone, whose modification time is as the index stamped it, is
   * not listed: its entries are the ones the index holds, its subfolders those the index
   * stamped, and it is listed the first time its time moves (listUnlisted). At 1M artifacts the
   * listing of every folder took the watcher 3.8-6 s, while an agent's first writes waited for it.
   */
  private watchTree(dir: string): void {
    const pending = [dir];
    while (pending.length) {
      const d = pending.pop()!;
      if (this.watchers.has(d)) continue;
      this.watchOne(d);
      const known = this.known.get(d);
      if (known?.artifactsOnly && fs.statSync(d, { throwIfNoEntry: false })?.mtimeMs === known.mtimeMs) {
        this.settled.set(d, known.mtimeMs);
        this.unlisted.add(d);
        this.listed.set(d, new FolderNames());
        for (const child of this.knownChildren.get(d) ?? []) pending.push(child);
        continue;
      }
      this.noteListing(d);
      const entries = folderEntries(d);
      if (!entries) continue;
      const names = new FolderNames();
      try {
        for (const e of entries) {
          names.add(e.name);
          if (e.isDirectory() && !ALWAYS_SKIPPED.has(e.name)) pending.push(path.join(d, e.name));
          // Written once (CONTRACT 1.3): a content-addressed file has no stamp to keep, and no path is made for it.
          else if (e.isFile() && !HEX64_FILE.test(e.name)) this.changedSince(path.join(d, e.name));
        }
      } catch {
        continue; // gone part way: its parent's listing reports it
      }
      this.listed.set(d, names);
    }
  }

  private watchOne(dir: string): void {
    try {
      const watcher = fs.watch(dir, { persistent: false }, (_event, file) => this.changed(dir, file?.toString()));
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(dir);
        this.listed.delete(dir);
      });
      this.watchers.set(dir, watcher);
    } catch (err) {
      this.log(`refscope: cannot watch ${dir}: ${(err as Error).message}`);
    }
  }

  /** Whether a file that is not content-addressed changed since last seen (and remembers it as it is now); `st` when stat'ed already. */
  private changedSince(file: string, st?: fs.Stats): boolean {
    // Written once (CONTRACT 1.3): a lost change to a content-addressed file is no change (and no stat is made for it).
    if (HEX64_FILE.test(path.basename(file))) return false;
    st ??= fs.statSync(file, { throwIfNoEntry: false });
    const before = this.stamps.get(file);
    if (st?.isFile()) this.stamps.set(file, st.mtimeMs);
    else this.stamps.delete(file);
    return before !== st?.mtimeMs;
  }

  private changed(dir: string, name: string | undefined): void {
    this.noteEvent();
    // Its names are not kept until it is listed: the event is reported, the name left for that listing.
    if (this.unlisted.has(dir)) {
      if (!name) return this.onPaths([dir]);
      const p = path.join(dir, name);
      this.onPaths([p]);
      // Written once (CONTRACT 1.3): no stat for an agent's artifact; anything else may be a new folder to watch.
      if (!HEX64_FILE.test(name) && !ALWAYS_SKIPPED.has(name) && !this.watchers.has(p) && fs.statSync(p, { throwIfNoEntry: false })?.isDirectory()) this.watchTree(p);
      return;
    }
    if (!name) return this.onPaths([dir]);
    const changed = path.join(dir, name);
    this.onPaths([changed]);
    const names = this.listed.get(dir);
    // Written once (CONTRACT 1.3): a content-addressed file's event is its arrival, kept without
    // a stat for each of an agent's thousands of writes (the rare deletion is its own event, and
    // the next listing drops the name).
    if (HEX64_FILE.test(name)) {
      names?.add(name);
      return;
    }
    const st = fs.statSync(changed, { throwIfNoEntry: false });
    this.changedSince(changed, st);
    if (st) names?.add(name);
    else names?.delete(name);
    // A new folder (a new kind, a new runtime's logs) is watched from now on.
    if (st?.isDirectory() && !this.watchers.has(changed) && !ALWAYS_SKIPPED.has(name)) this.watchTree(changed);
  }

  private noteEvent(): void {
    if (this.eventsSinceListing++ === 0) this.burstStart = Date.now();
    if (this.eventsSinceListing < this.burstEvents) return;
    clearTimeout(this.rescanTimer);
    const wait = Math.max(0, Math.min(RESCAN_QUIET_MS, this.burstStart + RESCAN_MAX_WAIT_MS - Date.now()));
    this.rescanTimer = setTimeout(() => this.rescan(), wait);
  }

  /** Notes the folder's modification time before it is listed, if it has settled (see SETTLED_MS). */
  private noteListing(dir: string): boolean {
    const mtimeMs = fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) return false;
    if (mtimeMs < Date.now() - SETTLED_MS) this.settled.set(dir, mtimeMs);
    else this.settled.delete(dir);
    return true;
  }

  /**
   * Lists again every watched folder that changed since its last listing and reports what its
   * events did not (see the top of this file). A folder whose modification time is as it was when
   * it was listed, settled (see SETTLED_MS), had no entry come or go: only its files that are not
   * content-addressed are stat'ed, for a change in place. An agent writing into one folder of a
   * 141k-file workspace had every folder listed again after each burst of events (a path made,
   * and tested, for each of the 141k files: 0.5-1 s of CPU, every 2 s of writes).
   */
  private rescan(): void {
    this.eventsSinceListing = 0;
    const found: string[] = [];
    const unchanged = new Set<string>();
    for (const [dir, names] of this.listed) {
      const settled = this.settled.get(dir);
      if (settled !== undefined && fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs === settled) {
        unchanged.add(dir);
        continue;
      }
      if (this.unlisted.has(dir)) {
        this.listUnlisted(dir, names);
        continue;
      }
      if (!this.noteListing(dir)) continue; // gone: its parent's listing reports it
      const entries = folderEntries(dir);
      if (!entries) continue; // gone: its parent's listing reports it
      names.startListing();
      try {
        for (const e of entries) {
          const isNew = !names.mark(e.name);
          // Written once (CONTRACT 1.3): a content-addressed file already listed is all there is to it.
          if (!isNew && e.isFile() && HEX64_FILE.test(e.name)) continue;
          const p = path.join(dir, e.name);
          if (e.isDirectory() && !ALWAYS_SKIPPED.has(e.name) && !this.watchers.has(p)) this.watchTree(p);
          if ((e.isFile() && this.changedSince(p)) || isNew) found.push(p);
        }
      } catch {
        continue; // gone part way: its parent's listing reports it (what this one found stays found)
      }
      for (const name of names.takeUnmarked()) {
        this.stamps.delete(path.join(dir, name));
        found.push(path.join(dir, name));
      }
    }
    // changedSince sets only the entry at hand (or deletes it), which iterating the map allows.
    for (const file of this.stamps.keys()) if (unchanged.has(path.dirname(file)) && this.changedSince(file)) found.push(file);
    if (found.length) this.onPaths(found);
  }

  dispose(): void {
    clearTimeout(this.rescanTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    this.listed.clear();
    this.stamps.clear();
    this.settled.clear();
    this.unlisted.clear();
    this.eventsSinceListing = 0;
  }
}
