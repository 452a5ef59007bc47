// Runs the built CLI (`demo`, `verify`) as a user does, and walks what it wrote.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DemoSummary } from '../../shared/demo/demoWorkspace';

const cli = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/** Runs `refscope <args>` (the built CLI) to completion. */
export function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runDemoCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCli(['demo', ...args]);
}

/** Writes a demo into a fresh temp folder and returns its JSON summary. */
export function writeDemo(extra: string[] = []): { dir: string; tmp: string; summary: DemoSummary } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-demo-'));
  const dir = path.join(tmp, 'ws');
  const r = runDemoCli([dir, '--json', ...extra]);
  if (r.status !== 0) throw new Error(`refscope demo failed (${r.status}): ${r.stderr}`);
  return { dir, tmp, summary: JSON.parse(r.stdout) as DemoSummary };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every regular file under `dir`, as paths relative to it with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

export function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n');
}
