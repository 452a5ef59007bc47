// `refscope gc` (CONTRACT 4, 5): delete unreferenced, expired blobs from a state dir's model
// store. Roots are the manifests plus every sha256 the workspace index (`--workspace`, default
// the current folder) references outside the store itself; `--no-index` skips the index.
import { EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { booleanFlag, numberFlag, stringFlag } from './flagValues';
import { collectGarbage, GcError, indexRootsFor, type GcReport } from '../models';
import { openWorkspace } from './openWorkspace';

const usage = 'refscope gc --state DIR --ttl-days N [--quota-mb N] [--dry-run] [--explain] [--workspace DIR] [--cache DIR] [--no-index] [--json]';


async function workspaceRoots(stateDir: string, workspace: string | undefined, cache: string | undefined): Promise<Set<string>> {
  const opened = await openWorkspace({ workspace, cache });
  try {
    return indexRootsFor(opened.index, stateDir);
  } finally {
    await opened.index.close();
  }
}

function summary(r: GcReport): string {
  const lines = [
    `${r.dry_run ? 'would delete' : 'deleted'} ${r.deleted} of ${r.scanned} blobs (${r.deleted_bytes} bytes); kept ${r.kept} (${r.referenced} referenced); ttl ${r.ttl_days} days`,
  ];
  if (r.partials_deleted) lines.push(`${r.dry_run ? 'would delete' : 'deleted'} ${r.partials_deleted} stale partial downloads (${r.partials_deleted_bytes} bytes)`);
  if (r.quota_shortfall_bytes) lines.push(`still ${r.quota_shortfall_bytes} bytes over the quota of ${r.quota_mb} MB: referenced blobs alone exceed it`);
  for (const m of r.invalid_manifests) lines.push(`invalid manifest ${m.file}: ${m.reason}`);
  for (const e of r.explain ?? []) lines.push(`${e.action === 'kept' ? 'keep' : 'delete'} ${e.file} (${e.bytes} bytes): ${e.reason}`);
  return lines.join('\n') + '\n';
}

export const gcCommand: Command = {
  summary: 'garbage-collect the model store of a state dir',
  usage,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      state: { type: 'string' },
      'ttl-days': { type: 'string' },
      'quota-mb': { type: 'string' },
      'dry-run': { type: 'boolean' },
      explain: { type: 'boolean' },
      workspace: { type: 'string' },
      cache: { type: 'string' },
      'no-index': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const stateDir = stringFlag(values, 'state');
    if (!stateDir) throw new UsageError('--state is required');
    const json = booleanFlag(values, 'json');
    const ttlDays = numberFlag(values, 'ttl-days');
    if (ttlDays === undefined) throw new UsageError('--ttl-days is required');
    const quotaMb = numberFlag(values, 'quota-mb');
    try {
      const extraRoots = booleanFlag(values, 'no-index') ? undefined : await workspaceRoots(stateDir, stringFlag(values, 'workspace'), stringFlag(values, 'cache'));
      const report = await collectGarbage({ stateDir, ttlDays, quotaMb, dryRun: booleanFlag(values, 'dry-run'), explain: booleanFlag(values, 'explain'), extraRoots });
      process.stdout.write(json ? JSON.stringify(report) + '\n' : summary(report));
      return EXIT_OK;
    } catch (err) {
      if (!(err instanceof GcError)) throw err;
      if (json) process.stdout.write(JSON.stringify({ error: err.code, message: err.message, ...err.details }) + '\n');
      process.stderr.write(`refscope gc: ${err.code}: ${err.message}\n`);
      return EXIT_FAILURE;
    }
  },
};
