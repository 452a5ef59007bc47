// `refscope diff A B` (CONTRACT 2 Compare, 4): two runs or requests aligned step by step, each
// pair same, changed (with the JSON paths that differ), only in A or only in B, with both
// durations. `--json` prints what `refscope/diff` answers; a side that does not resolve exits 1.
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from './openWorkspace';
import { previewSettings, workspaceFlags } from './workspaceSettings';
import { maskDiff, sensitivityIn } from '../preview/diffPreview';
import type { DiffPair, DiffSide } from '../protocol';
import type { Comparison, TracedStep } from '../index/answers';
import { diffWire } from '../wire/traceWire';
import { formatDuration } from '../trace/duration';

const MARK: Record<DiffPair['status'], string> = { same: '=', changed: '~', onlyA: '-', onlyB: '+' };
const VALUE_WIDTH = 80;

function sideLine(name: string, s: DiffSide): string {
  const run = s.runId !== undefined && s.runId !== s.root ? ` (run ${s.runId})` : '';
  const took = s.durationMs !== undefined ? `  [${formatDuration(s.durationMs)}]` : '';
  return `${name}: ${s.root}${run}${took}${s.error ? `  ${s.error}` : ''}`;
}

function stepText(s: TracedStep | undefined): string {
  if (!s) return '';
  const art = s.children?.find((c) => c.ref !== undefined);
  return [s.sequence !== undefined ? `#${s.sequence}` : '', s.eventType ?? '', art ? `${art.kind ?? '?'} ${art.ref}` : '', s.durationMs !== undefined ? formatDuration(s.durationMs) : '']
    .filter(Boolean)
    .join(' ');
}

function valueText(v: unknown): string {
  if (v === undefined) return '(absent)';
  const t = JSON.stringify(v);
  return t.length > VALUE_WIDTH ? t.slice(0, VALUE_WIDTH - 1) + '…' : t;
}

export function diffText(d: Comparison): string {
  const lines = [sideLine('A', d.a), sideLine('B', d.b)];
  if (d.durationDeltaMs !== undefined) lines.push(`B - A: ${d.durationDeltaMs >= 0 ? '+' : ''}${formatDuration(d.durationDeltaMs)}`);
  const counts = { same: 0, changed: 0, onlyA: 0, onlyB: 0 };
  for (const p of d.pairs) {
    counts[p.status]++;
    const delta = p.durationDeltaMs !== undefined && p.durationDeltaMs !== 0 ? `  (${p.durationDeltaMs > 0 ? '+' : ''}${formatDuration(p.durationDeltaMs)})` : '';
    const right = p.status === 'same' || p.status === 'changed' ? `  |  ${stepText(p.b)}` : '';
    lines.push(`${MARK[p.status]} ${p.status.padEnd(7)} ${stepText(p.a ?? p.b)}${right}${delta}`);
    for (const c of p.changes ?? []) lines.push(`      ${c.path}: ${valueText(c.a)} -> ${valueText(c.b)}`);
  }
  lines.push(`${counts.same} same, ${counts.changed} changed, ${counts.onlyA} only in A, ${counts.onlyB} only in B`);
  return lines.join('\n') + '\n';
}

export const diffCommand: Command = {
  summary: 'compare two runs or requests step by step',
  usage: `refscope diff A B [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, dataCommandOptions);
    if (positionals.length !== 2) throw new UsageError('expected two refs or run ids: A B');
    // Lazy: on an unchanged workspace the answer loads only the saved records it needs.
    const opened = await openWorkspace({ ...workspaceFlags(values), lazy: true });
    try {
      const d = await maskDiff(opened.index.diff(positionals[0], positionals[1]), previewSettings(opened.workspace), sensitivityIn(opened.index));
      const failed = d.a.error !== undefined || d.b.error !== undefined;
      if (values.json) process.stdout.write(JSON.stringify(diffWire(d)) + '\n');
      else {
        for (const s of [d.a, d.b]) if (s.error) process.stderr.write(`${s.root}: ${s.error}\n`);
        if (!failed) process.stdout.write(diffText(d));
      }
      return failed ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await opened.index.close();
    }
  },
};
