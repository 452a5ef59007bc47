// `npm start`: write the demo workspace (once), then show what Refscope makes of it: the
// index summary and the trace of one request.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const cli = path.join(root, 'dist', 'cli.js');
const demo = path.join(root, 'demo-workspace');
const run = (args, opts = {}) => execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...opts });

if (!fs.existsSync(demo)) run(['demo', demo]);
process.stdout.write(run(['index', '--workspace', demo]));
const requests = JSON.parse(run(['index', '--workspace', demo, '--json', '--list-requests']));
if (requests.length) process.stdout.write('\n' + run(['trace', requests[0].ref, '--workspace', demo]));
