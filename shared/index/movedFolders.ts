// What came and went in a few folders whose stamps moved since the saved index was listed (the
// warm check, warmCheck.ts), found by listing those folders alone and comparing them with the
// files the index holds there: an agent that wrote a few thousand artifacts into its runtime
// moved two folders' stamps, and the language server's next start listed all 1M files of the
// workspace again (~1 GB of listing) to find them.
//
// A full listing also decides which folders are runtime roots and state dirs, and each file's
// role from its folder's place among them. That is taken as saved only where a change cannot
// move it: a new file must be an artifact beside held artifacts of the same root, or a log
// directly in a known root (newFileFinder, with what would make a new root left out); a file
// gone must be an artifact, with an artifact still there. A new folder, a link, a file of
// any other kind gone or come, or a folder that cannot be listed gives undefined: the caller
// lists the workspace.
import * as path from 'node:path';
import { folderEntries } from '../fs/folderEntries';
import { ALWAYS_SKIPPED, HEX64_FILE } from './walkRules';
import { folderStamp, type DiscoveredFile, type FolderStamp } from './discovery';
import type { FileTable, TableEntry } from './fileTable';

/** What the index holds, as far as this needs it. */
export interface HeldFolders {
  /** The ids of the held files of folder `dir` (with its trailing separator). */
  idsIn(dir: string): number[];
  /** The id of the file held at `p`. */
  idOf(p: string): number | undefined;
  /** Held file `id`'s path, role and root. */
  fileOf(id: number): { path: string; role: string; root: string };
  /** Where a new file belongs when that is certain without a listing (newFileFinder). */
  newFileOf(p: string): DiscoveredFile | undefined;
  /** Whether folder `dir` was listed by the walk the index holds (its subfolders are stamped on their own). */
  knownFolder(dir: string): boolean;
  /** Whether the walk passes over `p` (the index's cache). */
  skipped(p: string): boolean;
  roots: ReadonlySet<string>;
}

export interface FolderChanges {
  added: DiscoveredFile[];
  gone: string[];
  /** The folders' stamps, each taken before it was listed. */
  stamps: FolderStamp[];
}

/** The files of folders `dirs` as a saved file table holds them, for a start that has not loaded them (a lazy one). */
export type HeldFiles = Pick<HeldFolders, 'idsIn' | 'idOf' | 'fileOf'>;

/** What saved table `table` holds in folders `dirs`: their files' ids are their places in one list. */
export function heldInTable(table: FileTable, dirs: readonly string[]): HeldFiles {
  const byDir = table.inFolders(new Set(dirs.map((d) => d + path.sep)), path.sep);
  const files: TableEntry[] = [];
  const ids = new Map<string, number[]>();
  const idByPath = new Map<string, number>();
  for (const [dir, held] of byDir) {
    ids.set(dir, held.map((f) => {
      idByPath.set(f.path, files.length);
      return files.push(f) - 1;
    }));
  }
  return { idsIn: (dir) => ids.get(dir) ?? [], idOf: (p) => idByPath.get(p), fileOf: (id) => files[id] };
}

/** Entries compared between two of the caller's pauses. */
const ENTRIES_PER_PAUSE = 256;
/** Roles that make their folder a runtime root in a listing (discovery.ts): one new elsewhere changes the roots. */
const ROOT_MAKING = /^(run_.*\.json|ledger_.*\.jsonl)$/;
/** Names a file store's sidecar or blob has: which role they take depends on where the store is. */
const STORE_FILE = /\.(meta|bin)$/;

/** The files come and gone in `dirs` against what `held` holds there; undefined when a full listing must decide. `pause`: taken between entries (the caller's time slices). */
export async function movedFolderChanges(dirs: readonly string[], held: HeldFolders, pause?: () => Promise<void>): Promise<FolderChanges | undefined> {
  const added: DiscoveredFile[] = [];
  const gone: string[] = [];
  const stamps: FolderStamp[] = [];
  for (const dir of dirs) {
    // Stat'ed before it is listed, as the walk does: an entry that comes meanwhile moves it again.
    const stamp = folderStamp(dir);
    if (stamp.ino === 0) return undefined;
    stamps.push(stamp);
    // A batch at a time: an agent's folder of 40k artifacts read whole was one call of ~40 ms on the server's thread.
    const entries = folderEntries(dir);
    if (!entries) return undefined;
    // By id: a folder of an agent's 60k artifacts made no path string or view per held file (only per file gone).
    const heldIds = held.idsIn(dir + path.sep);
    const found = new Set<number>();
    const artifactRoots = new Map<string, boolean>();
    /** Whether a held artifact of this folder has root `root` (then a new one there takes it too). */
    const hasArtifactOf = (root: string): boolean => {
      let has = artifactRoots.get(root);
      if (has === undefined) artifactRoots.set(root, (has = heldIds.some((id) => { const f = held.fileOf(id); return f.role === 'artifact' && f.root === root; })));
      return has;
    };
    let artifactsLeft = false;
    let looked = 0;
    try {
      for (const e of entries) {
        // An update's pauses between entries: a folder of 40k artifacts compared in one piece held the server's thread ~150 ms.
        if (pause && ++looked % ENTRIES_PER_PAUSE === 0) await pause();
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (ALWAYS_SKIPPED.has(e.name) || held.skipped(p) || held.knownFolder(p)) continue;
          return undefined; // a new folder: it may hold a new root, or make one
        }
        if (!e.isFile()) return undefined; // a link or a special file: a problem of the listing's
        const id = held.idOf(p);
        if (id !== undefined) {
          found.add(id);
          if (!artifactsLeft && HEX64_FILE.test(e.name) && held.fileOf(id).role === 'artifact') artifactsLeft = true;
          continue;
        }
        const f = newFileAt(p, held, hasArtifactOf);
        if (!f) return undefined;
        if (f.role === 'artifact') artifactsLeft = true;
        added.push(f);
      }
    } catch {
      return undefined; // the folder went while it was read: a listing decides
    }
    for (const id of heldIds) {
      if (found.has(id)) continue;
      const f = held.fileOf(id);
      // A log, a note or a run state gone may unmake a root; the last artifact of a folder may too.
      if (f.role !== 'artifact' || !artifactsLeft) return undefined;
      gone.push(f.path);
    }
  }
  return { added, gone, stamps };
}

/** A new file's place as a full listing would give it, when a change of roots cannot move it (see the top of this file). */
function newFileAt(p: string, held: HeldFolders, hasArtifactOf: (root: string) => boolean): DiscoveredFile | undefined {
  const name = path.basename(p);
  if (held.skipped(p) || STORE_FILE.test(name)) return undefined;
  const f = held.newFileOf(p);
  if (!f) return undefined;
  if (f.role === 'artifact') return HEX64_FILE.test(name) && hasArtifactOf(f.root) ? f : undefined;
  // A log in a root's `logs/` named as a ledger or run state makes `logs/` a root of its own.
  return held.roots.has(path.dirname(p)) || !ROOT_MAKING.test(name) ? f : undefined;
}
