// Model manifests `<state>/models/<id>.json` (CONTRACT 1.5): written by pulls, read by GC
// (whose roots they are) and by the cached check.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../fs/atomicWrite';
import { digestOfBlobName, validateModelId, validateSha256, normaliseSha256 } from './names';
import { manifestPath, type StorePaths } from './storePaths';

export interface ModelManifest {
  id: string;
  file: string;
  name?: string;
  path: string;
  url?: string;
  sha256: string;
  cas: 'sha256';
  bytes: number;
  provider: string;
  verified: boolean;
  [extra: string]: unknown;
}

/** A manifest file as GC sees it: the digests it names, and whether it may be followed. */
export interface ManifestRoots {
  file: string;
  id?: string;
  /** Every digest the manifest names (its `sha256`, and those its `file` and `path` carry). */
  digests: string[];
  /** Why the manifest is invalid (it is still a root), or undefined when it is valid. */
  invalid?: string;
  bytes?: number;
}

/** Manifest files directly in `<state>/models/` (temp files of atomic writes are dot-names ending in `.tmp`). */
export function listManifestFiles(paths: StorePaths): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(paths.modelsDir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => path.join(paths.modelsDir, n));
}

/** Where a manifest's `path`/`file` lead, and whether that is inside `by-hash/`. */
function blobLocationProblem(paths: StorePaths, m: Record<string, unknown>): string | undefined {
  if (typeof m.file !== 'string' || m.file !== path.basename(m.file) || !digestOfBlobName(m.file)) return `'file' is not a blob name inside by-hash/`;
  if (typeof m.path !== 'string') return `'path' is missing`;
  const resolved = path.isAbsolute(m.path) ? m.path : path.resolve(paths.stateDir, m.path);
  const alt = path.resolve(paths.modelsDir, m.path);
  const inside = (p: string) => path.dirname(p) === paths.byHashDir;
  if (!inside(resolved) && !inside(alt)) return `'path' points outside ${paths.byHashDir}`;
  return undefined;
}

/**
 * Read one manifest for GC. Throws when the file cannot be read or is not a JSON object: GC
 * must refuse then, since the root it cannot read may be what keeps a blob alive. A parseable
 * manifest that names no digest keeps nothing alive; it is reported as invalid.
 */
export function readManifestRoots(paths: StorePaths, file: string): ManifestRoots {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('not a JSON object');
  const m = raw as Record<string, unknown>;
  const digests = new Set<string>();
  if (typeof m.sha256 === 'string' && !validateSha256(m.sha256)) digests.add(normaliseSha256(m.sha256));
  for (const v of [m.file, m.path]) {
    if (typeof v === 'string') {
      const d = digestOfBlobName(path.basename(v));
      if (d) digests.add(d);
    }
  }
  let invalid = digests.size === 0 ? 'names no sha256 digest' : blobLocationProblem(paths, m);
  if (!invalid && (typeof m.sha256 !== 'string' || validateSha256(m.sha256))) invalid = `'sha256' is not 64 hex characters`;
  else if (!invalid && digests.size > 1) invalid = `'sha256', 'file' and 'path' name different digests`;
  return { file, id: typeof m.id === 'string' ? m.id : undefined, digests: [...digests], invalid, bytes: typeof m.bytes === 'number' ? m.bytes : undefined };
}

/** The manifest a pull leaves for `id`, or undefined when there is none or it is unreadable. */
export function readManifest(paths: StorePaths, id: string): ModelManifest | undefined {
  if (validateModelId(id)) return undefined;
  try {
    const m = JSON.parse(fs.readFileSync(manifestPath(paths, id), 'utf8')) as ModelManifest;
    return m && typeof m === 'object' && typeof m.sha256 === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifest(paths: StorePaths, manifest: ModelManifest): void {
  writeFileAtomic(manifestPath(paths, manifest.id), JSON.stringify(manifest, null, 2) + '\n');
}

/** True when the manifest already on disk says the same as `next` (so it is not rewritten). */
export function sameManifest(a: ModelManifest | undefined, b: ModelManifest): boolean {
  if (!a) return false;
  const keys: (keyof ModelManifest)[] = ['id', 'file', 'name', 'path', 'url', 'sha256', 'cas', 'bytes', 'provider', 'verified'];
  return keys.every((k) => a[k] === b[k]);
}
