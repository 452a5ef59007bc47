// One open, one fstat, one read per file: readers run over 100k files, so size, mtime and
// bytes come from the same descriptor, and content over the parse cap is hashed in 1 MiB
// chunks instead of being held in memory.
import * as fs from 'node:fs';
import { createHash, type Hash } from 'node:crypto';

const CHUNK = 1024 * 1024;

export interface FileBytes {
  size: number;
  mtimeMs: number;
  /** The whole content, when it is at most the cap. */
  bytes?: Buffer;
  /** sha256 hex of the content (only when requested). */
  sha256?: string;
}

export class UnreadableError extends Error {}

/** Store files are opened without following a final symlink (where the platform allows it). */
function openNoFollow(path: string, follow = false): number {
  return fs.openSync(path, fs.constants.O_RDONLY | (follow ? 0 : (fs.constants.O_NOFOLLOW ?? 0)));
}

function describe(err: unknown, path: string): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT': return `cannot read ${path}: the file is gone`;
    case 'EACCES':
    case 'EPERM': return `cannot read ${path}: permission denied`;
    case 'ELOOP': return `cannot read ${path}: it is a symbolic link (not followed)`;
    case 'EISDIR': return `cannot read ${path}: it is a directory`;
    default: return `cannot read ${path}: ${e.message ?? String(err)}`;
  }
}

/**
 * Reads `path` whole when its size is at most `cap`; above the cap, streams it through
 * sha256 when `hashLarge` (else reads nothing). `hashAll` also hashes content read whole.
 * Throws UnreadableError with a message for users.
 */
export function readFileBytes(path: string, cap: number, opts: { hashLarge?: boolean; hashAll?: boolean; from?: number; followSymlink?: boolean } = {},): FileBytes {
  let fd: number;
  try {
    fd = openNoFollow(path, opts.followSymlink);
  } catch (err) {
    throw new UnreadableError(describe(err, path));
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new UnreadableError(`cannot read ${path}: not a regular file`);
    const from = Math.min(opts.from ?? 0, st.size);
    const result: FileBytes = { size: st.size, mtimeMs: st.mtimeMs };
    const length = st.size - from;
    if (length <= cap) {
      const bytes = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, bytes, got, length - got, from + got);
        if (n === 0) break; // truncated while we read: keep what is there
        got += n;
      }
      result.bytes = got === length ? bytes : bytes.subarray(0, got);
      if (opts.hashAll) result.sha256 = createHash('sha256').update(result.bytes).digest('hex');
    } else if (opts.hashLarge) {
      result.sha256 = hashFd(fd, [createHash('sha256')])[0];
    }
    return result;
  } catch (err) {
    if (err instanceof UnreadableError) throw err;
    throw new UnreadableError(describe(err, path));
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

/** Streams the file at `path` (not following a final symlink) through the hashers. */
export function hashFile(path: string, hashers: Hash[]): { digests: string[]; size: number } {
  let fd: number;
  try {
    fd = openNoFollow(path);
  } catch (err) {
    throw new UnreadableError(describe(err, path));
  }
  try {
    const size = fs.fstatSync(fd).size;
    return { digests: hashFd(fd, hashers), size };
  } catch (err) {
    throw new UnreadableError(describe(err, path));
  } finally {
    fs.closeSync(fd);
  }
}

/** Binary content: a NUL byte in the first 8 KB (as git decides). */
export function looksBinary(bytes: Buffer): boolean {
  const end = Math.min(bytes.length, 8192);
  return bytes.subarray(0, end).includes(0);
}
