// Cross-process exclusion for one digest: `<models>/<sha256>.lock`, created with O_EXCL and
// holding the owner's pid. A second process waits for it (then finds the blob cached); a
// lock whose owner is dead is taken over, so a SIGKILLed pull never blocks the store.
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errnoCode, PullError } from './errors';

export interface HeldLock {
  release(): void;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // in-process pulls of one digest are single-flighted, so a lock naming us is a leftover
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isNaN(pid) ? undefined : pid;
  } catch {
    return undefined;
  }
}

function tryCreate(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'wx', 0o644);
    fs.writeSync(fd, `${process.pid}\n`);
    fs.closeSync(fd);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Remove a lock left by a dead process. The lock is first renamed aside, so of two processes
 * taking it over only one succeeds; if what was renamed is not the dead owner's lock (someone
 * took it over in between), it is put back.
 */
function takeOverStale(file: string, deadPid: number): void {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // already gone or taken by another process
  }
  if (readOwner(aside) !== deadPid) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // A new lock appeared meanwhile: its owner holds it.
    }
  }
  fs.rmSync(aside, { force: true });
}

/** An empty lock file (a writer killed between create and write) older than this is stale. */
const EMPTY_LOCK_GRACE_MS = 5000;

/** Wait (polling) until this process holds the lock for `file`, or the signal aborts. */
export async function acquireLock(file: string, signal: AbortSignal | undefined, pollMs = 50, onWait?: (ownerPid: number | undefined) => void): Promise<HeldLock> {
  let announced = false;
  for (;;) {
    if (signal?.aborted) throw new PullError('cancelled', 'pull cancelled while waiting for another process');
    if (tryCreate(file)) {
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (readOwner(file) === process.pid) fs.rmSync(file, { force: true });
        },
      };
    }
    const owner = readOwner(file);
    if (owner !== undefined && !pidAlive(owner)) {
      takeOverStale(file, owner);
      continue;
    }
    if (owner === undefined) {
      const age = (() => {
        try {
          return Date.now() - fs.statSync(file).mtimeMs;
        } catch {
          return 0;
        }
      })();
      if (age > EMPTY_LOCK_GRACE_MS) fs.rmSync(file, { force: true });
    }
    if (!announced) {
      announced = true;
      onWait?.(owner);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** True when a live process holds the lock (GC treats such a digest as in use). */
export function lockHeld(file: string): boolean {
  if (!fs.existsSync(file)) return false; // the common case, answered without an exception
  const owner = readOwner(file);
  if (owner === undefined) return fs.existsSync(file);
  return owner === process.pid || pidAlive(owner);
}
