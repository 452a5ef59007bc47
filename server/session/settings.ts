// Server settings (`refscope.*`), from `initializationOptions` and `workspace/configuration`.
// Both are client input: every field is checked before use, anything malformed is ignored.
import * as path from 'node:path';
import { defaultCacheDir as cliDefaultCacheDir } from '../../shared/index/cacheDir';
import type { NetworkSettings } from '../../shared/models/httpClient';
import { parseSensitivityThreshold, type SensitivityLevel } from '../../shared/preview/sensitivity';
import { keyLists, type KeyLists } from '../../shared/refs/refRole';

export interface ServerSettings {
  runtimeRoots: string[];
  stateDirs: string[];
  exclude: string[];
  maxParseMB?: number;
  cacheDir?: string;
  /** `refscope.codeLens.enabled`: lenses on artifact files (default on). */
  codeLens: boolean;
  /** The editor's `http.proxy`, `http.proxyStrictSSL` and `http.noProxy`, for pulls. */
  network: NetworkSettings;
  /** `refscope.maskSecrets`: credentials in previews masked (default on). */
  maskSecrets: boolean;
  /** `refscope.hidePreviewsAtSensitivity`: previews withheld at or above this level (default `secret`). */
  hidePreviewsAt: SensitivityLevel;
  /** `refscope.pointerKeys` / `refscope.fingerprintKeys` (CONTRACT 1.8). */
  keyLists: KeyLists;
  /** `refscope.maxProblemsPerFile` (CONTRACT 3); unset: the default. */
  maxProblemsPerFile?: number;
}

/** A positive whole number of problems, else undefined (client input). */
export function problemCap(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

/** `files.exclude`-style objects (`{"**\/x": true}`) or plain lists of globs. */
function globList(value: unknown): string[] {
  if (Array.isArray(value)) return stringList(value);
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, on]) => on === true)
      .map(([glob]) => glob);
  }
  return [];
}

/** VS Code's `http` section (`proxy`, `proxyStrictSSL`, `noProxy`); anything else is ignored. */
function parseNetwork(raw: unknown): NetworkSettings {
  const http = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const network: NetworkSettings = {};
  if (typeof http.proxy === 'string' && http.proxy.trim()) network.proxy = http.proxy.trim();
  if (typeof http.proxyStrictSSL === 'boolean') network.proxyStrictSSL = http.proxyStrictSSL;
  const noProxy = stringList(http.noProxy);
  if (noProxy.length) network.noProxy = noProxy;
  return network;
}

/**
 * Reads `refscope.*` settings, given either as `{refscope: {...}}` or as the section itself;
 * the editor's `http` section comes as its own argument (`workspace/configuration`) or as
 * `http` beside them (initializationOptions).
 */
export function parseSettings(raw: unknown, filesExclude?: unknown, http?: unknown): ServerSettings {
  let section = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const network = parseNetwork(http ?? section.http);
  if (section.refscope && typeof section.refscope === 'object') section = section.refscope as Record<string, unknown>;
  const settings: ServerSettings = {
    runtimeRoots: stringList(section.runtimeRoots),
    stateDirs: stringList(section.stateDirs),
    // The extension sends `files.exclude` along as `filesExclude`; `workspace/configuration` answers it as its own section.
    exclude: [...globList(section.exclude), ...globList(section.filesExclude), ...globList(filesExclude)],
    codeLens: section.codeLens !== false && (section.codeLens as Record<string, unknown> | undefined)?.enabled !== false,
    network,
    // Only an explicit `false` turns masking off: a missing or malformed value keeps it on.
    maskSecrets: section.maskSecrets !== false,
    hidePreviewsAt: parseSensitivityThreshold(section.hidePreviewsAtSensitivity),
    keyLists: keyLists(section),
  };
  const cap = problemCap(section.maxProblemsPerFile);
  if (cap !== undefined) settings.maxProblemsPerFile = cap;
  const maxParseMB = section.maxParseMB;
  if (typeof maxParseMB === 'number' && Number.isFinite(maxParseMB) && maxParseMB > 0) settings.maxParseMB = maxParseMB;
  if (typeof section.cacheDir === 'string' && path.isAbsolute(section.cacheDir)) settings.cacheDir = section.cacheDir;
  return settings;
}

/** Later settings win field by field where they say something. */
export function mergeSettings(base: ServerSettings, over: ServerSettings): ServerSettings {
  return {
    runtimeRoots: over.runtimeRoots.length ? over.runtimeRoots : base.runtimeRoots,
    stateDirs: over.stateDirs.length ? over.stateDirs : base.stateDirs,
    exclude: over.exclude.length ? over.exclude : base.exclude,
    maxParseMB: over.maxParseMB ?? base.maxParseMB,
    cacheDir: over.cacheDir ?? base.cacheDir,
    codeLens: over.codeLens,
    network: Object.keys(over.network).length ? over.network : base.network,
    maskSecrets: over.maskSecrets,
    hidePreviewsAt: over.hidePreviewsAt,
    keyLists: over.keyLists.pointerKeys || over.keyLists.fingerprintKeys ? over.keyLists : base.keyLists,
    maxProblemsPerFile: over.maxProblemsPerFile ?? base.maxProblemsPerFile,
  };
}

/**
 * The CLI's cache folder for a single-folder workspace (so the server and `refscope index`
 * share one persistent index); a multi-root workspace gets one named after all its folders.
 */
export function defaultCacheDir(folders: string[]): string {
  const resolved = folders.map((f) => path.resolve(f)).sort();
  return cliDefaultCacheDir(resolved.length === 1 ? resolved[0] : resolved.join(path.delimiter));
}
