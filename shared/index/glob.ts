// A small glob matcher for exclude patterns (`files.exclude`, `refscope.exclude`): `**`, `*`,
// `?`, `{a,b}` and `[...]`, matched against a path relative to its workspace folder with `/`
// separators. Enough for the patterns VS Code users write; a pattern without `/` matches a
// name at any depth, as users expect of `node_modules` or `*.log`.

function toRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else out += '.*';
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close === -1) out += '\\{';
      else {
        out += '(?:' + glob.slice(i + 1, close).split(',').map(toRegExpSource).join('|') + ')';
        i = close;
      }
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += '[' + body + ']';
        i = close;
      }
    } else out += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return out;
}

/** A predicate telling whether a folder-relative path (or any of its parents) is excluded. */
export function compileExcludes(patterns: string[]): (relPath: string) => boolean {
  const regs: RegExp[] = [];
  for (const raw of patterns) {
    let p = raw.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
    if (!p) continue;
    if (!p.includes('/')) p = '**/' + p;
    regs.push(new RegExp('^' + toRegExpSource(p) + '$'));
  }
  if (regs.length === 0) return () => false;
  return (relPath) => regs.some((r) => r.test(relPath));
}
