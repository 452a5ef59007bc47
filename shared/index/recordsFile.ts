// The records file's layout: a fixed header, then the buckets' bytes back to back. Plain
// bytes rather than a sql.js database: sql.js keeps the whole database in memory and its
// export() copies it again (three copies of ~40 MB for 100k artifacts), and 256 blobs need
// no queries. A partial save copies the unchanged buckets' bytes from the previous file.
//
//   magic "RSRB" | u32 bucket count | u32 byte length per bucket (0: empty) | bucket bytes...
import * as fs from 'node:fs';

const MAGIC = 0x42525352; // "RSRB" little-endian

/** The file's buckets (undefined when empty), or undefined when it does not exist. Throws on a damaged file. */
export function readRecordsFile(file: string, buckets: number): (Uint8Array | undefined)[] | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const headerEnd = 8 + 4 * buckets;
  if (bytes.length < headerEnd || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== buckets) throw new Error('not a records file of this layout');
  const out: (Uint8Array | undefined)[] = [];
  let at = headerEnd;
  for (let b = 0; b < buckets; b++) {
    const length = bytes.readUInt32LE(8 + 4 * b);
    if (at + length > bytes.length) throw new Error('the records file is truncated');
    out.push(length ? bytes.subarray(at, at + length) : undefined);
    at += length;
  }
  if (at !== bytes.length) throw new Error('the records file has trailing bytes');
  return out;
}

/** The parts to write, in order, for these buckets (undefined: empty). */
export function recordsFileParts(buckets: (Uint8Array | undefined)[]): Uint8Array[] {
  const header = Buffer.alloc(8 + 4 * buckets.length);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(buckets.length, 4);
  buckets.forEach((data, b) => header.writeUInt32LE(data?.length ?? 0, 8 + 4 * b));
  return [header, ...buckets.filter((data): data is Uint8Array => !!data && data.length > 0)];
}
