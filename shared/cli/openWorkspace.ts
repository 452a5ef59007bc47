// What every data command (index, show, trace, verify) does first (CONTRACT 4): find the
// workspace (`--workspace`, a positional DIR, else the current folder) and its cache folder
// (`--cache`, else one folder per workspace under $XDG_CACHE_HOME/refscope or
// ~/.cache/refscope), then build the index, reusing the persistent one, progress on stderr.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from './args';
import { runInMallocChild, wantsMallocChild } from './mallocChild';
import type { StatsResult } from '../protocol';
import type { IndexOptions, RefIndex } from '../index/api';
import { defaultCacheDir } from '../index/cacheDir';
import { createIndex } from '../index/workspaceIndex';

export interface WorkspaceFlags {
  workspace?: string;
  cache?: string;
  /** A positional DIR naming the workspace (index, verify). */
  dir?: string;
  /** Leave the saved records on disk while no query needs them (`index` prints stats; `show`, `trace` load what they use; `verify` reads them a bucket at a time). */
  lazy?: boolean;
  /** Stat every artifact file on a warm start instead of trusting write-once names (`verify`). */
  statArtifacts?: boolean;
  /** Runtime roots, state dirs and excludes for the resolved workspace (its settings file and flags). */
  discovery?: (workspace: string) => DiscoverySettings;
}

export type DiscoverySettings = Pick<IndexOptions, 'runtimeRoots' | 'stateDirs' | 'exclude' | 'keyLists'>;

export interface OpenedWorkspace {
  index: RefIndex;
  workspace: string;
  stats: StatsResult;
}

/** Opens and builds the index of the workspace the flags name; a missing folder is a usage error. */
export async function openWorkspace(flags: WorkspaceFlags): Promise<OpenedWorkspace> {
  if (flags.dir !== undefined && flags.workspace !== undefined && path.resolve(flags.dir) !== path.resolve(flags.workspace)) {
    throw new UsageError('give the workspace either as DIR or as --workspace, not both');
  }
  const workspace = path.resolve(flags.dir ?? flags.workspace ?? process.cwd());
  if (!fs.statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`workspace ${workspace} is not a folder`);
  const cacheDir = path.resolve(flags.cache ?? defaultCacheDir(workspace));
  // A cold build runs in a child with the malloc setting; this returns only if none could start.
  if (wantsMallocChild(cacheDir)) await runInMallocChild();
  let lastReport = 0;
  const index = createIndex({
    folders: [workspace],
    ...flags.discovery?.(workspace),
    cacheDir,
    lazy: flags.lazy,
    statArtifacts: flags.statArtifacts,
    onProgress: (done, total, message) => {
      if (total === 0) {
        process.stderr.write(`refscope: ${message}\n`);
        return;
      }
      const now = Date.now();
      if (process.stderr.isTTY && (now - lastReport > 250 || done === total)) {
        lastReport = now;
        process.stderr.write(`\rrefscope: indexing ${done}/${total}${done === total ? '\n' : ''}`);
      }
    },
  });
  const stats = await index.build();
  return { index, workspace, stats };
}
