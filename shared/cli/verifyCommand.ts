// `refscope verify [DIR]` (CONTRACT 4): every problem the index knows (hash mismatches,
// broken chains, bad BLAKE3 digests, invalid manifests, dangling and invalid refs), each with
// its file and line or sequence, after re-hashing the model blobs too (indexing skips those:
// they can be gigabytes). Exit 1 when any problem is an error. Problems are streamed out, file
// by file, never gathered into one list of the whole workspace.
import { once } from 'node:events';
import * as path from 'node:path';
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from './openWorkspace';
import { workspaceFlags } from './workspaceSettings';
import type { Problem, Severity } from '../records';
import { readFileRecord } from '../readers';

const SEVERITIES: Severity[] = ['error', 'warning', 'information'];

function place(p: Problem, workspace: string): string {
  const rel = path.relative(workspace, p.file);
  const file = rel && !rel.startsWith('..') ? rel : p.file;
  if (p.line !== undefined) return `${file}:${p.line + 1}${p.col !== undefined ? `:${p.col + 1}` : ''}`;
  if (p.sequence !== undefined) return `${file}#${p.sequence}`;
  return file;
}

/** Writes to stdout, waiting whenever the pipe is full, so a long listing is never held in memory whole. */
class Output {
  private chunk = '';

  async write(s: string): Promise<void> {
    this.chunk += s;
    if (this.chunk.length >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    const text = this.chunk;
    this.chunk = '';
    if (text && !process.stdout.write(text)) await once(process.stdout, 'drain');
  }
}

/**
 * Every problem in the order of severity, then file, then place, streamed: one pass over the
 * files per severity, each file's problems sorted on their own (a log may hold 200k of them).
 */
function* ordered(files: [string, Problem[]][]): Generator<Problem> {
  const sorted = files
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, list]) => list.slice().sort((a, b) => (a.line ?? a.sequence ?? 0) - (b.line ?? b.sequence ?? 0)));
  for (const severity of SEVERITIES) for (const list of sorted) for (const p of list) if (p.severity === severity) yield p;
}

export const verifyCommand: Command = {
  summary: 'verify every store and list each problem with its place',
  usage: `refscope verify [DIR] [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, dataCommandOptions);
    if (positionals.length > 1) throw new UsageError('at most one DIR');
    // Verification trusts nothing: an artifact rewritten in place must be read (and hashed) again.
    // Lazy: the saved records an unchanged workspace (or one a change was saved into) has are read
    // for their problems a bucket at a time (problemsAndBlobs), never loaded whole.
    const opened = await openWorkspace({ ...workspaceFlags(values, positionals[0]), statArtifacts: true, lazy: true });
    try {
      const { files, blobs } = opened.index.problemsAndBlobs();
      for (const b of blobs) {
        const rec = readFileRecord(b.path, 'blob', { root: b.stateDir, maxParseBytes: 0, verifyBlobs: true });
        if (rec.problems.length) files.push([b.path, rec.problems]);
      }
      let errors = 0;
      let total = 0;
      for (const [, list] of files) {
        total += list.length;
        for (const p of list) if (p.severity === 'error') errors++;
      }
      const out = new Output();
      if (values.json) {
        // One JSON document, as before, written a problem at a time.
        await out.write(`{"ok":${errors === 0},"errors":${errors},"problems":[`);
        let first = true;
        for (const p of ordered(files)) {
          await out.write((first ? '' : ',') + JSON.stringify(p));
          first = false;
        }
        await out.write(']}\n');
      } else {
        for (const p of ordered(files)) await out.write(`${place(p, opened.workspace)}: ${p.severity} ${p.code}: ${p.message}\n`);
        await out.write(`${total} problem${total === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}\n`);
      }
      await out.flush();
      return errors ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await opened.index.close();
    }
  },
};
