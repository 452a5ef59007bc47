// Workspace discovery (CONTRACT 1.1): one walk over every workspace folder lists the tree,
// then runtime roots, file stores and state dirs are recognised from the listing and every
// file gets the role that decides which reader reads it. Symlinks are never followed: a
// linked folder can loop or lead out of the workspace, a linked file can point anywhere.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRole, Problem } from '../records';
import { compileExcludes } from './glob';
import { bytesMatchName } from '../readers/artifactReader';
import { companionOf, storeStampOnDisk } from '../readers/sqliteWal';
import { ALWAYS_SKIPPED, HEX64_FILE } from './walkRules';

export interface DiscoveredFile {
  path: string;
  role: FileRole;
  /** Runtime root, file-store base, state dir or workspace folder the file belongs to. */
  root: string;
  /** NaN (equal to nothing, so the file counts as changed) when it was not stat'ed: see `needsStat`. */
  size: number;
  /** NaN for a file to be read again whatever its stamp (markChanged). */
  mtimeMs: number;
}

/**
 * The listed artifacts whose bytes no longer hash to their name (or cannot be read), for
 * `verify`, which trusts no stamp: bytes changed in place (a disk's bit rot, a copy that kept the
 * times) leave the size and mtime as they were.
 */
export function artifactsNotMatchingNames(files: readonly DiscoveredFile[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) if (f.role === 'artifact' && !bytesMatchName(f.path)) out.add(f.path);
  return out;
}

/** Marks the files `paths` of `files` as changed: a NaN mtime compares equal to no saved one, so the index reads them again. */
export function markChanged(files: DiscoveredFile[], paths: ReadonlySet<string>): void {
  if (paths.size) for (const f of files) if (paths.has(f.path)) f.mtimeMs = NaN;
}

export interface Discovery {
  files: DiscoveredFile[];
  roots: string[];
  stateDirs: string[];
  /** Skipped symlinks and unreadable folders: information for `verify`, never fatal. */
  problems: Problem[];
  /** Every folder the walk listed (or tried to), stat'ed before its listing: what a warm start checks (warmCheck.ts). */
  folders?: FolderStamp[];
  /** Date.now() when the walk began. */
  listedAt?: number;
}

/** A folder as it was when listed: any entry added, removed or renamed in it since changes its mtime and ctime. */
export interface FolderStamp {
  path: string;
  /** 0: not a folder (or gone) when listed. */
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** `dir`'s stamp now (stat'ed without following a final symlink). */
export function folderStamp(dir: string): FolderStamp {
  const st = fs.lstatSync(dir, { throwIfNoEntry: false });
  return st?.isDirectory() ? { path: dir, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs } : { path: dir, ino: 0, mtimeMs: 0, ctimeMs: 0 };
}

export interface DiscoveryOptions {
  folders: string[];
  runtimeRoots?: string[];
  stateDirs?: string[];
  exclude?: string[];
  /** Folders never walked (the index's own cache folder, when it sits inside the workspace). */
  skipDirs?: string[];
  /**
   * Whether a file's size and mtime are wanted now (default: every file's). A file the index
   * does not hold yet is read anyway, and its reader takes both from the read's own fstat: a
   * cold index of 100k files saves 100k stat calls.
   */
  needsStat?: (path: string) => boolean;
  /**
   * Leave artifact files unstat'ed (size and mtime NaN), as `needsStat` leaves new files.
   * Artifacts are write-once (CONTRACT 1.3: the name is the hash of the bytes), so one listed
   * under a name the index holds is the file it read, and a new one is read anyway; a new or
   * vanished one shows in the listing. An artifact rewritten in place is caught by the
   * editor's watcher and by `verify`, which stats every file.
   */
  trustArtifacts?: boolean;
}

interface DirListing {
  files: string[];
  dirs: string[];
}

const SQLITE_FILE = /\.(db|sqlite|sqlite3)$/;

type Skip = (absPath: string, folder: string) => boolean;

/** What decides whether an entry of folder `dir` is skipped; undefined when none of its entries can be. */
type SkipIn = (dir: string) => Skip | undefined;

/**
 * `dir`/`name` for an entry readdir returned (no separators, never `.` or `..`): path.join
 * would normalise again what is already normal, ~3 us a file over 100k files.
 */
function joinName(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

interface Walk {
  listings: Map<string, DirListing>;
  problems: Problem[];
  stamps: FolderStamp[];
  skipIn: SkipIn;
}

function list(dir: string, walk: Walk, folder: string): void {
  const { listings, problems } = walk;
  const skip = walk.skipIn(dir);
  // Stat'ed before it is listed: an entry that changes during the listing leaves a newer mtime than this.
  walk.stamps.push(folderStamp(dir));
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    problems.push({ file: dir, severity: 'warning', code: 'unreadable', message: `folder not readable: ${(err as Error).message}` });
    return;
  }
  const listing: DirListing = { files: [], dirs: [] };
  listings.set(dir, listing);
  for (const e of entries) {
    if (ALWAYS_SKIPPED.has(e.name) && e.isDirectory()) continue;
    // The entry's path only when something asks for it: a listing of 100k files would make 100k strings to drop.
    if (skip && skip(joinName(dir, e.name), folder)) continue;
    if (e.isFile()) listing.files.push(e.name);
    else if (e.isDirectory()) listing.dirs.push(e.name);
    else if (e.isSymbolicLink()) {
      problems.push({ file: joinName(dir, e.name), severity: 'information', code: 'unsafe-path', message: 'symbolic link not followed (it could loop or lead out of the workspace)' });
    } else {
      // A FIFO would block a read forever, a device could be endless: said, never opened.
      const what = e.isFIFO() ? 'a named pipe (FIFO)' : e.isSocket() ? 'a socket' : 'a device';
      problems.push({ file: joinName(dir, e.name), severity: 'information', code: 'unreadable', message: `${what}, not a regular file: not read` });
    }
  }
  for (const d of listing.dirs) list(joinName(dir, d), walk, folder);
}

function hasMeta(l: DirListing | undefined): boolean {
  return !!l && l.files.some((f) => f.endsWith('.meta'));
}

/** An `artifacts/` folder with `<kind>/<hex64>.<ext>` files marks its parent as a runtime root too. */
function hasHexArtifacts(dir: string, listings: Map<string, DirListing>): boolean {
  const l = listings.get(dir);
  if (!l) return false;
  return l.dirs.some((d) => {
    const sub = listings.get(path.join(dir, d));
    return !!sub && (sub.files.some((f) => HEX64_FILE.test(f)) || hasHexArtifacts(path.join(dir, d), listings));
  });
}

interface Context {
  root: string;
  /** Inside a runtime root (not just a workspace folder): any `.jsonl` there is a log. */
  inRoot?: boolean;
  /** Set inside `<root>/artifacts/`: depth below it (0 = the artifacts folder itself). */
  artifactsDepth?: number;
  fileStore?: boolean;
  inLogs?: boolean;
  stateDir?: string;
  models?: 'models' | 'by-hash';
}

function roleOf(name: string, ctx: Context): FileRole | undefined {
  if (ctx.models === 'by-hash') return 'blob';
  if (ctx.models === 'models') {
    if (name.endsWith('.part.meta')) return undefined; // read with its .part
    if (name.endsWith('.part')) return 'partial';
    if (name.endsWith('.json')) return 'manifest';
  }
  if (ctx.fileStore && ctx.artifactsDepth !== undefined && ctx.artifactsDepth <= 1) {
    if (name.endsWith('.meta')) return 'sidecar';
    if (name.endsWith('.bin')) return 'fileStoreBlob';
  }
  if (ctx.artifactsDepth !== undefined && ctx.artifactsDepth >= 1 && HEX64_FILE.test(name)) return 'artifact';
  // OpenTelemetry file exporter output in a runtime root: spans are events (CONTRACT 2).
  if (ctx.inRoot && ctx.artifactsDepth === undefined && (name.endsWith('.otlp.json') || name.endsWith('.otlp.jsonl'))) return 'otlpLog';
  if (name === 'events.jsonl' || name.endsWith('.events.jsonl')) return 'eventsJsonl';
  if (name.startsWith('ledger_') && name.endsWith('.jsonl')) return 'ledger';
  if (ctx.inLogs && name.endsWith('.jsonl')) return 'auditLog';
  // The log reader tells a hash-chained log from plain events by content.
  if (ctx.inRoot && ctx.artifactsDepth === undefined && name.endsWith('.jsonl')) return 'eventsJsonl';
  if (SQLITE_FILE.test(name)) return 'sqlite';
  if (name.startsWith('run_') && name.endsWith('.json')) return 'runState';
  if (name.startsWith('snapshot_') && name.endsWith('.json')) return 'snapshotFile';
  return 'text';
}

/** Walks the workspace folders and classifies every file (sizes and mtimes from one stat each, where needed). */
export function discover(options: DiscoveryOptions): Discovery {
  const listedAt = Date.now();
  const problems: Problem[] = [];
  const listings = new Map<string, DirListing>();
  const stamps: FolderStamp[] = [];
  const folders = [...new Set(options.folders.map((f) => path.resolve(f)))];
  const extraRoots = (options.runtimeRoots ?? []).map((r) => path.resolve(r));
  const extraStates = (options.stateDirs ?? []).map((s) => path.resolve(s));
  const excluded = compileExcludes(options.exclude ?? []);
  const skipDirs = new Set((options.skipDirs ?? []).map((d) => path.resolve(d)));
  const { needsStat, trustArtifacts } = options;
  // Without patterns no entry pays for a relative path.
  const patterns = (options.exclude ?? []).some((p) => p.trim() !== '');
  const skip: Skip = (abs, folder) => skipDirs.has(abs) || (patterns && excluded(path.relative(folder, abs).split(path.sep).join('/')));
  // A folder to skip (the cache's) is an entry of its parent alone: the entries of every other
  // folder are not made into paths to be looked up (109k of them in the bench's listing).
  const skipParents = new Set(Array.from(skipDirs, (d) => path.dirname(d)));
  const skipIn: SkipIn = (dir) => (patterns || skipParents.has(dir) ? skip : undefined);
  // Configured roots outside every folder are walked too (their own folder is the base for excludes).
  const tops = [...folders];
  for (const extra of [...extraRoots, ...extraStates]) {
    if (!tops.some((t) => extra === t || extra.startsWith(t + path.sep))) tops.push(extra);
  }
  for (const top of tops) {
    if (listings.has(top)) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(top);
    } catch {
      st = undefined;
    }
    if (!st || !st.isDirectory()) {
      stamps.push({ path: top, ino: 0, mtimeMs: 0, ctimeMs: 0 });
      problems.push({ file: top, severity: 'warning', code: 'unreadable', message: 'workspace folder or configured root is not a readable folder' });
      continue;
    }
    list(top, { listings, problems, stamps, skipIn }, top);
  }

  const roots = new Set<string>(extraRoots.filter((r) => listings.has(r)));
  const fileStores = new Set<string>();
  const stateDirs = new Set<string>(extraStates.filter((s) => listings.has(s)));
  for (const [dir, l] of listings) {
    const base = path.basename(dir);
    if (base === 'runtime' && l.dirs.includes('artifacts')) roots.add(dir);
    if (base === 'artifacts' && (hasMeta(l) || (l.dirs.includes('refs') && hasMeta(listings.get(path.join(dir, 'refs')))))) {
      roots.add(path.dirname(dir));
      fileStores.add(dir);
    }
    if (l.files.some((f) => (f.startsWith('run_') && f.endsWith('.json')) || (f.startsWith('ledger_') && f.endsWith('.jsonl')))) roots.add(dir);
    if (base === 'artifacts' && !roots.has(path.dirname(dir)) && hasHexArtifacts(dir, listings)) roots.add(path.dirname(dir));
    if (base === 'state' && l.dirs.includes('models') && listings.get(path.join(dir, 'models'))?.dirs.includes('by-hash')) stateDirs.add(dir);
  }

  const files: DiscoveredFile[] = [];
  const visit = (dir: string, ctx: Context): void => {
    const l = listings.get(dir);
    if (!l) return;
    for (const name of l.files) {
      const role = roleOf(name, ctx);
      if (!role) continue;
      // A SQLite store's WAL and its index are part of the store: read with it, never alone.
      const db = companionOf(name);
      if (db !== undefined && roleOf(db, ctx) === 'sqlite' && l.files.includes(db)) continue;
      const p = joinName(dir, name);
      const root = ctx.stateDir ?? ctx.root;
      if ((trustArtifacts && role === 'artifact') || (needsStat && !needsStat(p))) {
        files.push({ path: p, role, root, size: NaN, mtimeMs: NaN });
        continue;
      }
      const st = fs.statSync(p, { throwIfNoEntry: false });
      if (!st) continue; // deleted between listing and stat
      const { size, mtimeMs } = role === 'sqlite' ? storeStampOnDisk(p, st) : st;
      files.push({ path: p, role, root, size, mtimeMs });
    }
    for (const d of l.dirs) {
      const child = joinName(dir, d);
      let next: Context;
      if (roots.has(child)) next = { root: child, inRoot: true };
      else if (stateDirs.has(child)) next = { root: child, stateDir: child };
      else {
        next = { root: ctx.root, inRoot: ctx.inRoot };
        if (ctx.stateDir && !ctx.models && ctx.stateDir === dir && d === 'models') next = { root: ctx.root, stateDir: ctx.stateDir, models: 'models' };
        else if (ctx.models === 'models' && d === 'by-hash') next = { root: ctx.root, stateDir: ctx.stateDir, models: 'by-hash' };
        else if (ctx.stateDir && !ctx.models) next.stateDir = ctx.stateDir;
        if (ctx.artifactsDepth !== undefined) {
          next.artifactsDepth = ctx.artifactsDepth + 1;
          next.fileStore = ctx.fileStore;
        } else if (dir === ctx.root && roots.has(dir) && d === 'artifacts') {
          next.artifactsDepth = 0;
          next.fileStore = fileStores.has(child);
        }
        if (ctx.inLogs || (dir === ctx.root && roots.has(dir) && d === 'logs')) next.inLogs = true;
      }
      visit(child, next);
    }
  };
  for (const top of tops) {
    if (!listings.has(top)) continue;
    const ctx: Context = roots.has(top) ? { root: top, inRoot: true } : stateDirs.has(top) ? { root: top, stateDir: top } : { root: top };
    visit(top, ctx);
  }
  // A top-level folder nested inside another was walked twice: keep each file once (one folder
  // walked, as usual, has nothing twice, and 100k paths need no Set).
  const seen = new Set<string>();
  const unique = tops.length === 1 ? files : files.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
  return { files: unique, roots: [...roots].sort(), stateDirs: [...stateDirs].sort(), problems, folders: stamps, listedAt };
}

/** The innermost runtime root `p` sits in as `<root>/artifacts/<kind>/…/<file>`, if any. */
function artifactsRootOf(p: string, roots: ReadonlySet<string>): string | undefined {
  for (let dir = path.dirname(path.dirname(p)), up = path.dirname(dir); up !== dir; dir = up, up = path.dirname(dir)) {
    if (path.basename(dir) === 'artifacts' && roots.has(up)) return up;
  }
  return undefined;
}

/** Roles a new file in a known root's folder or its `logs/` takes from its name alone. */
const ROLES_BY_NAME: ReadonlySet<FileRole> = new Set(['eventsJsonl', 'auditLog', 'ledger', 'otlpLog', 'runState', 'snapshotFile']);

/**
 * Where a file that appeared after discovery belongs, when that is certain without listing the
 * workspace again: an artifact `<root>/artifacts/<kind>/…/<hex64>[.<ext>]` under a runtime root
 * discovery found (the innermost one, as the walk assigns it), or an event log, ledger or run
 * state directly in such a root or its `logs/`. An agent writes thousands of these a second;
 * listing 100k files for each batch is what kept the server from answering. Anything else (a
 * folder, a file that may make a new root, a file store's sidecar) is left to a fresh discovery
 * (undefined). Made once for an update's paths: the roots, folders and excludes are prepared once,
 * not for each of an agent's 20k files.
 */
export function newFileFinder(d: Pick<Discovery, 'roots'>, options: Pick<DiscoveryOptions, 'folders' | 'exclude' | 'skipDirs'>): (p: string) => DiscoveredFile | undefined {
  const roots = new Set(d.roots);
  const skipped = (options.skipDirs ?? []).map((s) => path.resolve(s) + path.sep);
  const folders = options.folders.map((f) => path.resolve(f) + path.sep);
  const excluded = options.exclude?.length ? compileExcludes(options.exclude) : undefined;
  return (p) => {
    const name = path.basename(p);
    const dir = path.dirname(p);
    let found: { role: FileRole; root: string } | undefined;
    if (HEX64_FILE.test(name)) {
      const root = artifactsRootOf(p, roots);
      if (root) found = { role: 'artifact', root };
    } else {
      const root = roots.has(dir) ? dir : path.basename(dir) === 'logs' && roots.has(path.dirname(dir)) ? path.dirname(dir) : undefined;
      const role = root && roleOf(name, { root, inRoot: true, inLogs: root !== dir });
      if (root && role && ROLES_BY_NAME.has(role)) found = { role, root };
    }
    if (!found) return undefined;
    // The walk would not have gone there: an always-skipped or excluded folder, or the index's own cache.
    if (skipped.some((s) => p.startsWith(s))) return undefined;
    const folder = folders.find((f) => p.startsWith(f)) ?? found.root + path.sep;
    const rel = p.slice(folder.length).split(path.sep);
    if (rel.some((segment) => ALWAYS_SKIPPED.has(segment))) return undefined;
    if (excluded) {
      let prefix = '';
      for (const segment of rel) {
        prefix = prefix ? `${prefix}/${segment}` : segment;
        if (excluded(prefix)) return undefined;
      }
    }
    return { path: p, role: found.role, root: found.root, size: NaN, mtimeMs: NaN };
  };
}
