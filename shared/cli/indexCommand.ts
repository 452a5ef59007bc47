// `refscope index [DIR]` (CONTRACT 4): builds (or refreshes) the persistent index of a
// workspace and prints what `refscope/stats` answers; `--list-requests` prints the request
// artifacts newest first instead (the Trace Request quick pick, and `npm start`).
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from './openWorkspace';
import { workspaceFlags } from './workspaceSettings';
import type { StatsResult } from '../protocol';
import type { RequestRow } from '../index/answers';
import { requestsWire } from '../wire/listWire';

function statsText(s: StatsResult): string {
  const lines = [
    `${s.artifacts} artifacts, ${s.refs} refs, ${s.events} events, ${s.blobs} model blobs (${s.indexMs} ms, ${s.filesRead ?? 0} files read)`,
    `dangling refs: ${s.dangling}; problems: ${s.problems ?? 0}${s.problems ? ' (refscope verify lists them)' : ''}`,
    `runtime roots:${s.roots.length ? '' : ' none found'}`,
  ].concat(s.roots.map((r) => `  ${r}`));
  if (s.stateDirs?.length) lines.push('state dirs:', s.stateDirs.map((d) => `  ${d}`).join('\n'));
  return lines.join('\n') + '\n';
}

function requestsText(list: RequestRow[]): string {
  return list.map((r) => [r.ref, r.time ?? '-', r.runId ?? '-', r.model ?? '-'].join('  ')).join('\n') + (list.length ? '\n' : '');
}

export const indexCommand: Command = {
  summary: 'index the workspace and print its summary',
  usage: `refscope index [DIR] [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json] [--list-requests]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { ...dataCommandOptions, 'list-requests': { type: 'boolean' } });
    if (positionals.length > 1) throw new UsageError('at most one DIR');
    const opened = await openWorkspace({ ...workspaceFlags(values, positionals[0]), lazy: true });
    try {
      if (values['list-requests']) {
        const list = opened.index.requests();
        process.stdout.write(values.json ? JSON.stringify(requestsWire(list)) + '\n' : requestsText(list));
      } else {
        process.stdout.write(values.json ? JSON.stringify(opened.stats) + '\n' : statsText(opened.stats));
      }
    } finally {
      await opened.index.close();
    }
    return EXIT_OK;
  },
};
