// `npm run package`: the production bundles (built by the npm script) packed into
// refscope-<version>.vsix at the repository root. The bundles carry their dependencies, so
// vsce runs with --no-dependencies. What ships is the allow-list in .vscodeignore; vsce is run
// on a staging copy of just those files, because letting it walk the repository (node_modules,
// out/, .git) to apply the list takes minutes.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const { version } = require(path.join(root, 'package.json'));
const out = path.join(root, `refscope-${version}.vsix`);

for (const f of ['dist/extension.js', 'dist/cli.js', 'dist/readWorker.js', 'dist/prefetchWorker.js', 'dist/watchWorker.js', 'dist/sql-wasm.wasm', 'syntaxes/refscope.injection.tmLanguage.json', 'LICENSE', 'README.md']) {
  if (!fs.existsSync(path.join(root, f))) {
    console.error(`refscope package: ${f} is missing; run \`npm run package\` (it builds first)`);
    process.exit(1);
  }
}

/** The `!path/glob` lines of .vscodeignore, as (folder, file-name pattern) pairs. */
function allowList() {
  return fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => {
      const rel = l.slice(1);
      const name = path.posix.basename(rel);
      return { dir: path.posix.dirname(rel), test: new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`) };
    });
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-vsix-'));
try {
  for (const { dir, test } of allowList()) {
    const from = path.join(root, dir);
    if (!fs.existsSync(from)) continue;
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (!e.isFile() || !test.test(e.name)) continue;
      fs.mkdirSync(path.join(stage, dir), { recursive: true });
      fs.copyFileSync(path.join(from, e.name), path.join(stage, dir, e.name));
    }
  }
  fs.copyFileSync(path.join(root, '.vscodeignore'), path.join(stage, '.vscodeignore'));
  const vsce = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--no-update-package-json', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { cwd: stage, stdio: 'inherit' });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const bytes = fs.statSync(out).size;
console.log(`${path.basename(out)}: ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes)`);
