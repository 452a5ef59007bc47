// The artifact registry's SQLite event store (CONTRACT 1.4.4), as its Python writer leaves
// it: `events` rows with a JSON payload and `payload_digest` = raw BLAKE3 of the payload's
// UTF-8 bytes. Each agent-a run is ingested as an evidence package (created, then
// finalised), so the store links back to the run's capsule and request. One row's payload
// was edited after its digest was computed.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blake3Hex, initReaders, loadedSqlJs, sqliteUnavailable } from '../readers/wasm';
import type { RunSummary } from './agentRuns';
import type { FaultLog } from './faults';
import type { DemoClock, Prng } from './prng';
import { pythonDumps } from './pythonJson';

export interface SqliteStoreResult {
  rows: number;
  /** A sound event, for the `blake3:` ref the incident note cites. */
  sample: { sequence: number; blake3: string };
}

const SCHEMA = `CREATE TABLE events (
  sequence INTEGER PRIMARY KEY,
  event_type TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  actor TEXT NOT NULL,
  payload TEXT NOT NULL,
  payload_digest BLOB NOT NULL,
  created_at TEXT NOT NULL
)`;

export async function writeSqliteStore(file: string, runs: RunSummary[], prng: Prng, clock: DemoClock, faults: FaultLog): Promise<SqliteStoreResult> {
  // The same WASM modules the readers load (one place knows where sql.js keeps its .wasm).
  await initReaders();
  const SQL = loadedSqlJs();
  const unavailable = sqliteUnavailable();
  if (!SQL || unavailable) throw new Error(unavailable ?? 'sql.js did not load');
  const digest = (text: string): Buffer => Buffer.from(blake3Hex(text)!, 'hex');
  const db = new SQL.Database();
  try {
    db.run(SCHEMA);
    const insert = db.prepare('INSERT INTO events (sequence, event_type, subject_kind, subject_id, actor, payload, payload_digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // A `created` row (odd sequence) in the middle of the store: it carries the retention that gets edited.
    const badSequence = 2 * Math.floor(runs.length / 2) + 1;
    let sequence = 0;
    let sample: SqliteStoreResult['sample'] | undefined;
    const put = (eventType: string, packageId: string, payload: Record<string, unknown>): void => {
      sequence++;
      clock.advance(0.2 + prng.int(0, 800) / 1000);
      const text = pythonDumps(payload, { sortKeys: true });
      const bytes = digest(text);
      let stored = text;
      if (sequence === badSequence) {
        stored = text.replace('"P1Y"', '"P7D"');
        faults.add({ kind: 'bad-blake3', file, sequence, what: 'The payload was edited after it was written (retention P1Y became P7D); its payload_digest is still the BLAKE3 of the original, so the digest does not match.' });
      } else if (!sample) {
        sample = { sequence, blake3: bytes.toString('hex') };
      }
      insert.run([sequence, eventType, 'package', packageId, 'ingest-worker@agent-a', stored, bytes, clock.sqlTime()]);
    };
    db.run('BEGIN');
    for (const run of runs) {
      const packageId = `pkg_${prng.hex(20)}`;
      put('v1.package.created', packageId, { package_id: packageId, run_id: run.runId, capsule_ref: run.capsule.ref, labels: ['run-evidence', run.skillId], retention: 'P1Y' });
      put('v1.package.finalized', packageId, { package_id: packageId, run_id: run.runId, artifact_refs: [run.request.ref, run.capsule.ref, ...(run.tool ? [run.tool.output.ref] : [])], status: 'finalized' });
    }
    db.run('COMMIT');
    insert.free();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, db.export());
    return { rows: sequence, sample: sample! };
  } finally {
    db.close();
  }
}
