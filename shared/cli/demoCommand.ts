// `refscope demo DIR [--runs N] [--force] [--json]`: writes the sample workspace and says
// what is in it and where the planted faults are.
import { DEFAULT_RUNS, DemoDirNotEmptyError, MAX_RUNS, writeDemoWorkspace, type DemoSummary } from '../demo/demoWorkspace';
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';

function parseRuns(text: string | undefined): number {
  if (text === undefined) return DEFAULT_RUNS;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || n < 1 || n > MAX_RUNS) throw new UsageError(`--runs must be a whole number from 1 to ${MAX_RUNS}, got '${text}'`);
  return n;
}

function describe(s: DemoSummary, ms: number): string {
  const kinds = Object.entries(s.artifacts.byKind)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const lines = [
    `Wrote the demo workspace to ${s.dir} in ${(ms / 1000).toFixed(1)} s`,
    `  runs: ${s.runs.agentA} agent-a, ${s.runs.agentB} agent-b, ${s.runs.serverd} serverd, ${s.runs.flow} workflow`,
    `  artifacts: ${s.artifacts.total} (${kinds}), plus ${s.sidecars} sidecar entries`,
    `  events: ${s.events.audit} audit records, ${s.events.plain} plain, ${s.events.sqlite} in SQLite; ${s.blobs} model blobs`,
    `  newest request: ${s.newestRequest}`,
    `Planted (see README.md there):`,
    ...s.faults.map((f) => `  ${f.fault ? 'fault' : 'note '} ${f.kind.padEnd(24)} ${f.file}${f.line ? `:${f.line}` : ''}${f.sequence ? ` (sequence ${f.sequence})` : ''}`),
  ];
  return lines.join('\n') + '\n';
}

export const demoCommand: Command = {
  summary: 'write a sample workspace with every format and one of each fault',
  usage: 'refscope demo DIR [--runs N] [--force] [--json]',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { runs: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'DIR is required' : `expected one DIR, got ${positionals.length}`);
    const runs = parseRuns(values.runs as string | undefined);
    const started = Date.now();
    let summary: DemoSummary;
    try {
      summary = await writeDemoWorkspace(positionals[0], { runs, force: values.force === true });
    } catch (err) {
      if (err instanceof DemoDirNotEmptyError) {
        process.stderr.write(`refscope demo: ${err.message}\n`);
        return EXIT_FAILURE;
      }
      throw err;
    }
    process.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : describe(summary, Date.now() - started));
    return EXIT_OK;
  },
};
