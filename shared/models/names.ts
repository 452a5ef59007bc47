// Validation of everything a user or a server hands us that becomes part of a file name:
// model ids, digests, URLs, and the file names servers suggest. Nothing that fails here is
// ever joined to a path, so a hostile name can never leave the model store.
import * as path from 'node:path';

const SHA256_RE = /^[0-9a-fA-F]{64}$/;
const ID_RE = /^[A-Za-z0-9._-]+$/;
const EXT_RE = /^[A-Za-z0-9]{1,16}$/;
const MAX_NAME = 128;

/** Why `hex` is not a sha256 digest, or undefined when it is one (either case accepted). */
export function validateSha256(hex: string): string | undefined {
  if (typeof hex !== 'string' || hex.length === 0) return 'a sha256 digest is required';
  const bare = hex.startsWith('sha256:') ? hex.slice(7) : hex;
  if (!SHA256_RE.test(bare)) return `not a sha256 digest (64 hex characters): '${hex.slice(0, 80)}'`;
  return undefined;
}

/** The canonical (lower-case, unprefixed) form of a digest already validated. */
export function normaliseSha256(hex: string): string {
  return (hex.startsWith('sha256:') ? hex.slice(7) : hex).toLowerCase();
}

/** Why `id` cannot name a manifest (`<state>/models/<id>.json`), or undefined. */
export function validateModelId(id: string): string | undefined {
  if (typeof id !== 'string' || id.length === 0) return 'a model id is required';
  if (id.length > MAX_NAME) return `model id longer than ${MAX_NAME} characters`;
  if (!ID_RE.test(id)) return `model id '${id.slice(0, 80)}' may only hold letters, digits, '.', '_' and '-'`;
  if (id.includes('..') || id.startsWith('.')) return `model id '${id}' may not start with '.' or contain '..'`;
  return undefined;
}

/** Why `url` cannot be pulled from, or undefined. */
export function validateUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: '${String(url).slice(0, 200)}'`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http and https URLs can be pulled (got ${parsed.protocol})`;
  return undefined;
}

/** Why a size limit in MB is unusable, or undefined. */
export function validateMegabytes(value: number | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) return `${flag} must be a non-negative number of megabytes`;
  return undefined;
}

/**
 * A server-suggested file name reduced to something safe inside the store: its basename,
 * only `[A-Za-z0-9._-]`, no leading dots, at most 128 characters; undefined when nothing is left.
 */
export function sanitiseFileName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const base = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, MAX_NAME);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : undefined;
}

/** The file name a `Content-Disposition` header suggests (RFC 6266 `filename*` wins), sanitised. */
export function fileNameFromContentDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:[A-Za-z0-9_-]+)?'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return sanitiseFileName(decodeURIComponent(star[1].trim()));
    } catch {
      // A malformed percent-escape: fall back to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
  if (!plain) return undefined;
  return sanitiseFileName((plain[1] ?? plain[2] ?? '').replace(/\\(.)/g, '$1').trim());
}

/** The last path segment of a URL, sanitised. */
export function fileNameFromUrl(url: string): string | undefined {
  try {
    const segment = new URL(url).pathname.split('/').pop() ?? '';
    return sanitiseFileName(decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/** The extension a blob keeps (`by-hash/<sha256>.<ext>`): alphanumeric, up to 16 characters. */
export function extensionOf(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const ext = path.extname(fileName).slice(1);
  return EXT_RE.test(ext) ? ext.toLowerCase() : undefined;
}

/** The digest a blob file name carries (`<sha256>[.<ext>]`), or undefined for any other name. */
export function digestOfBlobName(name: string): string | undefined {
  const dot = name.indexOf('.');
  const stem = dot === -1 ? name : name.slice(0, dot);
  if (!SHA256_RE.test(stem)) return undefined;
  if (dot !== -1 && !EXT_RE.test(name.slice(dot + 1))) return undefined;
  return stem.toLowerCase();
}
