// A cold build of the index runs in a child process started with the language server's malloc
// setting (shared/serverEnv.ts). glibc reads it only when a process starts, so a command cannot
// give it to itself: it starts itself again once, with the setting in its environment. Without
// it, the columns a cold build grows and the rows the log worker posts are big blocks that glibc
// keeps resident after they are freed. The child inherits stdin, stdout and stderr, so what it
// prints is what the command prints; this process has printed nothing, and only waits, passes on
// the signals sent to it, and ends as the child ends (its exit code, or the signal that killed it).
// A warm start (a saved index in the cache) stays in this process: its peak is a third of a
// cold one's, and a second process start costs it 0.1-0.2 s.
import { spawn, type ChildProcess } from 'node:child_process';
import { SERVER_MALLOC_ENV, serverEnv } from '../serverEnv';
import { hasSavedIndex } from '../index/persist';

/** Signals passed on to the child (one a terminal sends to the process group reaches it directly too; it ends on the first). */
const PASSED_ON: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Whether a build into `cacheDir` should run in a child with the malloc setting: on Linux (other
 * systems' malloc does not read it), when the cache holds no saved index (a cold build), unless
 * the environment has the setting already (the child itself, or the user's own tuning).
 */
export function wantsMallocChild(cacheDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return false;
  if (Object.keys(SERVER_MALLOC_ENV).some((name) => env[name] !== undefined)) return false;
  return !hasSavedIndex(cacheDir);
}

/**
 * Runs this process's command line (node's own flags included) in a child with the malloc
 * setting, and ends this process as the child ends: never resolves then. Resolves when no child
 * could start, for the caller to build here.
 */
export function runInMallocChild(): Promise<void> {
  return new Promise<void>((buildHere) => {
    let child: ChildProcess | undefined;
    const passOn = (signal: NodeJS.Signals): void => {
      if (child?.pid !== undefined) child.kill(signal);
      else {
        // No child to pass it on to (it failed to start): this process ends of it, as it would have.
        stopPassing();
        process.kill(process.pid, signal);
      }
    };
    // Listening before the child starts: a signal that came while it started would otherwise end
    // this process alone, and leave the child building (a signal handler runs only after spawn returns).
    for (const s of PASSED_ON) process.on(s, passOn);
    const stopPassing = (): void => {
      for (const s of PASSED_ON) process.off(s, passOn);
    };
    let started = false;
    let here = false;
    const instead = (): void => {
      if (started || here) return;
      here = true;
      stopPassing();
      buildHere();
    };
    try {
      child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: serverEnv(process.env) });
    } catch {
      instead();
      return;
    }
    child.once('spawn', () => {
      started = true;
    });
    // Also emitted when a signal cannot be passed on (the child just ended): only a child that never started is built for here.
    child.on('error', instead);
    child.once('exit', (code, signal) => {
      if (!started) return;
      stopPassing();
      // Killed: this process dies of the same signal, as it would have building in itself.
      if (signal) process.kill(process.pid, signal);
      else process.exit(code ?? 1);
    });
  });
}
