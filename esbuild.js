// One build for everything: the extension client, the CLI (which also hosts the language
// server: `refscope lsp --stdio`), and an unbundled transpile of sources + tests into out/
// so mocha runs the same modules the bundles are made of.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const root = __dirname;

function tsFilesUnder(dir) {
  const found = [];
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'fixtures') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) found.push(p);
    }
  };
  walk(path.join(root, dir));
  return found;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // jsonc-parser's `main` is a UMD build whose inner requires esbuild cannot follow: bundle its ES build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
};

async function main() {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  await Promise.all([
    esbuild.build({ ...common, entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
    esbuild.build({ ...common, entryPoints: ['server/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
    // The index's read pool starts its worker threads from this file, beside cli.js.
    esbuild.build({ ...common, entryPoints: ['shared/index/readWorker.ts'], outfile: 'dist/readWorker.js' }),
    // A cold CLI index reads artifact bytes ahead in a worker started from this file.
    esbuild.build({ ...common, entryPoints: ['shared/index/prefetchWorker.ts'], outfile: 'dist/prefetchWorker.js' }),
    // The server's file watcher reads the kernel's events in a worker thread started from this file.
    esbuild.build({ ...common, entryPoints: ['server/session/watchWorker.ts'], outfile: 'dist/watchWorker.js' }),
    esbuild.build({
      entryPoints: ['shared', 'server', 'client', 'test', 'bench'].flatMap(tsFilesUnder),
      outdir: 'out',
      outbase: '.',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'warning',
    }),
  ]);
  // sql.js finds its WASM beside the script that loads it.
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(root, 'dist', 'sql-wasm.wasm'));
  fs.chmodSync(path.join(root, 'dist', 'cli.js'), 0o755);
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
