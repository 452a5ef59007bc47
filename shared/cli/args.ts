// Argument parsing shared by every subcommand, so flags, usage errors and exit codes
// behave the same everywhere (CONTRACT 4: 0 ok, 1 failure, 2 usage error).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every data command takes (the discovery ones add to the workspace's settings, see workspaceSettings.ts). */
export const dataCommandOptions: Options = {
  workspace: { type: 'string' },
  cache: { type: 'string' },
  json: { type: 'boolean' },
  'runtime-root': { type: 'string', multiple: true },
  'state-dir': { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
};

/** How the discovery flags read in a command's usage line. */
export const DISCOVERY_USAGE = '[--runtime-root DIR]... [--state-dir DIR]... [--exclude GLOB]...';

export function parseCommandArgs(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A CLI command: returns its exit code; writes its result to stdout and everything else to stderr. */
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
