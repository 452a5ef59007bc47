// `refscope show REF` (CONTRACT 4): what `refscope/resolve` answers for REF, plus the preview of
// its content as the hover shows it (masked, or withheld by sensitivity: CONTRACT 3); a ref
// that is invalid, dangling or ambiguous is a failure (exit 1), its answer still printed.
import { dataCommandOptions, DISCOVERY_USAGE, EXIT_FAILURE, EXIT_OK, parseCommandArgs, UsageError, type Command } from './args';
import { openWorkspace } from './openWorkspace';
import { previewSettings, workspaceFlags } from './workspaceSettings';
import { isResolveFailure, isResolveRun, type ContentPreview, type ResolveResult, type ResolveRun } from '../protocol';
import { resolveForDisplay } from '../wire/resolveWire';

function pathOf(uri: string): string {
  return decodeURIComponent(new URL(uri).pathname);
}

/** A run id's answer (CONTRACT 1.8): the run, its capsule, run state, events and their times. */
function runText(r: ResolveRun): string {
  const lines = [`${r.ref}`, `  kind: run`, `  run id: ${r.runId}`];
  if (r.mode) lines.push(`  mode: ${r.mode}`);
  if (r.status) lines.push(`  status: ${r.status}`);
  if (r.capsule) lines.push(`  capsule: ${r.capsule}${r.capsuleUri ? ` (${pathOf(r.capsuleUri)})` : ''}`);
  if (r.runStateUri) lines.push(`  run state: ${pathOf(r.runStateUri)}`);
  lines.push(`  events: ${r.events}`);
  if (r.firstTime) lines.push(`  first event: ${r.firstTime}`);
  if (r.lastTime) lines.push(`  last event: ${r.lastTime}`);
  return lines.join('\n') + '\n';
}

function resolvedText(r: ResolveResult): string {
  if (isResolveFailure(r)) {
    const lines = [`${r.ref}: ${r.error}${r.message ? ` (${r.message})` : ''}`];
    if (r.candidates?.length) lines.push('candidates:', r.candidates.map((c) => `  ${c}`).join('\n'));
    return lines.join('\n') + '\n';
  }
  if (isResolveRun(r)) return runText(r);
  const lines = [`${r.ref}`, `  kind: ${r.kind}${r.namespace && r.namespace !== r.kind ? ` (namespace ${r.namespace})` : ''}`, `  digest: ${r.digest}`];
  if (r.uri) lines.push(`  file: ${pathOf(r.uri)}`);
  if (r.size !== undefined) lines.push(`  size: ${r.size} bytes`);
  lines.push(`  verification: ${r.verification}`);
  if (r.createdAt) lines.push(`  created: ${r.createdAt}`);
  if (r.schema) lines.push(`  schema: ${r.schema}`);
  if (r.producedBy) {
    const p = r.producedBy;
    lines.push(`  produced by: ${p.eventType}${p.sequence !== undefined ? ` #${p.sequence}` : ''}${p.time ? ` at ${p.time}` : ''} (${pathOf(p.uri)}:${p.line + 1})`);
  }
  lines.push(`  referenced by: ${r.referencedBy} place${r.referencedBy === 1 ? '' : 's'}`);
  if (r.refs.length) lines.push(`  refers to:`, r.refs.map((x) => `    ${x}`).join('\n'));
  if (r.details) for (const [k, v] of Object.entries(r.details)) if (v !== undefined) lines.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return lines.join('\n') + '\n' + (r.preview ? previewText(r.preview) : '');
}

function previewText(p: ContentPreview): string {
  switch (p.state) {
    case 'binary':
      return '  preview: binary content\n';
    case 'withheld':
      return `  preview: content withheld (sensitivity: ${p.sensitivity})\n`;
    case 'shown': {
      const masked = p.masked.length ? `  masked: ${[...new Set(p.masked)].join(', ')}\n` : '';
      return `  preview:\n${p.text.replace(/^/gm, '    ')}\n${masked}`;
    }
  }
}

export const showCommand: Command = {
  summary: 'resolve a ref: what it is, who wrote it, who points at it',
  usage: `refscope show REF [--workspace DIR] [--cache DIR] ${DISCOVERY_USAGE} [--json]`,
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, dataCommandOptions);
    if (positionals.length !== 1) throw new UsageError('expected exactly one REF');
    // Lazy: on an unchanged workspace the answer loads only the saved records it needs.
    const opened = await openWorkspace({ ...workspaceFlags(values), lazy: true });
    try {
      const r = await resolveForDisplay(opened.index, positionals[0], previewSettings(opened.workspace));
      if (values.json) process.stdout.write(JSON.stringify(r) + '\n');
      else (isResolveFailure(r) ? process.stderr : process.stdout).write(resolvedText(r));
      return isResolveFailure(r) ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await opened.index.close();
    }
  },
};
