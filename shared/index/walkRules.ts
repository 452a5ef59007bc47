// What every walk of a workspace (discovery, the server's own watcher) agrees on: the folders
// never entered, and the name of a content-addressed file, which is written once (CONTRACT 1.3).

/** Folders no walk enters: dependencies and version control never hold evidence. */
export const ALWAYS_SKIPPED: ReadonlySet<string> = new Set(['node_modules', '.git']);

/** `<sha256 hex>[.<ext>]`: a content-addressed file, named by the hash of its bytes. */
export const HEX64_FILE = /^[0-9a-f]{64}(\.[^/]+)?$/;
