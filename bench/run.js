// `npm run bench`: runs every bench/*.bench.ts (built to out/bench) in turn. Each prints its
// figures beside a baseline measured in the same run (ripgrep, sha256sum, curl) and the ratio.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const dir = path.join(__dirname, '..', 'out', 'bench');
// `npm run bench -- [NAME] [--scale 100k|300k|1m]`: NAME picks benches by substring; the scale
// reaches the benches that generate a workspace as REFSCOPE_BENCH_SCALE.
const args = process.argv.slice(2);
const scaleAt = args.indexOf('--scale');
const scale = scaleAt === -1 ? '100k' : args.splice(scaleAt, 2)[1];
if (!/^\d+[km]$/.test(scale ?? '')) {
  console.error(`--scale takes a size such as 100k, 300k or 1m, not ${scale}`);
  process.exit(2);
}
const only = args[0];
const benches = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js') && (!only || f.includes(only))).sort() : [];
if (benches.length === 0) {
  console.error('no benchmarks built (expected out/bench/*.bench.js)');
  process.exit(1);
}
let failed = 0;
for (const b of benches) {
  console.log(`\n### ${b.replace('.bench.js', '')}`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, b)], { stdio: 'inherit', env: { ...process.env, REFSCOPE_BENCH_SCALE: scale } });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
