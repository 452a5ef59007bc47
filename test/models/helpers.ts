// Shared by the model-store tests: temp state dirs, content with known digests, and waiting
// for a condition with a deadline (never a fixed sleep).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';

export function tempDir(prefix = 'refscope-models-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function content(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** Every name under `<state>/models` (relative), sorted, for asserting "nothing else is there". */
export function modelsListing(stateDir: string): string[] {
  const root = path.join(stateDir, 'models');
  if (!fs.existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Set a file's mtime `days` in the past. */
export function age(file: string, days: number): void {
  const t = new Date(Date.now() - days * 86_400_000);
  fs.utimesSync(file, t, t);
}

export const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');
