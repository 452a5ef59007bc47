// Hover on a ref: what it resolves to, where it came from, who points at it, and a preview.
// Everything taken from the workspace (content, paths, log fields) goes through the escaping
// helpers in markdown.ts; only our own command links are live.
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence } from '../../shared/records';
import { canonicalRef, type EventPlace, type ResolvedRun, type ResolvedTarget, type Unresolved } from '../../shared/index/resolution';
import type { ContentPreview } from '../../shared/protocol';
import { codeBlock, codeSpan, commandLink, escapeText } from './markdown';
import { forDisplay, type Displayed, type PreviewSettings } from '../../shared/preview/contentPreview';
import { targetLabels } from '../../shared/preview/labels';
import { indexRef } from './refs';

export async function hoverMarkdown(index: RefIndex, occurrence: Occurrence, previews: PreviewSettings): Promise<string> {
  if (occurrence.invalid) {
    return `**Invalid ref** ${codeSpan(occurrence.text)}\n\n${escapeText(occurrence.invalid)}. It is never resolved or opened.`;
  }
  const ref = indexRef(occurrence);
  const result = index.resolve(ref, { referrersUpTo: REFERRERS_COUNTED });
  let parts: string[];
  if (result.type === 'run') parts = runParts(result);
  else if (result.type !== 'unresolved') parts = successParts(result, await forDisplay(result, previews));
  else if (result.error === 'dangling' && occurrence.role !== undefined) parts = fingerprintParts(index, ref, occurrence.role);
  else parts = failureParts(index, ref, result);
  if (occurrence.upperCase) parts.push('_Non-canonical: the hex is written in upper case; refs are lower case._');
  return parts.join('\n\n');
}

/**
 * The hover counts referrers up to here and says "1,000+ places" beyond: counting a ref's 100k
 * referrers took 140-390 ms of a hover, and Find All References lists them all anyway.
 */
const REFERRERS_COUNTED = 1000;

/** A run id (CONTRACT 1.8): the run, not a missing artifact. Also the hover of a run id that is no ref (a UUID). */
export function runParts(r: ResolvedRun): string[] {
  const facts: string[] = [];
  const fact = (label: string, value: string | undefined) => value && facts.push(`- **${label}:** ${value}`);
  fact('Mode', r.mode ? escapeText(r.mode) : undefined);
  fact('Status', r.status ? escapeText(r.status) : undefined);
  fact('Events', String(r.events));
  fact('First event', r.firstTime ? escapeText(r.firstTime) : undefined);
  fact('Last event', r.lastTime ? escapeText(r.lastTime) : undefined);
  fact('Capsule', r.capsule ? codeSpan(r.capsule) : undefined);
  fact('Run state', r.runStatePath ? escapeText(path.basename(r.runStatePath)) : undefined);
  return [`**Run** ${codeSpan(r.runId)}`, facts.join('\n')];
}

/**
 * A fingerprint (or a run id no run has) that names nothing stored here: not a problem
 * (CONTRACT 1.8), so no warning words; where else the same value appears.
 */
function fingerprintParts(index: RefIndex, ref: string, role: 'fingerprint' | 'run'): string[] {
  const what = role === 'run' ? 'A run id no run in this workspace has: a fingerprint' : 'A fingerprint';
  const parts = [`${codeSpan(ref)} — **fingerprint**`, `${what}: it names bytes that need not be stored, and nothing in this workspace has this digest.`];
  const mentions = index.references(ref);
  const files = new Set(mentions.map((m) => m.path));
  parts.push(mentions.length > 1 ? `The same value appears in ${mentions.length} places (${files.size} file${files.size === 1 ? '' : 's'}); Find All References lists them.` : 'It appears nowhere else.');
  return parts;
}

function failureParts(index: RefIndex, ref: string, r: Unresolved): string[] {
  const parts = [`${codeSpan(r.ref || ref)} — **${escapeText(r.error)}**`];
  if (r.message) parts.push(escapeText(r.message));
  if (r.error === 'dangling') {
    parts.push('Nothing in the workspace has this digest.');
    // References of a dangling ref are the places that write it, log records last and in event order.
    const mentions = index.references(ref);
    let last = mentions.at(-1);
    for (let i = mentions.length - 1; i >= 0; i--) {
      if (LOG_FILE.test(mentions[i].path)) {
        last = mentions[i];
        break;
      }
    }
    parts.push(last ? `Mentioned in ${mentions.length} place${mentions.length === 1 ? '' : 's'}; last seen at ${place(last.path, last.line)}.` : 'Nothing else mentions it.');
  }
  if (r.error === 'ambiguous' && r.candidates?.length) {
    const shown = r.candidates.slice(0, 10).map((c) => `- ${codeSpan(c)}`);
    if (r.candidates.length > 10) shown.push(`- … ${r.candidates.length - 10} more`);
    parts.push(`Candidates:\n${shown.join('\n')}`);
  }
  return parts;
}

const LOG_FILE = /\.(jsonl|db|sqlite3?)$/;

function successParts(r: ResolvedTarget, shown: Displayed): string[] {
  const facts: string[] = [];
  const fact = (label: string, value: string | undefined) => value && facts.push(`- **${label}:** ${value}`);
  fact('Kind', escapeText(r.kind));
  const artifact = r.type === 'artifact' ? r : undefined;
  fact('Namespace', artifact?.namespace && artifact.namespace !== r.kind ? escapeText(artifact.namespace) : undefined);
  fact('Size', r.size !== undefined ? `${r.size.toLocaleString('en-US')} bytes` : undefined);
  fact('Verification', escapeText(r.verification));
  fact('Created', r.createdAt ? escapeText(r.createdAt) : undefined);
  fact('Schema', artifact?.schema ? escapeText(artifact.schema) : undefined);
  if (r.producedBy) fact('Produced by', eventPlace(r.producedBy));
  fact('Referenced by', r.referencedByAtLeast ? `${r.referencedBy.toLocaleString('en-US')}+ places` : `${r.referencedBy} place${r.referencedBy === 1 ? '' : 's'}`);
  if (r.refs.length) fact('Refers to', `${r.refs.length} ref${r.refs.length === 1 ? '' : 's'}`);
  const { labels, sensitivity } = targetLabels(r);
  fact('Labels', labels?.length ? labels.map((l) => codeSpan(l)).join(' ') : undefined);
  fact('Sensitivity', sensitivity !== undefined ? escapeText(sensitivity) : undefined);
  // Model manifests, events and sidecars put their own facts here (id, provider, URL, subject...).
  for (const f of shown.facts) {
    if (f.key === 'labels' || f.key === 'sensitivity') continue;
    // Pruned evidence: the event that deleted it reads like the one that produced it.
    if ('event' in f) fact('Pruned by', eventPlace(f.event));
    // A sidecar or manifest file: its name.
    else if ('path' in f) fact(escapeText(f.key), escapeText(path.basename(f.path)));
    else if (f.value !== undefined && f.value !== null) fact(escapeText(f.key), escapeText(detailText(f.value)));
  }

  const parts = [`${codeSpan(r.ref)}`, facts.join('\n')];
  const preview = previewMarkdown(r, shown.preview);
  if (preview) parts.push(preview);
  const links = [
    r.kind === 'requests' ? commandLink('Trace', 'refscope.traceRequest', canonicalRef(r)) : '',
    commandLink('Provenance', 'refscope.showProvenance', canonicalRef(r)),
  ].filter(Boolean);
  if (links.length) parts.push(links.join(' · '));
  return parts;
}

function detailText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

/** `type` #sequence at time (file:line) */
function eventPlace(p: EventPlace): string {
  const { eventType: type, sequence, time } = p;
  return `${codeSpan(type)}${sequence !== undefined ? ` #${sequence}` : ''}${time ? ` at ${escapeText(time)}` : ''} (${place(p.path, p.line)})`;
}

function place(file: string, line: number | undefined): string {
  return `${escapeText(path.basename(file))}${line !== undefined ? `:${line + 1}` : ''}`;
}

function previewMarkdown(r: ResolvedTarget, p: ContentPreview | undefined): string | undefined {
  switch (p?.state) {
    case undefined:
      return undefined;
    case 'binary':
      return `_Binary content${r.size !== undefined ? `, ${r.size.toLocaleString('en-US')} bytes` : ''}._`;
    case 'withheld': {
      // Opening the file is a deliberate act: our own command, never a link in artifact text.
      const open = commandLink('Open the file', 'refscope.openArtifact', canonicalRef(r));
      return `_Content withheld (sensitivity: ${escapeText(p.sensitivity)})._${open ? ` ${open}` : ''}`;
    }
    case 'shown': {
      const block = codeBlock(p.text, /^\s*[[{]/.test(p.text) ? 'json' : '');
      return p.masked.length ? `${block}\n\n_Masked: ${escapeText([...new Set(p.masked)].join(', '))}._` : block;
    }
  }
}
