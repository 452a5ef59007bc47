// The warm check (issue 9): whether the workspace is as the saved index holds it, at a cost
// proportional to its folders and to the files that change in place, not to its artifacts.
// Beside the saved index, `folders.json` keeps the stamp (inode, mtime, ctime) of every folder
// the last full listing walked, each taken before that folder was listed, what the listing
// found besides files (roots, state dirs, its problems), and the saved size and mtime of every
// file other than an artifact (logs, ledgers, run states, SQLite stores, sidecars, blobs,
// manifests, text). A warm start stats those folders and files only. When every folder is as
// stamped, no entry was added, removed or renamed anywhere the walk went, so the listing is the
// saved one; when every other file has its saved size and mtime, none of them changed (a log
// appended, truncated or rewritten changes both or its mtime). Artifact files are not stat'ed:
// CONTRACT 1.3 makes them write-once (the name is the hash of the bytes), so one rewritten in
// place keeps the name the index holds and is caught by the editor's watcher and by
// `refscope verify`, which lists, stats and re-hashes every file.
// When every folder is as stamped and only files that change in place differ (a log appended
// to, a note edited where it lies), a lazy start reads just those without a listing
// (stampedDiscovery; warmStart in workspaceIndex.ts). A few folders that moved are listed alone
// and compared with what the index holds there (movedFolders.ts); a folder stamped too close to
// its listing to be trusted (RACY_MS) is saved as moved, so the next start lists it alone too.
// Any other difference, or a missing or damaged stamps file, sends the start through a full
// listing, which writes the stamps again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileRole, Problem } from '../records';
import { writeFileAtomic } from '../fs/atomicWrite';
import { storeStampOnDisk } from '../readers/sqliteWal';
import { folderStamp, type DiscoveredFile, type Discovery, type FolderStamp } from './discovery';
import type { TableEntry } from './fileTable';
import { RACY_MS } from './walkRules';

const FILE = 'folders.json';
/** The times of a stamp not to be trusted: no folder has them, so it is always found moved. */
const UNTRUSTED = -1;
const FORMAT = 1;

interface SavedFolders {
  format: number;
  options: string;
  /** The records file of the saved index these stamps describe. */
  records: string;
  listedAt: number;
  folders: FolderStamp[];
  /** Every saved file but the artifacts, with its saved size and mtime. */
  files: TableEntry[];
  roots: string[];
  stateDirs: string[];
  problems: Problem[];
}

function fileIn(cacheDir: string): string {
  return path.join(cacheDir, FILE);
}

/** Whether the warm check stats this file (everything but write-once artifacts). */
export function changesInPlace(role: string): boolean {
  return role !== 'artifact';
}

/** Drops the stamps: called before the saved index changes, so they never describe another one. */
export function forgetFolderStamps(cacheDir: string): void {
  fs.rmSync(fileIn(cacheDir), { force: true });
}

/**
 * Writes the stamps of `d`'s listing beside the saved index `records`, which holds exactly the
 * listed files (a file added or removed since the listing changed its folder's stamp) with
 * `files` as the saved stamps of those that change in place. A folder that changed too close
 * to the listing to be trusted (an entry added later in the same tick would leave its time as
 * it was) is saved with a stamp no folder has: the next start finds it moved and lists it
 * alone, where such a folder once dropped every stamp and the next start listed the workspace
 * (at 1M files, 6.5 s and 1 GB after a note was saved just before `refscope index`).
 */
export function saveFolderStamps(cacheDir: string, optionsKey: string, records: string, d: Discovery, files: TableEntry[]): void {
  const { listedAt } = d;
  if (!d.folders || listedAt === undefined) {
    forgetFolderStamps(cacheDir);
    return;
  }
  const folders = d.folders.map((f) => (Math.min(f.mtimeMs, f.ctimeMs) >= listedAt - RACY_MS ? { ...f, mtimeMs: UNTRUSTED, ctimeMs: UNTRUSTED } : f));
  const saved: SavedFolders = { format: FORMAT, options: optionsKey, records, listedAt, folders, files, roots: d.roots, stateDirs: d.stateDirs, problems: d.problems };
  writeFileAtomic(fileIn(cacheDir), JSON.stringify(saved));
}

function loadStamps(cacheDir: string, optionsKey: string, records: string): SavedFolders | undefined {
  try {
    const saved = JSON.parse(fs.readFileSync(fileIn(cacheDir), 'utf8')) as SavedFolders;
    if (saved.format !== FORMAT || saved.options !== optionsKey || saved.records !== records || typeof saved.listedAt !== 'number') return undefined;
    if (![saved.folders, saved.files, saved.roots, saved.stateDirs, saved.problems].every(Array.isArray)) return undefined;
    return saved;
  } catch {
    return undefined; // none yet, or damaged: the start lists the workspace
  }
}

function sameStamp(a: FolderStamp, b: FolderStamp): boolean {
  return a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * The discovery of a workspace whose folders are as stamped when the saved index `records` was
 * listed, or undefined when one differs, a stamped file is gone, or more than `most` of the
 * files that change in place are not as saved (a log appended to, a note edited where it
 * lies): the listing is the saved one but for those files' sizes and mtimes, which `discovery`
 * has as they are now, and `changed` names. Its `files` are only those that change in place:
 * the artifacts are in the saved index, and the listing is not made again to name them.
 * With `movedMost`, up to that many folders may differ from their stamps: `moved` names them,
 * for the caller to list alone (movedFolders.ts); the discovery keeps their saved stamps.
 */
export function stampedDiscovery(cacheDir: string, optionsKey: string, records: string, most: number, movedMost = 0): { discovery: Discovery; changed: DiscoveredFile[]; moved: string[] } | undefined {
  const saved = loadStamps(cacheDir, optionsKey, records);
  if (!saved || saved.folders.length === 0) return undefined;
  const moved: string[] = [];
  for (const stamp of saved.folders) {
    if (sameStamp(folderStamp(stamp.path), stamp)) continue;
    if (moved.length === movedMost) return undefined;
    moved.push(stamp.path);
  }
  const files: DiscoveredFile[] = [];
  const changed: DiscoveredFile[] = [];
  for (const e of saved.files) {
    const st = fs.statSync(e.path, { throwIfNoEntry: false });
    if (!st?.isFile()) return undefined;
    const { size, mtimeMs } = e.role === 'sqlite' ? storeStampOnDisk(e.path, st) : st;
    const f: DiscoveredFile = { path: e.path, role: e.role as FileRole, root: e.root, size, mtimeMs };
    if (size !== e.size || mtimeMs !== e.mtimeMs) {
      if (changed.length === most) return undefined;
      changed.push(f);
    }
    files.push(f);
  }
  return { discovery: { files, roots: saved.roots, stateDirs: saved.stateDirs, problems: saved.problems, folders: saved.folders, listedAt: saved.listedAt }, changed, moved };
}
