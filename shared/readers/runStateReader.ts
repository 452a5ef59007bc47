// Run states (`run_<id>.json`) and snapshot files (`snapshot_<id>.json`, a saved run_state)
// of file-store runtimes (CONTRACT 1.7): entries of the Run Capsules / Snapshots views with
// their `{"$artifact": id}` refs grouped by section (`vars`, `output`...).
import type { FileRecord } from '../records';
import type { ReadContext } from './types';
import { addProblem, decodeText, newRecord, occurrencesIn, readInto } from './record';
import { parseJsonOrReport } from './parseJson';
import { runStateInfo } from './runInfo';

export function readRunStateFile(path: string, role: 'runState' | 'snapshotFile', ctx: ReadContext): FileRecord {
  const rec = newRecord(path, role);
  const data = readInto(rec, ctx.maxParseBytes);
  if (!data) return rec;
  if (!data.bytes) {
    addProblem(rec, 'too-large', 'warning', `${(data.size / 1048576).toFixed(1)} MB is above the parse cap: not parsed`);
    return rec;
  }
  const text = decodeText(rec, data.bytes);
  rec.occurrences = occurrencesIn(text, ctx.keyRules);
  const doc = parseJsonOrReport(rec, text, 'error');
  if (doc === undefined) return rec;
  // The file itself is what users open: its path is the ref the views copy.
  rec.run = runStateInfo(role === 'runState' ? 'runState' : 'snapshot', path, doc);
  return rec;
}
