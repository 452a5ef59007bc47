// Files that must never be seen half-written (manifests, metrics, the index cache): write a
// temp file in the target's own folder (a rename is atomic only within one file system, and
// nothing is written outside the folder the target belongs to), fsync it, rename it over the
// target, fsync the folder so the rename survives a power loss. A crash leaves the old or the
// new content, and at worst a stray dot-name ending in `.tmp` that no reader parses; a failed
// write removes its temp file and leaves the old content as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const fsyncAsync = promisify(fs.fsync);

/** Replace `target` with `data`, atomically and durably. */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const temp = openTemp(target);
  try {
    fs.writeFileSync(temp.fd, data);
    fs.fsyncSync(temp.fd);
  } catch (err) {
    abandon(temp);
    throw err;
  }
  renameIntoPlace(temp, target);
}

/**
 * Replace `target` with what `fill` writes to the open file descriptor it is given: for files
 * too large to hold in memory at once, written piece by piece. Atomic and durable like
 * `writeFileAtomic`; `fill` must not close the descriptor.
 */
export async function writeFileAtomicFrom(target: string, fill: (fd: number) => Promise<void>): Promise<void> {
  const temp = openTemp(target);
  try {
    await fill(temp.fd);
    // Off the event loop: flushing tens of megabytes can take a while, and a language server
    // saving its index must keep answering meanwhile.
    await fsyncAsync(temp.fd);
  } catch (err) {
    abandon(temp);
    throw err;
  }
  renameIntoPlace(temp, target);
}

/** Make a rename durable; some file systems refuse to open folders for fsync, which is harmless. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Not supported here; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

interface TempFile {
  file: string;
  fd: number;
}

function openTemp(target: string): TempFile {
  // Unique per process and call; `wx` never follows or reuses a name that is already there.
  const file = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  return { file, fd: fs.openSync(file, 'wx', 0o644) };
}

function abandon(temp: TempFile): void {
  fs.closeSync(temp.fd);
  fs.rmSync(temp.file, { force: true });
}

/** The temp file, written and fsynced, takes the target's name; then the folder is fsynced so the new name survives a crash. */
function renameIntoPlace(temp: TempFile, target: string): void {
  try {
    fs.closeSync(temp.fd);
    fs.renameSync(temp.file, target);
  } catch (err) {
    fs.rmSync(temp.file, { force: true });
    throw err;
  }
  fsyncDir(path.dirname(target));
}
