// A small hand-written workspace for protocol tests: a runtime root with requests, responses,
// outputs and a namespaced prompt, a chained audit log (and a broken one), a hostile artifact,
// one whose bytes do not match its name, two sharing an 8-hex prefix, and notes that cite them.
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson } from '../../shared/canonicalJson';
import { cliPath } from './lspClient';

export const sha256 = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');
export const ZERO = 'sha256:' + '0'.repeat(64);

export interface Written {
  hex: string;
  path: string;
}

export function writeArtifact(root: string, kind: string, value: unknown): Written {
  const text = canonicalJson(value);
  const hex = sha256(text);
  const file = path.join(root, 'artifacts', kind, `${hex}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return { hex, path: file };
}

/** Audit JSONL records chained as CONTRACT 1.4 says, starting after `prev`. */
export function auditLines(events: unknown[], prev = ZERO): { lines: string[]; last: string } {
  const lines: string[] = [];
  for (const event of events) {
    const hash = 'sha256:' + sha256(canonicalJson({ prev_hash: prev, event }));
    lines.push(JSON.stringify({ algo_version: 2, prev_hash: prev, hash, event }));
    prev = hash;
  }
  return { lines, last: prev };
}

export const envelope = (seq: number, ts: string, event: Record<string, unknown>) => ({ run_id: 'run-1', seq, ts, event });

/** Two artifacts whose digests share their first 8 hex digits (a birthday search over a nonce). */
function ambiguousPair(root: string): [Written, Written] {
  const seen = new Map<string, number>();
  for (let nonce = 0; ; nonce++) {
    const prefix = sha256(canonicalJson({ nonce, schema: 'note.v1' })).slice(0, 8);
    const other = seen.get(prefix);
    if (other !== undefined) return [writeArtifact(root, 'notes', { nonce: other, schema: 'note.v1' }), writeArtifact(root, 'notes', { nonce, schema: 'note.v1' })];
    seen.set(prefix, nonce);
  }
}

export const HOSTILE_TEXT = [
  '[run me](command:workbench.action.terminal.new)',
  '<a href="command:workbench.action.quit">quit</a>',
  '<img src="x" onerror="alert(1)">',
  '![pixel](https://evil.example/p.png)',
  '```',
  '</code></pre><script>alert(1)</script>',
  '<command:workbench.action.quit>',
].join('\n');

export function writeFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-lsp-ws-'));
  const root = path.join(dir, 'agent', 'runtime');
  const output = writeArtifact(root, 'outputs', { schema: 'output.v1', run_id: 'run-1', text: 'hello world' });
  const response = writeArtifact(root, 'responses', { schema: 'response.v1', run_id: 'run-1', created_at: '2026-01-01T00:00:02Z', output_ref: `sha256:${output.hex}` });
  const request = writeArtifact(root, 'requests', { schema: 'request.v1', run_id: 'run-1', model: 'm-1', created_at: '2026-01-01T00:00:01Z', prompt: 'Say hi' });
  const prompt = writeArtifact(root, 'prompt_templates', { schema: 'prompt.v1', template: 'You are terse.' });
  const hostile = writeArtifact(root, 'outputs', { schema: 'output.v1', text: HOSTILE_TEXT, '<img src=x>': '[x](command:evil)' });
  const ambiguous = ambiguousPair(root);
  // Bytes that do not hash to the name they are filed under.
  const mismatchHex = sha256('the original content');
  const mismatch = { hex: mismatchHex, path: path.join(root, 'artifacts', 'outputs', `${mismatchHex}.json`) };
  fs.writeFileSync(mismatch.path, '{"tampered":true}');
  const dangling = 'd'.repeat(64);

  fs.mkdirSync(path.join(root, 'logs'), { recursive: true });
  const audit = auditLines([
    envelope(1, '2026-01-01T00:00:00Z', { event_type: 'run_started' }),
    envelope(2, '2026-01-01T00:00:01Z', { event_type: 'provider_request_written', artifact_ref: `sha256:${request.hex}` }),
    envelope(3, '2026-01-01T00:00:02Z', { event_type: 'provider_response_written', artifact_ref: `sha256:${response.hex}` }),
    envelope(4, '2026-01-01T00:00:03Z', { event_type: 'tool_output_written', artifact_ref: `sha256:${dangling}` }),
  ]);
  const auditLog = path.join(root, 'logs', 'audit.jsonl');
  fs.writeFileSync(auditLog, audit.lines.join('\n') + '\n');
  const broken = auditLines([envelope(1, '2026-01-01T00:00:00Z', { event_type: 'run_started' }), envelope(2, '2026-01-01T00:00:01Z', { event_type: 'run_completed' })]);
  const tampered = JSON.parse(broken.lines[1]) as { prev_hash: string };
  tampered.prev_hash = 'sha256:' + '1'.repeat(64);
  const brokenLog = path.join(root, 'logs', 'broken.jsonl');
  fs.writeFileSync(brokenLog, [broken.lines[0], JSON.stringify(tampered)].join('\n') + '\n');

  const notesText = [
    '# Notes',
    `The request: sha256:${request.hex}`,
    `Its prompt: prompt_templates/sha256:${prompt.hex}`,
    `Abbreviated: sha256:${request.hex.slice(0, 12)}`,
    `Ambiguous: sha256:${ambiguous[0].hex.slice(0, 8)}`,
    `Gone: sha256:${dangling}`,
    `Escaping: ../../etc/sha256:${output.hex}`,
    `Shouting: sha256:${output.hex.toUpperCase()}`,
    `Hostile: sha256:${hostile.hex}`,
    '',
  ].join('\n');
  const notes = path.join(dir, 'notes.md');
  fs.writeFileSync(notes, notesText);
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ response_sha256: response.hex }, null, 2) + '\n');
  return { dir, root, output, response, request, prompt, hostile, ambiguous, mismatch, dangling, auditLog, audit, brokenLog, notes, notesText, config };
}

export type Fixture = ReturnType<typeof writeFixture>;

/** A fresh demo workspace written by the real CLI (`refscope demo DIR`). */
export function writeDemo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-lsp-demo-'));
  execFileSync(process.execPath, [cliPath, 'demo', dir], { stdio: 'pipe' });
  return dir;
}
