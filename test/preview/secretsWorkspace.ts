// A workspace whose evidence holds credentials and sensitivity labels, written to a temp
// folder: one request artifact per credential kind, one artifact per sensitivity level (each
// also holding a token), a private key that starts just before the preview's cut, and a
// file-store entry labelled secret in its sidecar. notes.md cites every ref, one per line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canonicalJson } from '../../shared/canonicalJson';
import { sha256 } from '../contract/workspace';
import { credentials, secretPart } from './credentials';

export interface Planted {
  ref: string;
  file: string;
  /** Text that must never be displayed while masking is on. */
  secret: string;
  /** The marker rule expected where it was. */
  rule: string;
  sensitivity?: string;
}

export interface SecretsWorkspace {
  dir: string;
  notes: string;
  /** Line of notes.md citing each planted ref. */
  lineOf: Map<string, number>;
  byCredential: Planted[];
  bySensitivity: Planted[];
  /** The PEM key whose BEGIN line sits just before the preview's 2 KB cut. */
  crossingKey: Planted;
  /** A file-store entry (`artifact:<id>`) whose sidecar says `sensitivity: secret`. */
  sidecarSecret: Planted;
}

/** Sensitivity levels as runtimes write them, `restricted` standing for a level we do not know. */
export const LEVELS = ['public', 'internal', 'confidential', 'secret', 'restricted'] as const;

export function writeSecretsWorkspace(): SecretsWorkspace {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-secrets-')));
  const artifacts = path.join(dir, 'runtime', 'artifacts', 'requests');
  fs.mkdirSync(artifacts, { recursive: true });
  const write = (doc: unknown) => {
    const text = canonicalJson(doc);
    const hex = sha256(text);
    const file = path.join(artifacts, `${hex}.json`);
    fs.writeFileSync(file, text);
    return { ref: `sha256:${hex}`, file };
  };
  const all = credentials();
  const byCredential = all.map((credential, i) => ({
    ...write({ schema: 'req.v1', run_id: 'r-secrets', seq: i, headers: { 'user-agent': 'agent/1.0' }, tool_input: credential.text }),
    secret: secretPart(credential),
    rule: credential.rule,
  }));
  const token = all[0];
  const bySensitivity = LEVELS.map((level) => ({
    ...write({ schema: 'req.v1', run_id: 'r-secrets', sensitivity: level, labels: ['http_trace', level], tool_input: `${level}: ${token.text}` }),
    secret: secretPart(token),
    rule: token.rule,
    sensitivity: level,
  }));
  const pem = all.find((c) => c.rule === 'private key')!;
  const crossing = write({ a_padding: 'x'.repeat(1900), b_key: pem.value });
  const crossingKey = { ...crossing, secret: pem.value.split('\n')[1].slice(0, 24), rule: 'private key' };

  const store = path.join(dir, 'store', 'artifacts');
  fs.mkdirSync(store, { recursive: true });
  const bytes = Buffer.from(`captured response\n${token.text}\n`);
  const id = sha256(bytes).slice(0, 32);
  fs.writeFileSync(path.join(store, `${id}.bin`), bytes);
  fs.writeFileSync(
    path.join(store, `${id}.meta`),
    JSON.stringify({ artifact_id: id, content_type: 'text/plain', size_bytes: bytes.length, created_at: '2026-03-01T10:00:00Z', labels: ['http_trace'], metadata: { sensitivity: 'secret' } }),
  );
  const sidecarSecret = { ref: `artifact:${id}`, file: path.join(store, `${id}.bin`), secret: secretPart(token), rule: token.rule, sensitivity: 'secret' };

  const cited = [...byCredential, ...bySensitivity, crossingKey];
  const notes = path.join(dir, 'notes.md');
  fs.writeFileSync(notes, cited.map((p) => `see ${p.ref}`).join('\n') + '\n');
  const lineOf = new Map(cited.map((p, i) => [p.ref, i]));
  return { dir, notes, lineOf, byCredential, bySensitivity, crossingKey, sidecarSecret };
}
