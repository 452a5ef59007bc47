// `npm start` (the npm script builds first): write the demo workspace (once), print what
// Refscope makes of it (the index summary and one request's trace), then open VS Code on it
// with the extension loaded: the desktop `code` when it is on PATH, else code-server from npm
// serving at 127.0.0.1 with the packaged extension installed. REFSCOPE_NO_EDITOR=1 (or CI=true)
// stops after the summary, so the command stays usable headless.
const fs = require('fs');
const path = require('path');
const { execFileSync, spawn, spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const demo = path.join(root, 'demo-workspace');
const run = (args) => execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

function printSummary() {
  if (!fs.existsSync(demo)) run(['demo', demo]);
  process.stdout.write(run(['index', '--workspace', demo]));
  const requests = JSON.parse(run(['index', '--workspace', demo, '--json', '--list-requests']));
  if (requests.length) process.stdout.write('\n' + run(['trace', requests[0].ref, '--workspace', demo]));
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function openDesktop() {
  console.log(`\nOpening VS Code on ${demo} with the extension loaded from ${root}…`);
  spawn('code', [`--extensionDevelopmentPath=${root}`, demo], { stdio: 'ignore', detached: true }).unref();
}

async function serveCodeServer() {
  const { installVsix, startCodeServer, cacheRoot } = require('./codeServer');
  console.log('\n`code` is not on PATH: serving VS Code (code-server) instead.');
  execFileSync(process.execPath, [path.join(__dirname, 'package.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { version } = require(path.join(root, 'package.json'));
  const extensionsDir = path.join(cacheRoot, 'start-extensions');
  installVsix(path.join(root, `refscope-${version}.vsix`), extensionsDir);
  const server = await startCodeServer({ extensionsDir, port: Number(process.env.REFSCOPE_PORT) || undefined, keepAlive: true });
  console.log(`\nRefscope is running in VS Code at:\n\n    ${server.url}/?folder=${encodeURIComponent(demo)}\n\nOpen that address in a browser; press Ctrl+C here to stop.`);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.child.on('exit', (code) => {
    console.error(`code-server stopped (exit ${code}); see ${server.logFile}`);
    process.exit(code ?? 1);
  });
}

(async () => {
  printSummary();
  if (process.env.REFSCOPE_NO_EDITOR === '1' || process.env.CI === 'true') return;
  if (onPath('code')) openDesktop();
  else await serveCodeServer();
})().catch((err) => {
  console.error(`refscope start: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
