// Where the persistent index lives when no cache folder is given (CONTRACT 4): one folder per
// workspace under $XDG_CACHE_HOME/refscope or ~/.cache/refscope; the CLI and the language
// server agree on it, so either reuses what the other saved.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultCacheDir(workspace: string): string {
  const base = process.env.XDG_CACHE_HOME ? process.env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  const id = createHash('sha256').update(workspace).digest('hex').slice(0, 16);
  return path.join(base, 'refscope', `${path.basename(workspace) || 'root'}-${id}`);
}
