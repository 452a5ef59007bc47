// File URIs <-> paths. Every URI the client sends goes through `uriToPath` (which decodes
// percent-escapes); every path the index holds goes out through `pathToUri`.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileUri } from '../shared/wire/fileUri';

/**
 * A `file:` URI whose path fileURLToPath returns as it stands on POSIX (Windows turns the
 * slashes): names of letters, digits and `_ . ~ + , = @ -` (nothing to decode or escape), no `.`
 * or `..` segment to resolve.
 */
const PLAIN_FILE_URI = /^file:\/\/(?:\/(?!\.\.?(?:\/|$))[\w.~+,=@-]+)+$/;

/**
 * The local path of a `file:` URI, or undefined for any other scheme (untitled, git, ...). A plain
 * one is cut, not parsed: an editor reports an agent's writes as thousands of URIs a second, and
 * parsing each as a URL (~10 us) held the thread 10-15 ms per batch of watched-file changes.
 */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  if (path.sep === '/' && PLAIN_FILE_URI.test(uri)) return uri.slice('file://'.length);
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export const pathToUri = fileUri;
