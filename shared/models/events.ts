// Refscope's own events go to `<state>/events.jsonl` as plain JSONL (CONTRACT 5) so the
// index reads them like any other log. One appendFileSync per event keeps lines whole
// when several processes append (O_APPEND writes of one small buffer).
import * as fs from 'node:fs';
import type { StorePaths } from './storePaths';

export function appendEvent(paths: StorePaths, eventType: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ event_type: eventType, ts: new Date().toISOString(), ...fields }) + '\n';
  try {
    fs.mkdirSync(paths.stateDir, { recursive: true });
    fs.appendFileSync(paths.eventsFile, line);
  } catch {
    // The event log is a record, not the operation: a full disk must not turn a finished pull into a failure.
  }
}
