// Real temp workspaces for the index tests: artifacts written as runtimes write them
// (canonical JSON named by its sha256), hash-chained audit logs, plain JSONL logs, SQLite
// event stores, file stores and model stores.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { blake3 } from 'hash-wasm';
import { canonicalJson } from '../../shared/canonicalJson';
import type { FileRecord } from '../../shared/records';

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
export const ZERO = 'sha256:' + '0'.repeat(64);
/** A deterministic sequence in [0, 1) from `seed`, so a randomized test fails the same way each run. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `n` as a digest's 64 hex characters (tests that need many distinct digests). */
export const digestOf = (n: number) => n.toString(16).padStart(64, '0');

/** The record of an artifact file of request `n` under `root`, with an occurrence of the digest it names (a store fed records, no files). */
export function artifactRecord(root: string, n: number): FileRecord {
  const hex = digestOf(1_000_000 + n);
  const path = `${root}/artifacts/requests/${hex}.json`;
  const key = `sha256:${digestOf(n)}`;
  return {
    path,
    size: 10,
    mtimeMs: 1,
    role: 'artifact',
    artifacts: [{ key: `sha256:${hex}`, digest: hex, kind: 'requests', namespace: 'requests', root, path, size: 10, verification: 'verified', runId: `run-${n % 7}` }],
    occurrences: [{ line: 1, col: 2, endCol: 2 + key.length, form: 'canonical', key, text: key }],
    problems: [],
  };
}

/**
 * The hooks of a suite whose tests each open an index on a fresh Workspace: `use` is given the
 * test's workspace before it runs; afterwards the index `opened` returns is closed and the
 * folder removed.
 */
export function eachWithWorkspace(use: (ws: Workspace) => void, opened: () => { close(): Promise<void> }): void {
  let ws: Workspace;
  beforeEach(() => use((ws = new Workspace())));
  afterEach(async () => {
    await opened().close();
    ws.remove();
  });
}

export class Workspace {
  readonly dir: string;

  constructor(prefix = 'refscope-index-') {
    this.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  }

  p(rel: string): string {
    return path.join(this.dir, rel);
  }

  write(rel: string, content: string | Buffer): string {
    const file = this.p(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  /** An artifact as a runtime writes it: canonical JSON at `<root>/artifacts/<ns>/<sha256>.json`; returns the hex. */
  artifact(root: string, ns: string, doc: unknown): string {
    const text = canonicalJson(doc);
    const hex = sha256(text);
    this.write(`${root}/artifacts/${ns}/${hex}.json`, text);
    return hex;
  }

  /** A hash-chained audit log (CONTRACT 1.4.1); returns the record hashes. */
  auditLog(rel: string, events: unknown[]): string[] {
    const hashes: string[] = [];
    let prev = ZERO;
    const lines = events.map((event) => {
      const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event }));
      const line = JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event });
      hashes.push(hash);
      prev = hash;
      return line;
    });
    this.write(rel, lines.join('\n') + '\n');
    return hashes;
  }

  /** Appends chained records to an audit log written by `auditLog`. */
  appendAudit(rel: string, prevHash: string, events: unknown[]): string[] {
    const hashes: string[] = [];
    let prev = prevHash;
    const lines = events.map((event) => {
      const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event }));
      hashes.push(hash);
      const line = JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event });
      prev = hash;
      return line;
    });
    fs.appendFileSync(this.p(rel), lines.join('\n') + '\n');
    return hashes;
  }

  /** A SQLite event store (CONTRACT 1.4.4); returns the BLAKE3 payload digests. */
  async sqliteEvents(rel: string, rows: { type: string; payload: unknown; at: string }[]): Promise<string[]> {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(
      'CREATE TABLE events (sequence INTEGER PRIMARY KEY, event_type TEXT, subject_kind TEXT, subject_id TEXT, actor TEXT, payload TEXT, payload_digest BLOB, created_at TEXT)',
    );
    const digests: string[] = [];
    for (const [i, r] of rows.entries()) {
      const payload = JSON.stringify(r.payload);
      const digest = await blake3(payload);
      digests.push(digest);
      db.run('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [i + 1, r.type, 'run', 'r1', 'agent', payload, Buffer.from(digest, 'hex'), r.at]);
    }
    this.write(rel, Buffer.from(db.export()));
    db.close();
    return digests;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The small runtime the persistence and warm-check tests start from: a request and an output
 * artifact, an audit log whose run wrote the request, and notes naming the output. Gives the
 * two digests (`req`, `out`) and the log's last chain hash.
 */
export function plantSmallRuntime(ws: Workspace): { h: Record<string, string>; lastHash: string } {
  const h: Record<string, string> = {};
  h.req = ws.artifact('runtime', 'requests', { n: 1 });
  h.out = ws.artifact('runtime', 'outputs', { n: 2 });
  const hashes = ws.auditLog('runtime/logs/audit.jsonl', [
    { event_type: 'run_started', run_id: 'r1', ts: '2024-05-01T10:00:00Z' },
    { event_type: 'provider_request_written', run_id: 'r1', artifact_ref: `sha256:${h.req}`, ts: '2024-05-01T10:00:01Z' },
  ]);
  ws.write('notes.md', `see sha256:${h.out}\n`);
  return { h, lastHash: hashes[hashes.length - 1] };
}
