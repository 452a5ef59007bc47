// Hover on a ref: what it resolves to, where it came from, who points at it, and a preview.
// Everything taken from the workspace (content, paths, log fields) goes through the escaping
// helpers in markdown.ts; only our own command links are live.
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import type { Occurrence } from '../../shared/model';
import { isResolveFailure, type ResolveFailure, type ResolveSuccess } from '../../shared/protocol';
import { uriToPath } from '../paths';
import { codeBlock, codeSpan, commandLink, escapeText } from './markdown';
import { looksBinary, previewOf, readHead } from './preview';
import { indexRef } from './refs';

export function hoverMarkdown(index: RefIndex, occurrence: Occurrence): string {
  if (occurrence.invalid) {
    return `**Invalid ref** ${codeSpan(occurrence.text)}\n\n${escapeText(occurrence.invalid)}. It is never resolved or opened.`;
  }
  const ref = indexRef(occurrence);
  const result = index.resolve(ref);
  const parts = isResolveFailure(result) ? failureParts(index, ref, result) : successParts(index, result);
  if (occurrence.upperCase) parts.push('_Non-canonical: the hex is written in upper case; refs are lower case._');
  return parts.join('\n\n');
}

function failureParts(index: RefIndex, ref: string, r: ResolveFailure): string[] {
  const parts = [`${codeSpan(r.ref || ref)} — **${escapeText(r.error)}**`];
  if (r.message) parts.push(escapeText(r.message));
  if (r.error === 'dangling') {
    parts.push('Nothing in the workspace has this digest.');
    const events = index.eventsReferencing(ref);
    const last = events[events.length - 1];
    if (last) parts.push(`Last mentioned by ${eventLine(last.eventType, last.sequence, last.time)} in ${place(last.file, last.line)}.`);
    else {
      const where = index.references(ref);
      const lastRef = where[where.length - 1];
      parts.push(lastRef ? `Last mentioned in ${place(lastRef.path, lastRef.line)}.` : 'No log mentions it.');
    }
  }
  if (r.error === 'ambiguous' && r.candidates?.length) {
    const shown = r.candidates.slice(0, 10).map((c) => `- ${codeSpan(c)}`);
    if (r.candidates.length > 10) shown.push(`- … ${r.candidates.length - 10} more`);
    parts.push(`Candidates:\n${shown.join('\n')}`);
  }
  return parts;
}

function successParts(index: RefIndex, r: ResolveSuccess): string[] {
  const facts: string[] = [];
  const fact = (label: string, value: string | undefined) => value && facts.push(`- **${label}:** ${value}`);
  fact('Kind', escapeText(r.kind));
  fact('Namespace', r.namespace ? escapeText(r.namespace) : undefined);
  fact('Size', r.size !== undefined ? `${r.size.toLocaleString('en-US')} bytes` : undefined);
  fact('Verification', escapeText(r.verification));
  fact('Created', r.createdAt ? escapeText(r.createdAt) : undefined);
  fact('Schema', r.schema ? escapeText(r.schema) : undefined);
  if (r.producedBy) {
    const p = r.producedBy;
    fact('Produced by', `${eventLine(p.eventType, p.sequence, p.time)} (${place(uriToPath(p.uri) ?? p.uri, p.line)})`);
  }
  fact('Referenced by', `${r.referencedBy} place${r.referencedBy === 1 ? '' : 's'}`);
  if (r.refs.length) fact('Refers to', `${r.refs.length} ref${r.refs.length === 1 ? '' : 's'}`);
  for (const m of index.manifests()) {
    if (m.sha256 !== r.digest) continue;
    fact('Model manifest', [m.id, m.provider, m.url].filter((v): v is string => !!v).map((v) => escapeText(v)).join(' · '));
    fact('Manifest bytes', m.bytes !== undefined ? m.bytes.toLocaleString('en-US') : undefined);
    fact('Manifest verified', m.verified === undefined ? undefined : String(m.verified));
  }
  for (const [key, value] of Object.entries(r.details ?? {})) fact(escapeText(key), escapeText(detailText(value)));

  const parts = [`${codeSpan(r.ref)}`, facts.join('\n')];
  const preview = previewFor(index, r);
  if (preview) parts.push(preview);
  const links = [
    r.kind === 'requests' ? commandLink('Trace', 'refscope.traceRequest', canonicalRef(r)) : '',
    commandLink('Provenance', 'refscope.showProvenance', canonicalRef(r)),
  ].filter(Boolean);
  if (links.length) parts.push(links.join(' · '));
  return parts;
}

function canonicalRef(r: ResolveSuccess): string {
  return r.ref.startsWith('artifact:') ? r.ref : `sha256:${r.digest}`;
}

function detailText(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value) ?? String(value);
}

function eventLine(type: string, sequence: number | undefined, time: string | undefined): string {
  return `${codeSpan(type)}${sequence !== undefined ? ` #${sequence}` : ''}${time ? ` at ${escapeText(time)}` : ''}`;
}

function place(file: string, line: number | undefined): string {
  return `${escapeText(path.basename(file))}${line !== undefined ? `:${line + 1}` : ''}`;
}

function previewFor(index: RefIndex, r: ResolveSuccess): string | undefined {
  const file = r.uri ? uriToPath(r.uri) : undefined;
  if (!file || r.kind === 'event') return undefined;
  let raw = index.artifactAt(file)?.preview;
  if (raw === undefined) {
    const head = readHead(file);
    if (!head) return undefined;
    if (looksBinary(head)) return `_Binary content${r.size !== undefined ? `, ${r.size.toLocaleString('en-US')} bytes` : ''}._`;
    raw = head.toString('utf8');
  }
  const { text, truncated } = previewOf(prettyJson(raw));
  return codeBlock(text + (truncated ? '\n…' : ''), looksLikeJson(raw) ? 'json' : '');
}

function looksLikeJson(s: string): boolean {
  const t = s.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

/** Canonical JSON is one long line; indent it so the preview's first lines say something. */
function prettyJson(raw: string): string {
  if (!looksLikeJson(raw)) return raw;
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}
