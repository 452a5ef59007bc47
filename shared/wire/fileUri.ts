// The one way a path the index holds becomes the `file://` URI the protocol carries.
import { pathToFileURL } from 'node:url';

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** `row` with its `path` as `uri`, where `path` stood (clients have always seen the keys in this order). */
export function withFileUri<W>(row: { path?: string }): W {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === 'path') out.uri = fileUri(v as string);
    else out[k] = v;
  }
  return out as W;
}
