// One open, one fstat, one read per file: readers run over 100k files, so size, mtime and
// bytes come from the same descriptor, and content over the parse cap is hashed in 1 MiB
// chunks instead of being held in memory.
import * as fs from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { sha256Hex } from './sha256';

const CHUNK = 1024 * 1024;

export interface FileBytes {
  size: number;
  mtimeMs: number;
  /** The whole content, when it is at most the cap. */
  bytes?: Buffer;
  /** sha256 hex of the content (only when requested). */
  sha256?: string;
}

export class UnreadableError extends Error {
  constructor(
    message: string,
    /** The file does not exist (any more). */
    readonly gone = false,
  ) {
    super(message);
  }
}

function unreadable(err: unknown, path: string): UnreadableError {
  return new UnreadableError(describe(err, path), (err as NodeJS.ErrnoException).code === 'ENOENT');
}

/**
 * Store files are opened without following a final symlink (where the platform allows it), and
 * never block: a FIFO named like a log would otherwise hang indexing until a writer appears.
 */
function openNoFollow(path: string, follow = false): number {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  return fs.openSync(path, O_RDONLY | (O_NONBLOCK ?? 0) | (follow ? 0 : (O_NOFOLLOW ?? 0)));
}

function describe(err: unknown, path: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return `cannot read ${path}: the file is gone`;
    case 'EACCES':
    case 'EPERM': return `cannot read ${path}: permission denied`;
    case 'ELOOP': return `cannot read ${path}: it is a symbolic link (store files are never read through one) or a symlink loop`;
    case 'EISDIR': return `cannot read ${path}: it is a directory`;
    default: return `cannot read ${path}: ${e.message ?? String(err)}`;
  }
}

export interface OpenFile {
  fd: number;
  size: number;
  mtimeMs: number;
}

/** Opens a regular file for reading (a final symlink not followed unless `followSymlink`). Throws UnreadableError. */
export function openRegularFile(path: string, followSymlink = false): OpenFile {
  let fd: number;
  try {
    fd = openNoFollow(path, followSymlink);
  } catch (err) {
    throw unreadable(err, path);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnreadableError(`cannot read ${path}: not a regular file`);
    return { fd, size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    fs.closeSync(fd);
    if (err instanceof UnreadableError) throw err;
    throw unreadable(err, path);
  }
}

/** Up to `length` bytes at `position` (fewer if the file is shorter now). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  const got = readAtInto(fd, position, bytes, 0, length);
  return got === length ? bytes : bytes.subarray(0, got);
}

/** Reads up to `length` bytes at `position` into `into` from `offset`; returns how many (fewer if the file is shorter now). */
export function readAtInto(fd: number, position: number, into: Buffer, offset: number, length: number): number {
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, into, offset + got, length - got, position + got);
    if (n === 0) break; // truncated while we read: keep what is there
    got += n;
  }
  return got;
}

/** Where a reader's file bytes come from: readFileBytes, or bytes a prefetch worker read ahead the same way. */
export type ReadBytes = typeof readFileBytes;

/**
 * Reads `path` whole when its size is at most `cap`; above the cap, streams it through
 * sha256 when `hashLarge` (else reads nothing). `hashAll` also hashes content read whole.
 * Throws UnreadableError with a message for users.
 */
export function readFileBytes(
  path: string,
  cap: number,
  opts: { hashLarge?: boolean; hashAll?: boolean; followSymlink?: boolean } = {},
): FileBytes {
  const { fd, size, mtimeMs } = openRegularFile(path, opts.followSymlink);
  try {
    const result: FileBytes = { size, mtimeMs };
    if (size <= cap) {
      result.bytes = readAt(fd, 0, size);
      if (opts.hashAll) result.sha256 = sha256Hex(result.bytes);
    } else if (opts.hashLarge) {
      result.sha256 = hashFd(fd, [createHash('sha256')])[0];
    }
    return result;
  } catch (err) {
    throw unreadable(err, path);
  } finally {
    fs.closeSync(fd);
  }
}

/** Feeds the whole file through each hasher (1 MiB readSync chunks); returns their hex digests. */
export function hashFd(fd: number, hashers: Hash[]): string[] {
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    const chunk = n === CHUNK ? buf : buf.subarray(0, n);
    for (const h of hashers) h.update(chunk);
    pos += n;
  }
  return hashers.map((h) => h.digest('hex'));
}

/**
 * What sha256OfFile reads a file into, one buffer for every call (each is synchronous): `verify`
 * hashes a million artifacts, and memory outside the heap allocated per file has V8 collect a
 * heap of every saved record again and again.
 */
let wholeFile: Buffer | undefined;

/** The sha256 (hex) of the file at `path` (not following a final symlink): one read for a file under 1 MiB, else streamed. */
export function sha256OfFile(path: string): string {
  const { fd } = openRegularFile(path);
  try {
    const buf = (wholeFile ??= Buffer.allocUnsafe(CHUNK));
    const got = readAtInto(fd, 0, buf, 0, CHUNK);
    return got < CHUNK ? sha256Hex(buf.subarray(0, got)) : hashFd(fd, [createHash('sha256')])[0];
  } catch (err) {
    throw unreadable(err, path);
  } finally {
    fs.closeSync(fd);
  }
}

/** Streams the file at `path` (not following a final symlink) through the hashers. */
export function hashFile(path: string, hashers: Hash[]): { digests: string[]; size: number } {
  const { fd, size } = openRegularFile(path);
  try {
    return { digests: hashFd(fd, hashers), size };
  } catch (err) {
    throw unreadable(err, path);
  } finally {
    fs.closeSync(fd);
  }
}

/** Binary content: a NUL byte in the first 8 KB (as git decides). */
export function looksBinary(bytes: Buffer): boolean {
  const end = Math.min(bytes.length, 8192);
  return bytes.subarray(0, end).includes(0);
}
