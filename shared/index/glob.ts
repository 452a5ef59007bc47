// Exclude patterns (`files.exclude`, `refscope.exclude`, `--exclude`) in VS Code's glob
// dialect, matched by picomatch: `*`, `?`, `**`, `{a,b}` and `[...]` / `[!...]`, against a
// path relative to its workspace folder with `/` separators. As in VS Code, `*` also matches
// names that start with a dot, and a pattern without `/` matches a name at any depth, as users
// expect of `node_modules` or `*.log`.
import picomatch from 'picomatch';

/** A predicate telling whether a folder-relative path is excluded (the walk skips an excluded folder's contents). */
export function compileExcludes(patterns: string[]): (relPath: string) => boolean {
  const globs: string[] = [];
  for (const raw of patterns) {
    const p = raw.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
    if (p) globs.push(p.includes('/') ? p : `**/${p}`);
  }
  if (globs.length === 0) return () => false;
  // posix: bracket expressions as VS Code reads them (`[!a]` negates; without it picomatch takes `!` literally).
  return picomatch(globs, { dot: true, posix: true });
}
