// Discovery settings for the data commands (CONTRACT 1.1, 1.8, 4): the workspace's own
// `.vscode/settings.json` (`refscope.runtimeRoots`, `refscope.stateDirs`, `refscope.exclude`,
// `files.exclude`, `refscope.pointerKeys`, `refscope.fingerprintKeys`), so `refscope verify` in CI sees the roots the editor sees, plus the flags
// `--runtime-root`, `--state-dir` and `--exclude` (each repeatable). Relative paths are
// relative to the workspace folder, as in the editor. `show` reads the preview settings
// (`refscope.maskSecrets`, `refscope.hidePreviewsAtSensitivity`) there too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import type { DiscoverySettings, WorkspaceFlags } from './openWorkspace';
import { keyLists } from '../refs/refRole';
import type { PreviewSettings } from '../preview/contentPreview';
import { parseSensitivityThreshold } from '../preview/sensitivity';
import { stringFlag, type FlagValues } from './flagValues';

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/** A setting written flat (`"refscope.runtimeRoots"`) or nested (`"refscope": {"runtimeRoots"}`). */
function setting(all: Record<string, unknown>, section: string, key: string): unknown {
  if (`${section}.${key}` in all) return all[`${section}.${key}`];
  const nested = all[section];
  return nested && typeof nested === 'object' ? (nested as Record<string, unknown>)[key] : undefined;
}

/** `files.exclude`-style `{glob: true}` objects, or plain lists. */
function globs(v: unknown): string[] {
  if (Array.isArray(v)) return strings(v);
  if (v && typeof v === 'object') return Object.entries(v as Record<string, unknown>).filter(([, on]) => on === true).map(([g]) => g);
  return [];
}

function readSettingsFile(workspace: string): Record<string, unknown> {
  const file = path.join(workspace, '.vscode', 'settings.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  // JSON with comments and trailing commas, as VS Code reads settings.json.
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text.replace(/^\ufeff/, ''), errors, { allowTrailingComma: true });
  if (errors.length === 0 && parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  process.stderr.write(`refscope: ignoring ${file}: not a JSON object\n`);
  return {};
}

/** The runtime roots, state dirs and excludes for `workspace`: its settings file, then the flags. */
export function discoverySettings(workspace: string, values: FlagValues): DiscoverySettings {
  const all = readSettingsFile(workspace);
  const flag = (name: string) => strings(values[name]);
  const paths = (list: string[]) => list.map((p) => path.resolve(workspace, p));
  const runtimeRoots = paths([...strings(setting(all, 'refscope', 'runtimeRoots')), ...flag('runtime-root')]);
  const stateDirs = paths([...strings(setting(all, 'refscope', 'stateDirs')), ...flag('state-dir')]);
  const exclude = [...globs(setting(all, 'refscope', 'exclude')), ...globs(setting(all, 'files', 'exclude')), ...flag('exclude')];
  const lists = keyLists({ pointerKeys: setting(all, 'refscope', 'pointerKeys'), fingerprintKeys: setting(all, 'refscope', 'fingerprintKeys') });
  // Empty lists are left out, as the server does, so both key one persistent index alike.
  return {
    ...(runtimeRoots.length ? { runtimeRoots } : {}),
    ...(stateDirs.length ? { stateDirs } : {}),
    ...(exclude.length ? { exclude } : {}),
    ...(lists.pointerKeys || lists.fingerprintKeys ? { keyLists: lists } : {}),
  };
}

/** How `workspace` wants content previewed: masked unless its settings say `false`, withheld from `secret` up by default. */
export function previewSettings(workspace: string): PreviewSettings {
  const all = readSettingsFile(workspace);
  return {
    maskSecrets: setting(all, 'refscope', 'maskSecrets') !== false,
    hidePreviewsAt: parseSensitivityThreshold(setting(all, 'refscope', 'hidePreviewsAtSensitivity')),
  };
}

/** What a data command passes to `openWorkspace`: --workspace, --cache, DIR and the discovery settings. */
export function workspaceFlags(values: FlagValues, dir?: string): WorkspaceFlags {
  return { workspace: stringFlag(values, 'workspace'), cache: stringFlag(values, 'cache'), dir, discovery: (workspace) => discoverySettings(workspace, values) };
}
