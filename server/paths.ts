// File URIs <-> paths. Every URI the client sends goes through `uriToPath` (which decodes
// percent-escapes); every path the index holds goes out through `pathToUri`.
import { fileURLToPath } from 'node:url';
import { fileUri } from '../shared/wire/fileUri';

/** The local path of a `file:` URI, or undefined for any other scheme (untitled, git, ...). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export const pathToUri = fileUri;
