// The records file's layout: a fixed header, then the bytes of the buckets this save wrote,
// back to back. Plain bytes rather than a sql.js database: sql.js keeps the whole database in
// memory and its export() copies it again, and 256 blobs need no queries. Each bucket has its
// own CRC-32, so a damaged or truncated file costs only the buckets it hit, not the whole index.
//
// A save writes only the buckets that changed: each clean bucket's header entry names where an
// earlier save left its bytes (that save's file, by its token, and the offset in it), so one
// edited note at 1M artifacts writes a few megabytes, not the 880 MB records file and its 74 MB
// key index again. Which earlier files a save still refers to is decided by planReuse: a file
// mostly garbage has its live buckets copied forward, and at most MAX_FILES files hold a save.
//
//   magic "RSR3" | u32 bucket count | u32 file count | per bucket: u32 byte length (0: empty),
//   u32 CRC-32, u32 file, u32 0, f64 offset in that file | per file: its 16-hex token (file 0:
//   this one) | bucket bytes...
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { writeFileAtomicFrom } from '../fs/atomicWrite';
import { runSteps, runStepsWithPause, type Steps } from './timeSlices';

const MAGIC = 0x33525352; // "RSR3" little-endian
/**
 * A bucket is read, checksummed and written this many bytes at a time, with a step between two
 * (a save's pause): the bucket of a 435k-row log is ~60 MB, and its CRC-32, read and write in
 * one piece held a language server's thread for hundreds of milliseconds after an agent's writes.
 */
export const SLICE_BYTES = 1 << 20;
/** At most this many files hold one save's buckets: its own, and the earlier ones it refers to. */
export const MAX_FILES = 16;
const TOKEN_BYTES = 16;
const ENTRY_BYTES = 24;

const entryAt = (b: number) => 12 + ENTRY_BYTES * b;
const tokensAt = (buckets: number) => entryAt(buckets);
const headerSize = (buckets: number) => tokensAt(buckets) + TOKEN_BYTES * MAX_FILES;
/** Buckets up to this size are read into one buffer the reader reuses; a bigger one into its own, or in pieces by a full load (PlacedBucket). */
export const KEPT_BUFFER_BYTES = 16 << 20;

const TOKEN = /^[0-9a-f]{16}$/;
/** A records file's name is `<kind>-<token>.bin`; the token is shared by the files one save writes. */
const NAME = /^(.*)-([0-9a-f]{16})\.bin$/;

/** The token of a records (or key index) file name. */
export function tokenOf(file: string): string {
  const m = NAME.exec(path.basename(file));
  if (!m) throw new Error(`${path.basename(file)} is not a records file name`);
  return m[2];
}

/** The file of the same kind as `file`, in its folder, written by the save of `token`. */
function sibling(file: string, token: string): string {
  return path.join(path.dirname(file), path.basename(file).replace(NAME, `$1-${token}.bin`));
}

/** Where a bucket's bytes lie: in the file of the save `token`, at `offset`. */
export interface BucketPlace {
  token: string;
  offset: number;
  length: number;
  crc: number;
}

/** One bucket as read: its bytes (none when empty), or why it is damaged. */
export type Bucket = { data?: Uint8Array; damaged?: undefined } | { data?: undefined; damaged: string };

/** An open file of the files a records file's buckets lie in; fd -1 when it is missing. */
interface HeldFile {
  token: string;
  fd: number;
  size: number;
}

function openHeld(file: string, token: string): HeldFile {
  try {
    const fd = fs.openSync(file, 'r');
    return { token, fd, size: fs.fstatSync(fd).size };
  } catch {
    return { token, fd: -1, size: 0 };
  }
}

/**
 * An open records file, read one bucket at a time through a reused buffer: loading, checking
 * and copying 70 MB of records never holds them all at once. The bytes a `bucket()` call
 * returns are valid until the next call. The earlier files its buckets lie in are opened with it.
 */
export class RecordsReader {
  private buf = Buffer.alloc(0);

  private constructor(
    private readonly header: Buffer,
    /** By file number in the header: this file first, then the earlier ones it refers to. */
    private readonly files: HeldFile[],
  ) {}

  /** The file, or undefined when it does not exist. Throws when its header is damaged. */
  static open(file: string, buckets: number): RecordsReader | undefined {
    const own = openHeld(file, tokenOf(file));
    if (own.fd < 0) return undefined;
    const files = [own];
    try {
      const header = Buffer.alloc(headerSize(buckets));
      const count = own.size >= header.length && fs.readSync(own.fd, header, 0, header.length, 0) === header.length ? header.readUInt32LE(8) : 0;
      if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== buckets || count < 1 || count > MAX_FILES) throw new Error('not a records file of this layout');
      for (let i = 1; i < count; i++) {
        const token = header.toString('latin1', tokensAt(buckets) + TOKEN_BYTES * i, tokensAt(buckets) + TOKEN_BYTES * (i + 1));
        // Only a file name of this folder is ever opened: a damaged header names no other path.
        if (!TOKEN.test(token)) throw new Error('not a records file of this layout');
        files.push(openHeld(sibling(file, token), token));
      }
      for (let b = 0; b < buckets; b++) if (header.readUInt32LE(entryAt(b) + 8) >= count) throw new Error('not a records file of this layout');
      return new RecordsReader(header, files);
    } catch (err) {
      for (const f of files) if (f.fd >= 0) fs.closeSync(f.fd);
      throw err;
    }
  }

  /** Whether a bucket ends past the end of the file it lies in, or that file is missing (a write cut short, a file removed): checked from the headers alone. */
  get truncated(): boolean {
    for (let b = 0; b < this.header.readUInt32LE(4); b++) if (this.outside(b)) return true;
    return false;
  }

  /** Where bucket `b`'s bytes lie: a save that does not change the bucket refers to them there. */
  place(b: number): BucketPlace {
    return { token: this.fileOf(b).token, offset: this.offsetOf(b), length: this.byteLength(b), crc: this.header.readUInt32LE(entryAt(b) + 4) };
  }

  /** Each file's size on disk, by token. */
  fileSizes(): Map<string, number> {
    return new Map(this.files.map((f) => [f.token, f.size]));
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
    return new PlacedBucket(this.fileOf(b).fd, this.offsetOf(b), this.byteLength(b));
  }

  /** bucket(), taking `pause` after each SLICE_BYTES read and checksummed (a save copying the bucket). */
  bucketInSlices(b: number, pause: () => Promise<void>): Promise<Bucket> {
    return runStepsWithPause(this.bucketSteps(b), pause);
  }

  /** `keep` false: the bytes are only checksummed, each slice read into the same SLICE_BYTES (damage()). */
  private *bucketSteps(b: number, keep = true): Steps<Bucket> {
    const length = this.byteLength(b);
    const at = this.offsetOf(b);
    const { fd } = this.fileOf(b);
    if (length === 0) return {};
    if (this.outside(b)) return { damaged: fd < 0 ? 'the records file it lies in is missing' : 'the records file is truncated' };
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
      if (!readFully(fd, buf.subarray(into, into + slice), at + done)) return { damaged: 'the records file is truncated' };
      crc = crc32(buf.subarray(into, into + slice), crc);
      done += slice;
      yield;
    }
    if (crc !== this.header.readUInt32LE(entryAt(b) + 4)) return { damaged: 'its checksum does not match' };
    return keep ? { data: buf.subarray(0, length) } : {};
  }

  /** Bucket `b`'s length in bytes, as the header gives it. */
  byteLength(b: number): number {
    return this.header.readUInt32LE(entryAt(b));
  }

  private fileOf(b: number): HeldFile {
    return this.files[this.header.readUInt32LE(entryAt(b) + 8)];
  }

  private offsetOf(b: number): number {
    return this.header.readDoubleLE(entryAt(b) + 16);
  }

  /** Whether non-empty bucket `b` does not lie wholly inside its file. */
  private outside(b: number): boolean {
    const length = this.byteLength(b);
    return length > 0 && this.offsetOf(b) + length > this.fileOf(b).size;
  }

  close(): void {
    for (const f of this.files) if (f.fd >= 0) fs.closeSync(f.fd);
  }
}

/** Reads `into.byteLength` bytes at `at` of `fd` into `into`; false when the file ends first. */
export function readFully(fd: number, into: ArrayBufferView, at: number): boolean {
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
 * into it by its ByteWriter). Or, for a bucket that did not change, where an earlier save left it (refer).
 */
export class BucketSink {
  private crc = 0;
  /** Bytes written so far. */
  length = 0;
  /** Set when the bucket is not written but referred to where it lies (refer). */
  referred: BucketPlace | undefined;

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

  /** The bucket is the one at `place`, in an earlier save's file: nothing is written. */
  refer(place: BucketPlace): void {
    this.referred = place;
  }

  get checksum(): number {
    return this.crc;
  }
}

/**
 * Writes files of this layout side by side, bucket by bucket: `fill(b, sinks)` writes bucket
 * `b` of file `i` into `sinks[i]` (a file's buckets can be made from the same records as
 * another's: the records and their lookup keys), straight to disk as it is made, or refers to
 * where an earlier save of the same kind of file left it. Each file is written atomically (a
 * crash leaves the previous one), all complete before any is renamed in, the first one last: a
 * summary names it, and the others are found beside it. Returns the tokens of the files the
 * new files' buckets lie in (theirs first): the saves whose files must be kept.
 */
export async function writeRecordsFiles(files: string[], buckets: number, fill: (b: number, sinks: BucketSink[]) => Promise<void>): Promise<string[]> {
  const outputs = files.map((file) => {
    const header = Buffer.alloc(headerSize(buckets));
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(buckets, 4);
    return { header, fd: -1, at: header.length, tokens: [tokenOf(file)] };
  });
  const fillAll = async () => {
    for (let b = 0; b < buckets; b++) {
      const sinks = outputs.map((o) => new BucketSink(o.fd, o.at));
      await fill(b, sinks);
      outputs.forEach((o, i) => {
        const { referred, length, checksum } = sinks[i];
        let file = 0;
        if (referred) {
          file = o.tokens.indexOf(referred.token);
          if (file < 0) file = o.tokens.push(referred.token) - 1;
          if (file >= MAX_FILES) throw new Error(`a save would refer to more than ${MAX_FILES} files`);
        }
        // An empty bucket keeps length 0 and checksum 0.
        o.header.writeUInt32LE(referred ? referred.length : length, entryAt(b));
        o.header.writeUInt32LE(referred ? referred.crc : checksum, entryAt(b) + 4);
        o.header.writeUInt32LE(file, entryAt(b) + 8);
        o.header.writeDoubleLE(referred ? referred.offset : o.at, entryAt(b) + 16);
        if (!referred) o.at += length;
      });
    }
    for (const o of outputs) {
      o.header.writeUInt32LE(o.tokens.length, 8);
      o.tokens.forEach((t, i) => o.header.write(t, tokensAt(buckets) + TOKEN_BYTES * i, 'latin1'));
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
  return [...new Set(outputs.flatMap((o) => o.tokens))];
}

/** writeFileSync would truncate; writeSync at a position may write less, so loop. */
export function writeAt(fd: number, data: Uint8Array, at: number): void {
  for (let done = 0; done < data.length; ) done += fs.writeSync(fd, data, done, data.length - done, at + done);
}

