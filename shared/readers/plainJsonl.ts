// Plain JSONL events (CONTRACT 1.4.3): one object a line; type in event_type/type/kind,
// order in seq/sequence (else line order), time in ts/time/created_at. No chain.
import type { EventEntry } from '../records';
import { END_FIELDS, eventRefs, num, parseLineObject, str, summarize } from './eventFields';
import type { LineFormat } from './lineLog';

const SKIP = new Set(['event_type', 'type', 'kind', 'seq', 'sequence', 'ts', 'time', 'created_at', 'run_id', 'subject', 'actor']);

export const plainFormat: LineFormat<Record<string, never>> = {
  name: 'plain',
  initial: () => ({}),
  line(_state, text, lineNo, rec, partial, hasRefs, rules) {
    const obj = parseLineObject(rec, text, lineNo, partial, 'an event');
    if (!obj) return;
    const entry: EventEntry = {
      source: 'jsonl',
      file: rec.path,
      line: lineNo,
      eventType: str(obj.event_type) ?? str(obj.type) ?? str(obj.kind) ?? 'unknown',
      refs: eventRefs(obj, hasRefs, rules),
    };
    const sequence = num(obj.seq) ?? num(obj.sequence);
    if (sequence !== undefined) entry.sequence = sequence;
    const time = str(obj.ts) ?? str(obj.time) ?? str(obj.created_at);
    if (time !== undefined) entry.time = time;
    const runId = str(obj.run_id);
    if (runId !== undefined) entry.runId = runId;
    const subject = str(obj.subject);
    if (subject !== undefined) entry.subject = subject;
    const actor = str(obj.actor);
    if (actor !== undefined) entry.actor = actor;
    const summary = summarize(obj, END_FIELDS, SKIP);
    if (summary) entry.summary = summary;
    rec.events!.push(entry);
  },
};
