// Debian's tinyproxy as a real proxy for pull tests, on a free port with its own config in a
// temp dir. It runs in its own mount namespace where /etc/hosts also maps `hostNames` to
// 127.0.0.1: names only the proxy can resolve, so a pull that reaches them went through it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from './helpers';

export interface Tinyproxy {
  url: string;
  /** tinyproxy's log so far (its CONNECT and request lines). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startTinyproxy(hostNames: string[]): Promise<Tinyproxy> {
  if (spawnSync('sh', ['-c', 'command -v tinyproxy']).status !== 0) throw new Error('tinyproxy is not installed (apt-get install tinyproxy; .ci/run installs it)');
  const dir = tempDir('refscope-tinyproxy-');
  const port = await freePort();
  const logFile = path.join(dir, 'tinyproxy.log');
  const hosts = path.join(dir, 'hosts');
  fs.writeFileSync(hosts, ['127.0.0.1 localhost', ...hostNames.map((h) => `127.0.0.1 ${h}`)].join('\n') + '\n');
  // No ConnectPort line: CONNECT to any port (the model server's is random).
  fs.writeFileSync(
    path.join(dir, 'tinyproxy.conf'),
    [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 30', `LogFile "${logFile}"`, 'LogLevel Connect', 'MaxClients 20', 'Allow 127.0.0.1', 'DisableViaHeader Yes'].join('\n') + '\n',
  );
  fs.writeFileSync(logFile, '');
  fs.chmodSync(dir, 0o777);
  fs.chmodSync(logFile, 0o666);
  const script = `mount --bind "$1" /etc/hosts && exec tinyproxy -d -c "$2"`;
  const child: ChildProcess = spawn('unshare', ['--mount', 'sh', '-c', script, 'sh', hosts, path.join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) throw new Error(`tinyproxy did not start listening: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => fs.readFileSync(logFile, 'utf8'),
    stop: async () => {
      if (!exited) {
        child.kill();
        await new Promise((resolve) => child.once('exit', resolve));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
