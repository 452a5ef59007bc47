// Real temp folders for reader tests, and writers that produce evidence exactly as the
// runtimes do (canonical JSON named by its sha256, hash-chained audit lines).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonicalJson';
import type { ReadContext } from '../../shared/readers/types';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function makeTmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `refscope-${name}-`));
}

export function removeTmp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function write(file: string, content: string | Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A canonical JSON artifact named by its sha256, as runtimes write them. */
export function writeArtifact(root: string, namespace: string, value: unknown): { file: string; digest: string } {
  const text = canonicalJson(value);
  const digest = sha256Hex(text);
  return { file: write(path.join(root, 'artifacts', ...namespace.split('/'), `${digest}.json`), text), digest };
}

export const GENESIS = 'sha256:' + '0'.repeat(64);

/** Hash-chained audit lines (CONTRACT 1.4.1) for these events. */
export function auditLines(events: unknown[]): string[] {
  let prev = GENESIS;
  return events.map((event) => {
    const hash = 'sha256:' + sha256Hex(canonicalJson({ prev_hash: prev, event }));
    const line = JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event });
    prev = hash;
    return line;
  });
}

export function ctxFor(root: string, extra: Partial<ReadContext> = {}): ReadContext {
  return { root, maxParseBytes: 8 * 1024 * 1024, ...extra };
}

/** Lists every file under `dir` with its mtime, to prove a reader wrote nothing. */
export function snapshotTree(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.lstatSync(p);
        out.push(`${p} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort().join('\n');
}
