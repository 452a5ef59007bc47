// The records file's layout: a fixed header, then the buckets' bytes back to back. Plain
// bytes rather than a sql.js database: sql.js keeps the whole database in memory and its
// export() copies it again, and 256 blobs need no queries. A partial save copies the
// unchanged buckets' bytes from the previous file. Each bucket has its own CRC-32, so a
// damaged or truncated file costs only the buckets it hit, not the whole index.
//
//   magic "RSR2" | u32 bucket count | per bucket: u32 byte length (0: empty), u32 CRC-32 | bucket bytes...
import * as fs from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeFileAtomicFrom } from '../fs/atomicWrite';
import { runSteps, runStepsWithPause, type Steps } from './timeSlices';

const MAGIC = 0x32525352; // "RSR2" little-endian
/**
 * A bucket is read, checksummed and written this many bytes at a time, with a step between two
 * (a save's pause): the bucket of a 435k-row log is ~60 MB, and its CRC-32, read and write in
 * one piece held a language server's thread for hundreds of milliseconds after an agent's writes.
 */
export const SLICE_BYTES = 1 << 20;

const headerSize = (buckets: number) => 8 + 8 * buckets;
/** Buckets up to this size are read into one buffer the reader reuses; a bigger one into its own, or in pieces by a full load (PlacedBucket). */
export const KEPT_BUFFER_BYTES = 16 << 20;

/** One bucket as read: its bytes (none when empty), or why it is damaged. */
export type Bucket = { data?: Uint8Array; damaged?: undefined } | { data?: undefined; damaged: string };

/**
 * An open records file, read one bucket at a time through a reused buffer: loading, checking
 * and copying 70 MB of records never holds them all at once. The bytes a `bucket()` call
 * returns are valid until the next call.
 */
export class RecordsReader {
  private buf = Buffer.alloc(0);
  private readonly offsets: number[] = [];

  private constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly header: Buffer,
  ) {
    let at = header.length;
    for (let b = 0; b < header.readUInt32LE(4); b++) {
      this.offsets.push(at);
      at += header.readUInt32LE(8 + 8 * b);
    }
  }

  /** The file, or undefined when it does not exist. Throws when its header is damaged. */
  static open(file: string, buckets: number): RecordsReader | undefined {
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
      return new RecordsReader(fd, size, header);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** Whether the file ends before its last bucket does (a write cut short): checked from the header alone. */
  get truncated(): boolean {
    const last = this.offsets.length - 1;
    return last >= 0 && this.offsets[last] + this.header.readUInt32LE(8 + 8 * last) > this.size;
  }

  bucket(b: number): Bucket {
    return runSteps(this.bucketSteps(b));
  }

  /** Why bucket `b` is damaged, if it is: its bytes checksummed SLICE_BYTES at a time through one buffer, none kept (see PlacedBucket). */
  damage(b: number): string | undefined {
    return runSteps(this.bucketSteps(b, false)).damaged;
  }

  /**
   * Bucket `b`'s bytes read on demand (a big bucket read in pieces: see PlacedBucket): its
   * `data` is as long as the bucket and holds only the bytes `load` brought in. Check them with
   * damage() first: a piece read here is not checksummed.
   */
  placed(b: number): PlacedBucket {
    return new PlacedBucket(this.fd, this.offsets[b], this.byteLength(b));
  }

  /** bucket(), taking `pause` after each SLICE_BYTES read and checksummed (a save copying the bucket). */
  bucketInSlices(b: number, pause: () => Promise<void>): Promise<Bucket> {
    return runStepsWithPause(this.bucketSteps(b), pause);
  }

  /** `keep` false: the bytes are only checksummed, each slice read into the same SLICE_BYTES (damage()). */
  private *bucketSteps(b: number, keep = true): Steps<Bucket> {
    const length = this.byteLength(b);
    const at = this.offsets[b];
    if (at + length > this.size) return { damaged: 'the records file is truncated' };
    if (length === 0) return {};
    // Never from the shared pool: a bucket starts at offset 0, so its aligned column sections are read in place (ByteReader.view).
    // A big bucket (a log's: 314 MB at 1M events) gets a buffer of its own, let go with its bytes:
    // reused, it stayed for every bucket after it, through the rest of a full load (its peak).
    let buf = this.buf;
    if (!keep) buf = Buffer.allocUnsafeSlow(Math.min(SLICE_BYTES, length));
    else if (length > KEPT_BUFFER_BYTES) buf = Buffer.allocUnsafeSlow(length);
    else if (buf.length < length) buf = this.buf = Buffer.allocUnsafeSlow(length);
    let crc = 0;
    for (let done = 0; done < length; ) {
      const slice = Math.min(SLICE_BYTES, length - done);
      const into = keep ? done : 0;
      if (!readFully(this.fd, buf.subarray(into, into + slice), at + done)) return { damaged: 'the records file is truncated' };
      crc = crc32(buf.subarray(into, into + slice), crc);
      done += slice;
      yield;
    }
    if (crc !== this.header.readUInt32LE(12 + 8 * b)) return { damaged: 'its checksum does not match' };
    return keep ? { data: buf.subarray(0, length) } : {};
  }

  /** Bucket `b`'s length in bytes, as the header gives it. */
  byteLength(b: number): number {
    return this.header.readUInt32LE(8 + 8 * b);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Reads `into.byteLength` bytes at `at` of `fd` into `into`; false when the file ends first. */
function readFully(fd: number, into: ArrayBufferView, at: number): boolean {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  for (let got = 0; got < bytes.length; ) {
    const n = fs.readSync(fd, bytes, got, bytes.length - got, at + got);
    if (n === 0) return false;
    got += n;
  }
  return true;
}

/**
 * A bucket read in pieces, on demand: `data` is a zero-filled buffer as long as the bucket,
 * whose untouched pages the system never backs, so only the pieces brought in take memory: at
 * 1M artifacts one bucket (a big log's events, their refs, summaries and strings) is 299 MB,
 * and read whole it was held beside the ~350 MB of columns its rows filled until a collection
 * freed it, the load's peak.
 */
export class PlacedBucket {
  readonly data: Uint8Array;
  /** The bytes brought in so far, as one run (a decode reads forward: see load). */
  private from = 0;
  private to = 0;

  constructor(
    private readonly fd: number,
    private readonly at: number,
    length: number,
  ) {
    this.data = new Uint8Array(length);
  }

  /**
   * Brings bytes `[from, to)` of the bucket into `data`, and up to SLICE_BYTES after them: a
   * reader moving forward (ByteReader's `load`) reads a slice at a time, not a read per value.
   */
  load(from: number, to: number): void {
    if (from >= this.from && to <= this.to) return;
    const start = from >= this.from && from <= this.to ? this.to : from;
    const end = Math.min(this.data.length, Math.max(to, start + SLICE_BYTES));
    if (!readFully(this.fd, this.data.subarray(start, end), this.at + start)) throw new Error('the records file is truncated');
    if (start !== this.to) this.from = start;
    this.to = end;
  }

  /** Reads the bucket's bytes from `from` into `into` (its byte length's worth), not into `data`. */
  read(from: number, into: ArrayBufferView): void {
    if (from + into.byteLength > this.data.length || !readFully(this.fd, into, this.at + from)) throw new Error('the records file is truncated');
  }
}

/** The damaged buckets of the file and why; undefined when it does not exist; throws when its header is damaged. */
export function damagedBuckets(file: string, buckets: number): Map<number, string> | undefined {
  const reader = RecordsReader.open(file, buckets);
  if (!reader) return undefined;
  try {
    const damaged = new Map<number, string>();
    for (let b = 0; b < buckets; b++) {
      const { damaged: why } = reader.bucket(b);
      if (why) damaged.set(b, why);
    }
    return damaged;
  } finally {
    reader.close();
  }
}

/**
 * One bucket of one file as it is written: each piece goes to its place in the file at once and
 * into the bucket's checksum, so a bucket is never whole in memory (a saved bucket is spilled
 * into it by its ByteWriter).
 */
export class BucketSink {
  private crc = 0;
  /** Bytes written so far. */
  length = 0;

  constructor(
    private readonly fd: number,
    private readonly at: number,
  ) {}

  write(bytes: Uint8Array): void {
    this.crc = crc32(bytes, this.crc);
    writeAt(this.fd, bytes, this.at + this.length);
    this.length += bytes.length;
  }

  /** write(), SLICE_BYTES at a time with `pause` after each: a bucket made whole (copied, or a key bucket) is not written in one piece. */
  async writeInSlices(bytes: Uint8Array, pause: () => Promise<void>): Promise<void> {
    for (let done = 0; done < bytes.length; done += SLICE_BYTES) {
      this.write(bytes.subarray(done, done + SLICE_BYTES));
      await pause();
    }
  }

  get checksum(): number {
    return this.crc;
  }
}

/**
 * Writes files of this layout side by side, bucket by bucket: `fill(b, sinks)` writes bucket
 * `b` of file `i` into `sinks[i]` (a file's buckets can be made from the same records as
 * another's: the records and their lookup keys), straight to disk as it is made. Each file is
 * written atomically (a crash leaves the previous one), all complete before any is renamed in,
 * the first one last: a summary names it, and the others are found beside it.
 */
export async function writeRecordsFiles(files: string[], buckets: number, fill: (b: number, sinks: BucketSink[]) => Promise<void>): Promise<void> {
  const outputs = files.map(() => {
    const header = Buffer.alloc(headerSize(buckets));
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(buckets, 4);
    return { header, fd: -1, at: header.length };
  });
  const fillAll = async () => {
    for (let b = 0; b < buckets; b++) {
      const sinks = outputs.map((o) => new BucketSink(o.fd, o.at));
      await fill(b, sinks);
      outputs.forEach((o, i) => {
        // An empty bucket keeps length 0 and checksum 0.
        o.header.writeUInt32LE(sinks[i].length, 8 + 8 * b);
        o.header.writeUInt32LE(sinks[i].checksum, 12 + 8 * b);
        o.at += sinks[i].length;
      });
    }
  };
  // Nested: file i is committed after every later one, when its own fill (the later files and its header) is done.
  const write = async (i: number): Promise<void> => {
    if (i === files.length) return fillAll();
    await writeFileAtomicFrom(files[i], async (fd) => {
      outputs[i].fd = fd;
      await write(i + 1);
      writeAt(fd, outputs[i].header, 0);
    });
  };
  await write(0);
}

/** writeFileSync would truncate; writeSync at a position may write less, so loop. */
export function writeAt(fd: number, data: Uint8Array, at: number): void {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, at + done);
}

