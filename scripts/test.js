// `npm test`: every mocha suite under out/test (unit, CLI, protocol, pull/GC), then the
// real-editor suite (code-server + Chromium; skipped with REFSCOPE_SKIP_EDITOR=1), then one
// plain closing line `N passed, N failed` that CI counts.
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

const root = path.join(__dirname, '..');
const outTest = path.join(root, 'out', 'test');

function testFiles(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      // test/editor runs inside the extension host, not here.
      if (e.isDirectory()) { if (!(d === outTest && e.name === 'editor')) walk(p); }
      else if (e.name.endsWith('.test.js')) files.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return files.sort();
}

function runMocha(files, grep) {
  return new Promise((resolve) => {
    const mocha = new Mocha({ timeout: 60000, reporter: 'spec', color: false });
    if (grep) mocha.grep(grep);
    files.forEach((f) => mocha.addFile(f));
    const runner = mocha.run(() => resolve({ passed: runner.stats.passes, failed: runner.stats.failures }));
  });
}

async function runEditorSuite() {
  const script = path.join(root, 'scripts', 'editor-tests.js');
  if (process.env.REFSCOPE_SKIP_EDITOR === '1' || !fs.existsSync(script)) return { passed: 0, failed: 0 };
  return require(script).runEditorTests();
}

(async () => {
  const unit = await runMocha(testFiles(outTest), process.env.REFSCOPE_TEST_GREP);
  const editor = await runEditorSuite();
  const passed = unit.passed + editor.passed;
  const failed = unit.failed + editor.failed;
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
})().catch((err) => {
  console.error(err);
  console.log('\n0 passed, 1 failed');
  process.exit(1);
});
