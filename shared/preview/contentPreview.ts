// The one door every preview of artifact content goes through before it leaves the core
// (CONTRACT 3): hover, views, webviews, compare and `refscope show` ask here, so a new place
// that shows content gets masking and withholding by construction. Masking and withholding
// change only what is displayed: verification and the index always read the real bytes.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { prettyPreview } from '../json/prettyPreview';
import type { RefIndex } from '../index/api';
import { isResolveFailure, isResolveRun, type ContentPreview, type ResolveResult, type ResolveSuccess } from '../protocol';
import { looksBinary, openRegularFile, readAt } from '../readers/fileBytes';
import { BoundedCache } from './boundedCache';
import { contentLabels } from './labels';
import { maskSecrets } from './secretMasker';
import { DEFAULT_HIDE_PREVIEWS_AT, isWithheld, type SensitivityLevel } from './sensitivity';

export interface PreviewSettings {
  /** `refscope.maskSecrets` (default on). */
  maskSecrets: boolean;
  /** `refscope.hidePreviewsAtSensitivity` (default `secret`). */
  hidePreviewsAt: SensitivityLevel;
}

export const DEFAULT_PREVIEW_SETTINGS: PreviewSettings = { maskSecrets: true, hidePreviewsAt: DEFAULT_HIDE_PREVIEWS_AT };

/**
 * Bytes read for a preview: the preview shows about 2 KB of it; the rest is there so that a
 * credential crossing the preview's end is still whole when the detector looks (a 4096-bit
 * RSA key in PEM is about 3.2 KB).
 */
export const PREVIEW_SOURCE_BYTES = 8192;

/** Masked previews by content digest: the same digest always previews the same. ~2 KB each. */
const cache = new BoundedCache<string, Promise<ContentPreview | undefined>>(1024);

/** `refscope/resolve` and `refscope show` (one answer for both): what `ref` is, with its preview. */
export async function resolveWithPreview(index: RefIndex, ref: string, settings: PreviewSettings): Promise<ResolveResult> {
  const r = index.resolve(ref);
  // A run is no content of its own: its capsule has a preview when resolved itself.
  if (isResolveFailure(r) || isResolveRun(r)) return r;
  const preview = await contentPreview(r, settings);
  return preview ? { ...r, preview } : r;
}

/** The preview of what `r` resolved to, withheld or masked as `settings` say; undefined when there is none (events, pruned evidence). */
export async function contentPreview(r: ResolveSuccess, settings: PreviewSettings): Promise<ContentPreview | undefined> {
  if (!r.uri || r.kind === 'event') return undefined;
  const { sensitivity } = contentLabels(r);
  if (isWithheld(sensitivity, settings.hidePreviewsAt)) return { state: 'withheld', sensitivity: sensitivity! };
  const file = fileURLToPath(r.uri);
  // A name vouches for the content only when the bytes were found to hash to it.
  const contentAddressed = r.verification === 'verified' || r.verification === 'canonical';
  if (!contentAddressed) return readPreview(file, settings.maskSecrets);
  const key = `${settings.maskSecrets ? 'masked' : 'raw'}:${r.kind}:${r.digest}`;
  let preview = cache.get(key);
  if (!preview) {
    preview = readPreview(file, settings.maskSecrets);
    cache.set(key, preview);
    preview.catch(() => cache.delete(key));
  }
  return preview;
}

async function readPreview(file: string, mask: boolean): Promise<ContentPreview | undefined> {
  const head = readHead(file, PREVIEW_SOURCE_BYTES);
  if (!head) return undefined;
  if (looksBinary(head)) return { state: 'binary' };
  // Mask the source before cutting it to preview size, so no credential is cut in two first.
  const source = mask ? await maskSecrets(head.toString('utf8')) : { text: head.toString('utf8'), masked: [] };
  return { state: 'shown', text: prettyPreview(source.text), masked: source.masked };
}

/** At most `maxBytes` from the start of a regular file; undefined when it cannot be read. */
function readHead(path: string, maxBytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularFile(path).fd;
    return readAt(fd, 0, maxBytes);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
