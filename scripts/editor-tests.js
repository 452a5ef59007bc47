// The real-editor part of `npm test`: the extension in code-server (real VS Code workbench and
// extension host) driven by Debian's Chromium. First the mocha suite in test/editor runs
// inside the extension host (through VS Code's test payload hook), then the UI smoke test in
// test/ui clicks through the workbench. Returns {passed, failed}; a setup that cannot run
// (no network for the first install, no Chromium) counts as a failure with its reason.
const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const { execFileSync } = require('child_process');
const { startCodeServer, launchChromium, ensureCodeServer, installVsix } = require('./codeServer');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const suiteEntry = path.join(root, 'out', 'test', 'editor', 'index.js');
const outputDir = path.join(root, '.test-output');

function log(msg) {
  console.log(`[editor] ${msg}`);
}

// Temporary folders of this run, removed at the end.
const scratch = [];
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** The demo workspace, and beside it the generator's own summary (what it planted where) that the editor tests expect. */
function writeDemoWorkspace(label) {
  const dir = tempDir(`refscope-${label}-`);
  const ws = path.join(dir, 'demo');
  const summary = path.join(dir, 'demo-summary.json');
  fs.writeFileSync(summary, execFileSync(process.execPath, [cli, 'demo', ws, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  return { ws, summary };
}

/** The URL that opens `folder` with the repository loaded as the extension under development. */
function workbenchUrl(port, folder, { testsPath, env } = {}) {
  const remote = (p) => `vscode-remote://remote${p}`; // code-server's fixed remote authority
  const payload = [['extensionDevelopmentPath', remote(root)], ['skipWelcome', 'true'], ['skipReleaseNotes', 'true']];
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  if (env) payload.push(['extensionEnvironment', JSON.stringify(env)]);
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Runs test/editor inside the extension host; the page reports the suite's exit code. */
async function runExtensionHostSuite(browser, server) {
  const { ws, summary } = writeDemoWorkspace('editor');
  const resultsFile = path.join(path.dirname(ws), 'results.json');
  const page = await browser.newPage();
  let exit;
  const exited = new Promise((resolve) => (exit = resolve));
  await page.exposeFunction('codeAutomationExit', (code) => exit(code));
  page.on('console', async (m) => {
    // Mocha's reporter logs format strings ('%s (%dms)'): format them with their arguments.
    let text;
    try {
      text = util.format(...(await Promise.all(m.args().map((a) => a.jsonValue()))));
    } catch {
      text = m.text();
    }
    text = text.replace(/%c/g, '').replace(/color: #?\w+;?/g, '').replace(/%s \(%dms\) |%s |%d /g, '').trim();
    if (process.env.VERBOSE || /Extension Host|passing|failing|pending|✓|✔|^\s*\d+\) |Error|^Warning:/.test(text)) console.log(`[editor]   ${text}`);
  });
  const timeoutMs = Number(process.env.REFSCOPE_EDITOR_TIMEOUT_MS || 180000);
  await page.goto(workbenchUrl(server.port, ws, { testsPath: suiteEntry, env: {
    REFSCOPE_EDITOR_RESULTS: resultsFile,
    REFSCOPE_DEMO_SUMMARY: summary,
    ...(process.env.REFSCOPE_TEST_GREP ? { REFSCOPE_TEST_GREP: process.env.REFSCOPE_TEST_GREP } : {}),
  } }));
  let timer;
  const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)))]);
  clearTimeout(timer);
  await page.close();
  if (fs.existsSync(resultsFile)) {
    const stats = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    for (const f of stats.failures) log(`FAILED ${f}`);
    log(`extension-host suite: ${stats.passed} passed, ${stats.failed} failed (exit ${code})`);
    return { passed: stats.passed, failed: stats.failed + (stats.failed === 0 && code !== 0 ? 1 : 0) };
  }
  const serverLog = fs.existsSync(server.logFile) ? fs.readFileSync(server.logFile, 'utf8').slice(-3000) : '';
  log(`extension-host suite did not report results (exit ${code}); code-server log ends:\n${serverLog}`);
  return { passed: 0, failed: 1 };
}

/** The .vsix `npm run package` makes, installed into a fresh extensions folder as a user would. */
function installPackagedExtension() {
  execFileSync(process.execPath, [path.join(__dirname, 'package.js')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const { version } = require(path.join(root, 'package.json'));
  const extensionsDir = tempDir('refscope-extensions-');
  installVsix(path.join(root, `refscope-${version}.vsix`), extensionsDir);
  return extensionsDir;
}

/** The UI smoke test drives the installed .vsix (no development path), the way users get it. */
async function runUiSmoke(browser, server) {
  const { ws } = writeDemoWorkspace('ui');
  fs.mkdirSync(outputDir, { recursive: true });
  const { runSmoke } = require('../test/ui/smoke');
  return runSmoke({ browser, url: `${server.url}/?folder=${encodeURIComponent(ws)}`, workspace: ws, outputDir, log: (m) => log(`  ${m}`) });
}

/** `uiOnly`: skip the extension-host suite (`node scripts/editor-tests.js --ui-only`, to repeat the smoke test alone). */
async function runEditorTests({ uiOnly = false } = {}) {
  const t0 = Date.now();
  let server;
  let browser;
  try {
    ensureCodeServer({ chromium: true });
    const extensionsDir = installPackagedExtension();
    server = await startCodeServer({ testDriver: true, extensionsDir });
    browser = await launchChromium();
    log(`code-server ready at ${server.url} (${((Date.now() - t0) / 1000).toFixed(1)} s incl. setup)`);
    const suite = uiOnly ? { passed: 0, failed: 0 } : await runExtensionHostSuite(browser, server);
    const ui = await runUiSmoke(browser, server);
    log(`UI smoke: ${ui.passed} passed, ${ui.failed} failed`);
    log(`real-editor part took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { passed: suite.passed + ui.passed, failed: suite.failed + ui.failed };
  } catch (err) {
    log(`real-editor setup or run failed: ${err && err.stack ? err.stack : err}`);
    return { passed: 0, failed: 1 };
  } finally {
    if (browser) await browser.close().catch(() => undefined);
    if (server) await server.stop();
    for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { runEditorTests, workbenchUrl };

if (require.main === module) {
  runEditorTests({ uiOnly: process.argv.includes('--ui-only') }).then(({ passed, failed }) => {
    console.log(`\n${passed} passed, ${failed} failed`);
    process.exit(failed > 0 || passed === 0 ? 1 : 0);
  }, (err) => {
    console.error(err);
    process.exit(1);
  });
}
