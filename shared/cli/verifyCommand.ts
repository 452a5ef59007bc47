// `refscope verify [DIR]` (CONTRACT 4): every problem the index knows (hash mismatches,
// broken chains, bad BLAKE3 digests, invalid manifests, dangling and invalid refs), each with
// its file and line or sequence, after re-hashing the model blobs too (indexing skips those:
// they can be gigabytes). Exit 1 when any problem is an error.
import * as path from 'node:path';
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from '../index/cliSession';
import { sessionFlags } from './workspaceSettings';
import type { Problem } from '../model';
import { readFileRecord } from '../readers';

const SEVERITY_ORDER = { error: 0, warning: 1, information: 2 };

function place(p: Problem, workspace: string): string {
  const rel = path.relative(workspace, p.file);
  const file = rel && !rel.startsWith('..') ? rel : p.file;
  if (p.line !== undefined) return `${file}:${p.line + 1}${p.col !== undefined ? `:${p.col + 1}` : ''}`;
  if (p.sequence !== undefined) return `${file}#${p.sequence}`;
  return file;
}

export const verifyCommand: Command = {
  summary: 'verify every store and list each problem with its place',
  usage: `refscope verify [DIR] [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, dataCommandOptions);
    if (positionals.length > 1) throw new UsageError('at most one DIR');
    const session = await openWorkspace(sessionFlags(values, positionals[0]));
    try {
      const problems = session.index.problems();
      for (const b of session.index.blobs()) {
        const rec = readFileRecord(b.path, 'blob', { root: b.stateDir, maxParseBytes: 0, verifyBlobs: true });
        for (const p of rec.problems) problems.push(p);
      }
      problems.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.file.localeCompare(b.file) || (a.line ?? a.sequence ?? 0) - (b.line ?? b.sequence ?? 0));
      const errors = problems.filter((p) => p.severity === 'error').length;
      if (values.json) {
        process.stdout.write(JSON.stringify({ ok: errors === 0, errors, problems }) + '\n');
      } else {
        for (const p of problems) process.stdout.write(`${place(p, session.workspace)}: ${p.severity} ${p.code}: ${p.message}\n`);
        process.stdout.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}\n`);
      }
      return errors ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await session.index.close();
    }
  },
};
