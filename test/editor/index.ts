// The real-editor suite's entry, in the `exports.run()` shape VS Code's extension host calls
// for `extensionTestsPath` (under @vscode/test-electron, and under code-server's test payload
// in scripts/editor-tests.js). Runs every *.test.js beside it with mocha and, when
// REFSCOPE_EDITOR_RESULTS names a file, writes the counts there for the closing total.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60000, color: false, reporter: 'spec' });
  const grep = process.env.REFSCOPE_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, f));
  }
  const stats = await new Promise<{ passed: number; failed: number; failures: string[] }>((resolve) => {
    const failures: string[] = [];
    const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, failures }));
    runner.on('fail', (test, err: Error) => failures.push(`${test.fullTitle()}: ${err.message}`));
  });
  const resultsFile = process.env.REFSCOPE_EDITOR_RESULTS;
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(stats));
  if (stats.failed > 0) throw new Error(`${stats.failed} editor test(s) failed`);
}
