// The same extension-host suite (test/editor) under @vscode/test-electron, for machines that
// can download VS Code (a developer's laptop, CI with internet). These offline machines
// cannot, so `npm test` runs the suite in code-server instead (scripts/editor-tests.js); both
// load out/test/editor/index.js through the one `exports.run()` entry.
// usage: npm run test:electron   [VSCODE_VERSION=stable|1.96.0]
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { runTests } = require('@vscode/test-electron');

const root = path.join(__dirname, '..');

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-electron-'));
  const ws = path.join(dir, 'demo');
  const resultsFile = path.join(dir, 'results.json');
  // The generator's own summary (what it planted where) is what the editor tests expect.
  const summary = path.join(dir, 'demo-summary.json');
  fs.writeFileSync(summary, execFileSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'demo', ws, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let code = 0;
  try {
    await runTests({
      version: process.env.VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'test', 'editor', 'index.js'),
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { REFSCOPE_EDITOR_RESULTS: resultsFile, REFSCOPE_DEMO_SUMMARY: summary },
    });
  } catch (err) {
    console.error(`refscope: the editor suite failed under test-electron: ${err.message || err}`);
    code = 1;
  }
  const stats = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : { passed: 0, failed: 1 };
  console.log(`\n${stats.passed} passed, ${stats.failed} failed`);
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code || (stats.failed ? 1 : 0));
})();
