// Any workspace file: refs in its text (source, Markdown, logs...). Binary files and files
// above the parse cap are skipped without a problem: they are common and not a fault.
import type { FileRecord } from '../records';
import type { ReadContext } from './types';
import { looksBinary } from './fileBytes';
import { decodeText, newRecord, occurrencesIn, readInto } from './record';

export function readText(path: string, ctx: ReadContext): FileRecord {
  const rec = newRecord(path, 'text');
  const data = readInto(rec, ctx.maxParseBytes, { followSymlink: true });
  if (!data?.bytes || looksBinary(data.bytes)) return rec;
  rec.occurrences = occurrencesIn(decodeText(rec, data.bytes, false), ctx.keyRules);
  return rec;
}
