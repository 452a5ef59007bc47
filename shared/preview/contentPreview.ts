// The one door every preview of artifact content goes through before it leaves the core
// (CONTRACT 3): hover, views, webviews, compare and `refscope show` ask here, so a new place
// that shows content gets masking and withholding by construction. Masking and withholding
// change only what is displayed: verification and the index always read the real bytes.
import * as fs from 'node:fs';
import { prettyPreview } from '../json/prettyPreview';
import type { ResolvedTarget } from '../index/resolution';
import type { ContentPreview } from '../protocol';
import { looksBinary, openRegularFile, readAt } from '../readers/fileBytes';
import { BoundedCache } from './boundedCache';
import { detailFacts, type DetailFact } from './detailFacts';
import { targetLabels } from './labels';
import { maskSecrets, type MaskedText } from './secretMasker';
import { isWithheld, type SensitivityLevel } from './sensitivity';

export interface PreviewSettings {
  /** `refscope.maskSecrets` (default on). */
  maskSecrets: boolean;
  /** `refscope.hidePreviewsAtSensitivity` (default `secret`). */
  hidePreviewsAt: SensitivityLevel;
}

/**
 * Bytes read for a preview: the preview shows about 2 KB of it; the rest is there so that a
 * credential crossing the preview's end is still whole when the detector looks (a 4096-bit
 * RSA key in PEM is about 3.2 KB).
 */
export const PREVIEW_SOURCE_BYTES = 8192;

/** Masked previews by content digest: the same digest always previews the same. ~2 KB each. */
const cache = new BoundedCache<string, Promise<ContentPreview | undefined>>(1024);

/**
 * Masked fact values by their text: the same text always masks the same, and a hover's facts
 * (run id, model, provider, ...) repeat across artifacts, so most hovers run no detector on them.
 */
const maskedFacts = new BoundedCache<string, Promise<MaskedText>>(4096);

function maskFactText(text: string): Promise<MaskedText> {
  // A long value (an event's whole summary) is rarely seen twice: not worth its room.
  if (text.length > 1024) return maskSecrets(text);
  return maskedFacts.getOrMake(text, () => maskSecrets(text));
}

/** What of a resolved target may be displayed: its detail facts (credentials masked) and its content preview. */
export interface Displayed {
  facts: DetailFact[];
  preview?: ContentPreview;
}

/**
 * A resolved target as it may be displayed: with its content preview, and with credentials
 * masked in its facts too (an event's summary is its payload's fields; a sidecar's metadata
 * is written by the runtime).
 */
export async function forDisplay(r: ResolvedTarget, settings: PreviewSettings): Promise<Displayed> {
  const facts = detailFacts(r);
  const [preview, shownFacts] = await Promise.all([contentPreview(r, settings), settings.maskSecrets ? maskFacts(facts) : facts]);
  return preview ? { facts: shownFacts, preview } : { facts: shownFacts };
}

/** Facts with each credential masked; a structured value holding one is shown as its masked JSON. */
async function maskFacts(facts: DetailFact[]): Promise<DetailFact[]> {
  return Promise.all(
    facts.map(async (f): Promise<DetailFact> => {
      if (!('value' in f)) return f;
      const { key, value } = f;
      const text = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : undefined;
      // Shorter than any credential the rules know (and `labels`, `sensitivity` are read as written).
      if (text === undefined || text.length < 8 || key === 'labels' || key === 'sensitivity') return f;
      const masked = await maskFactText(text);
      return masked.masked.length ? { key, value: masked.text } : f;
    }),
  );
}

/** The preview of what `r` resolved to, withheld or masked as `settings` say; undefined when there is none (events, pruned evidence). */
export async function contentPreview(r: ResolvedTarget, settings: PreviewSettings): Promise<ContentPreview | undefined> {
  if ((r.type !== 'artifact' && r.type !== 'blob') || r.path === undefined) return undefined;
  const { sensitivity } = targetLabels(r);
  if (isWithheld(sensitivity, settings.hidePreviewsAt)) return { state: 'withheld', sensitivity: sensitivity! };
  const file = r.path;
  // A name vouches for the content only when the bytes were found to hash to it.
  const contentAddressed = r.verification === 'verified' || r.verification === 'canonical';
  if (!contentAddressed) return readPreview(file, settings.maskSecrets);
  const key = `${settings.maskSecrets ? 'masked' : 'raw'}:${r.kind}:${r.digest}`;
  return cache.getOrMake(key, () => readPreview(file, settings.maskSecrets));
}

async function readPreview(file: string, mask: boolean): Promise<ContentPreview | undefined> {
  const head = readHead(file, PREVIEW_SOURCE_BYTES);
  if (!head) return undefined;
  if (looksBinary(head)) return { state: 'binary' };
  // Mask the source before cutting it to preview size, so no credential is cut in two first.
  const source = mask ? await maskSecrets(head.toString('utf8')) : { text: head.toString('utf8'), masked: [] };
  return { state: 'shown', text: prettyPreview(source.text), masked: source.masked };
}

/**
 * At most `maxBytes` from the start of a regular file; undefined when it cannot be read. Sized
 * by the file: a buffer of `maxBytes` for a 700-byte artifact was an 8 KB allocation of its own
 * on every first hover (a small one comes from Node's shared pool).
 */
function readHead(path: string, maxBytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    const file = openRegularFile(path);
    fd = file.fd;
    return readAt(fd, 0, Math.min(file.size, maxBytes));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
