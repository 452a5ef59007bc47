// The first lines of a file, for hovers: size-capped, and binary content named as such
// instead of shown.
import * as fs from 'node:fs';

export const PREVIEW_LINES = 20;
export const PREVIEW_CHARS = 1500;

/** Reads at most `maxBytes` from the start of a file; undefined when it cannot be read. */
export function readHead(path: string, maxBytes = 4096): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    const buf = Buffer.alloc(maxBytes);
    const n = fs.readSync(fd, buf, 0, maxBytes, 0);
    return buf.subarray(0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A preview of `text`: its first lines, capped; `truncated` says more exists. */
export function previewOf(text: string): { text: string; truncated: boolean } {
  const lines = text.split('\n');
  let out = lines.slice(0, PREVIEW_LINES).join('\n');
  let truncated = lines.length > PREVIEW_LINES;
  if (out.length > PREVIEW_CHARS) {
    out = out.slice(0, PREVIEW_CHARS);
    truncated = true;
  }
  return { text: out, truncated };
}

export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes(0);
}
