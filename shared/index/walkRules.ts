// What every walk of a workspace (discovery, the server's own watcher) agrees on: the folders
// never entered, the name of a content-addressed file, which is written once (CONTRACT 1.3), and
// how long before a listing a folder's modification time must lie to be trusted.

/** Folders no walk enters: dependencies and version control never hold evidence. */
export const ALWAYS_SKIPPED: ReadonlySet<string> = new Set(['node_modules', '.git']);

/** `<sha256 hex>[.<ext>]`: a content-addressed file, named by the hash of its bytes. */
export const HEX64_FILE = /^[0-9a-f]{64}(\.[^/]+)?$/;

/**
 * A folder changed this close before its listing began is not trusted to be as listed: file
 * systems keep mtimes in ticks (a few ms on ext4, 2 s on FAT), so an entry added later in the
 * same tick would leave the time as it was.
 */
export const RACY_MS = 2000;
