// `npm run bench`: runs every bench/*.bench.ts (built to out/bench) in turn. Each prints its
// figures beside a baseline measured in the same run (ripgrep, sha256sum, curl) and the ratio.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = path.join(__dirname, '..', 'out', 'bench');
const only = process.argv[2];
const benches = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js') && (!only || f.includes(only))).sort() : [];
if (benches.length === 0) {
  console.error('no benchmarks built (expected out/bench/*.bench.js)');
  process.exit(1);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n### ${b.replace('.bench.js', '')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, b)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
