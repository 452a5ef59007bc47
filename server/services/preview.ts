// The head of a file, for hovers on things the index keeps no preview of (model blobs,
// file-store bytes): size-capped, and binary content named as such instead of shown.
import * as fs from 'node:fs';

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

export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 1024).includes(0);
}
