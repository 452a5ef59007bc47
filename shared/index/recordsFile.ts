// The records file's layout: a fixed header, then the buckets' bytes back to back. Plain
// bytes rather than a sql.js database: sql.js keeps the whole database in memory and its
// export() copies it again, and 256 blobs need no queries. A partial save copies the
// unchanged buckets' bytes from the previous file. Each bucket has its own CRC-32, so a
// damaged or truncated file costs only the buckets it hit, not the whole index.
//
//   magic "RSR2" | u32 bucket count | per bucket: u32 byte length (0: empty), u32 CRC-32 | bucket bytes...
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';

const MAGIC = 0x32525352; // "RSR2" little-endian

export interface RecordsFile {
  /** Each bucket's bytes; undefined when empty or damaged. */
  buckets: (Uint8Array | undefined)[];
  /** Damaged buckets and what is wrong with each. */
  damaged: Map<number, string>;
}

const headerSize = (buckets: number) => 8 + 8 * buckets;

/** The file's buckets, or undefined when it does not exist. Throws when the header is damaged. */
export function readRecordsFile(file: string, buckets: number): RecordsFile | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const headerEnd = headerSize(buckets);
  if (bytes.length < headerEnd || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(4) !== buckets) throw new Error('not a records file of this layout');
  const out: RecordsFile = { buckets: [], damaged: new Map() };
  let at = headerEnd;
  for (let b = 0; b < buckets; b++) {
    const length = bytes.readUInt32LE(8 + 8 * b);
    const crc = bytes.readUInt32LE(12 + 8 * b);
    let data: Uint8Array | undefined;
    if (at + length > bytes.length) out.damaged.set(b, 'the records file is truncated');
    else if (length > 0) {
      data = bytes.subarray(at, at + length);
      if (crc32(data) !== crc) {
        out.damaged.set(b, 'its checksum does not match');
        data = undefined;
      }
    }
    out.buckets.push(data);
    at += length;
  }
  return out;
}

/**
 * The damaged buckets of the file, checked without holding it in memory (a lazy start that
 * only needs to know the records are whole reads them through one bucket-sized buffer).
 * Undefined when the file does not exist; throws when the header is damaged.
 */
export function damagedBuckets(file: string, buckets: number): Map<number, string> | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(headerSize(buckets));
    if (size < header.length || fs.readSync(fd, header, 0, header.length, 0) !== header.length || header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== buckets) {
      throw new Error('not a records file of this layout');
    }
    const damaged = new Map<number, string>();
    let buf = Buffer.alloc(0);
    let at = header.length;
    for (let b = 0; b < buckets; b++) {
      const length = header.readUInt32LE(8 + 8 * b);
      if (at + length > size) damaged.set(b, 'the records file is truncated');
      else if (length > 0) {
        if (buf.length < length) buf = Buffer.allocUnsafe(length);
        let done = 0;
        while (done < length) {
          const n = fs.readSync(fd, buf, done, length - done, at + done);
          if (n === 0) break;
          done += n;
        }
        if (done < length || crc32(buf.subarray(0, length)) !== header.readUInt32LE(12 + 8 * b)) damaged.set(b, 'its checksum does not match');
      }
      at += length;
    }
    return damaged;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the buckets `bucket(b)` gives, in order, to a temp file renamed to `file` when
 * complete (a crash leaves the previous file). Each bucket goes to disk as soon as it is
 * made, so only one is in memory at a time.
 */
export async function writeRecordsFile(file: string, buckets: number, bucket: (b: number) => Promise<Uint8Array | undefined>): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const header = Buffer.alloc(headerSize(buckets));
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(buckets, 4);
  const fd = fs.openSync(tmp, 'w');
  try {
    let at = header.length;
    for (let b = 0; b < buckets; b++) {
      const data = await bucket(b);
      if (!data?.length) continue;
      header.writeUInt32LE(data.length, 8 + 8 * b);
      header.writeUInt32LE(crc32(data), 12 + 8 * b);
      // writeFileSync would truncate; writeSync at a position may write less, so loop.
      for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, at + done);
      at += data.length;
    }
    for (let done = 0; done < header.length; ) done += fs.writeSync(fd, header, done, header.length - done, done);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
