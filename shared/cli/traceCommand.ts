// `refscope trace REF` (CONTRACT 2, 4): what `refscope/trace` answers: the event that wrote a
// request and what followed in its run, or every event of a run, as a tree with timing; or the
// trace exported as OTLP/JSON or Perfetto JSON. A ref that does not resolve exits 1.
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from './openWorkspace';
import { workspaceFlags } from './workspaceSettings';
import type { TraceResult, TraceStep } from '../protocol';
import { formatDuration } from '../trace/duration';
import { traceToOtlp } from '../trace/otlp';
import { traceToPerfetto } from '../trace/perfetto';
import { traceWire } from '../wire/traceWire';

const FORMATS = ['text', 'json', 'otlp', 'perfetto'];
const TRACE_OPTIONS = { ...dataCommandOptions, format: { type: 'string' as const } };

function stepLine(s: TraceStep): string {
  const parts: string[] = [];
  if (s.sequence !== undefined) parts.push(`#${s.sequence}`);
  if (s.eventType) parts.push(s.eventType);
  if (s.ref) parts.push(s.kind ? `${s.kind} ${s.ref}` : s.ref);
  if (s.time) parts.push(s.time);
  if (s.deltaMs !== undefined) parts.push(`(+${s.deltaMs} ms)`);
  if (s.durationMs !== undefined) parts.push(`[${formatDuration(s.durationMs)}]`);
  if (s.critical) parts.push('[critical]');
  if (s.missing) parts.push('[missing]');
  if (s.verification === 'pruned') parts.push('[pruned]');
  return parts.join('  ');
}

function traceText(t: TraceResult): string {
  const lines = [t.durationMs !== undefined ? `trace of ${t.root}  ${t.start} .. ${t.end}  [${formatDuration(t.durationMs)}]` : `trace of ${t.root}`];
  if (t.runId !== undefined) lines.push(`  run ${t.runId}`);
  const walk = (steps: TraceStep[], indent: string) => {
    for (const s of steps) {
      lines.push(indent + stepLine(s));
      if (s.children) walk(s.children, indent + '    ');
    }
  };
  walk(t.steps, '  ');
  return lines.join('\n') + '\n';
}

export const traceCommand: Command = {
  summary: 'trace a request through its run: response, outputs, tool calls',
  usage: `refscope trace REF|RUN_ID [--format text|json|otlp|perfetto] [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, TRACE_OPTIONS);
    if (positionals.length !== 1) throw new UsageError('expected exactly one REF');
    const format = values.json ? 'json' : String(values.format ?? 'text');
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    // Lazy: on an unchanged workspace the answer loads only the saved records it needs.
    const opened = await openWorkspace({ ...workspaceFlags(values), lazy: true });
    try {
      // What `refscope/trace` answers, file URIs and all: the exports name a step by its URI too.
      const t = traceWire(opened.index.trace(positionals[0]));
      if (format === 'json') process.stdout.write(JSON.stringify(t) + '\n');
      else if (t.error) process.stderr.write(`${t.root}: ${t.error}\n`);
      else if (format === 'otlp') process.stdout.write(JSON.stringify(traceToOtlp(t)) + '\n');
      else if (format === 'perfetto') process.stdout.write(JSON.stringify(traceToPerfetto(t)) + '\n');
      else process.stdout.write(traceText(t));
      return t.error ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await opened.index.close();
    }
  },
};
