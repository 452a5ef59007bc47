// Where everything lives in a state dir (CONTRACT 1.5). Every path the pull and GC code
// touches is built here from validated names, so the layout is written down once.
import * as path from 'node:path';

export interface StorePaths {
  stateDir: string;
  modelsDir: string;
  byHashDir: string;
  eventsFile: string;
  metricsFile: string;
}

export function storePaths(stateDir: string): StorePaths {
  const root = path.resolve(stateDir);
  const modelsDir = path.join(root, 'models');
  return {
    stateDir: root,
    modelsDir,
    byHashDir: path.join(modelsDir, 'by-hash'),
    eventsFile: path.join(root, 'events.jsonl'),
    metricsFile: path.join(root, 'downloads.metrics.json'),
  };
}

/** `<models>/<sha256>.part`: partials are named by digest so every process pulling one digest finds the same one. */
export function partPath(paths: StorePaths, sha256: string): string {
  return path.join(paths.modelsDir, `${sha256}.part`);
}

export function partMetaPath(paths: StorePaths, sha256: string): string {
  return `${partPath(paths, sha256)}.meta`;
}

export function lockPath(paths: StorePaths, sha256: string): string {
  return path.join(paths.modelsDir, `${sha256}.lock`);
}

export function manifestPath(paths: StorePaths, id: string): string {
  return path.join(paths.modelsDir, `${id}.json`);
}

export function blobFileName(sha256: string, ext: string | undefined): string {
  return ext ? `${sha256}.${ext}` : sha256;
}

/** True when `candidate` is a file directly inside `dir` (no `..`, no sub-folder). */
export function isDirectlyInside(dir: string, candidate: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(candidate));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.includes(path.sep);
}
