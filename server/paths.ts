// File URIs <-> paths. Every URI the client sends goes through `uriToPath` (which decodes
// percent-escapes); every path the index holds goes out through `pathToUri`.
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The local path of a `file:` URI, or undefined for any other scheme (untitled, git, ...). */
export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}
