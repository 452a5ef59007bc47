// A test that needs a tool a developer's machine may lack (nvim, python3, a tmpfs mount) skips
// there, saying why; in CI (CI=true), where .ci/run installs every such tool, the same gap is
// a failure, so a test can never pass CI by being skipped.
import type { Context } from 'mocha';

export function skipOutsideCi(test: Context, why: string): never {
  if (process.env.CI === 'true') throw new Error(`${why}; CI runs every test (.ci/run must provide what it needs)`);
  console.log(`      (skipped: ${why})`);
  test.skip();
}
