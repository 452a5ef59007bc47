// The readers' entry point: one FileRecord per file, dispatched by the role the index gave it.
// Await initReaders() once first (SQLite and BLAKE3 are WASM); reading itself is synchronous.
import type { FileRecord, FileRole } from '../records';
import type { ReadContext, ReadFile } from './types';
import { readArtifact } from './artifactReader';
import { detectJsonlFormat, JSONL_FORMATS } from './jsonlDetect';
import { ledgerFormat } from './ledger';
import { readOtlpLog } from './otlpLog';
import { readLineLog, type LineFormat } from './lineLog';
import { readBlob, readManifest, readPartial } from './modelStore';
import { addProblem, newRecord, statRecord } from './record';
import { readRunStateFile } from './runStateReader';
import { readSidecar } from './fileStore';
import { readSqliteEvents } from './sqliteEvents';
import { readText } from './textReader';

export { initReaders } from './wasm';
export { detectJsonlFormat } from './jsonlDetect';

const LEDGER = [ledgerFormat as LineFormat<unknown>];

function dispatch(path: string, role: FileRole, ctx: ReadContext): FileRecord {
  switch (role) {
    case 'artifact':
      return readArtifact(path, ctx);
    case 'auditLog':
    case 'eventsJsonl':
      return readLineLog(path, role, ctx, detectJsonlFormat, JSONL_FORMATS);
    case 'otlpLog':
      return readOtlpLog(path, ctx);
    case 'ledger':
      return readLineLog(path, role, ctx, () => ({ format: LEDGER[0], decided: true }), LEDGER);
    case 'sqlite':
      return readSqliteEvents(path, ctx);
    case 'sidecar':
      return readSidecar(path, ctx);
    case 'fileStoreBlob':
      // Its sidecar reads and verifies it; on its own it holds nothing to index.
      return statRecord(path, role);
    case 'runState':
    case 'snapshotFile':
      return readRunStateFile(path, role, ctx);
    case 'manifest':
      return readManifest(path, ctx);
    case 'blob':
      return readBlob(path, ctx);
    case 'partial':
      return readPartial(path, ctx);
    case 'text':
      return readText(path, ctx);
  }
}

/** Reads one file of a known role. Never throws: whatever goes wrong becomes a problem. */
export const readFileRecord: ReadFile = (path, role, ctx) => {
  try {
    return dispatch(path, role, ctx);
  } catch (err) {
    const rec = newRecord(path, role);
    const e = err as Error;
    const why = e instanceof RangeError ? 'the content is too deeply nested to process' : e.message;
    addProblem(rec, 'unreadable', 'error', `could not read this file: ${why}`);
    return rec;
  }
};
