// A big log's packed rows (packedRows.ts) as a log worker (logReads.ts) leaves them: written to a
// file the calling thread opened for it, not posted. Posted, they waited in the calling thread
// from when the worker ended until the read reached the log in listing order, and were then
// appended whole while the columns grew by the same rows: at 1M artifacts the audit log's 257 MB
// of rows and the SQLite store's 44 MB waited from ~35 s to ~78 s of the cold build, and their
// landing was its peak (1,336-1,399 MB, the CLI's and the language server's). Written out, only
// their tables' strings wait (68 of the audit log's 257 MB: rows name them by id, in any order),
// and the rows are appended as a full load appends a big bucket: a window
// of rows at a time, each window's columns read from the file into arrays of their own
// (placedRows.ts), let go as the next is read. The file is unlinked as soon as it is opened, so
// nothing is left of it on disk once the calling thread closes it, whatever ends the process.
import * as fs from 'node:fs';
import type { ReadPiece } from './byteCodec';
import type { Column } from './columnRoom';
import type { EventRange, EventRows, EventSection } from './eventColumns';
import type { LocalTable } from './localIds';
import type { OccurrenceExtra, OccurrenceRange, OccurrenceRows } from './occurrenceColumns';
import { appendInWindows, WINDOW_ROWS } from './placedRows';
import { readFully, writeAt } from './recordsFile';
import type { RowColumns } from './savedBucket';

/** Rows (refs and events) from which a log's rows are written out: fewer fit in one window, and cost less posted. */
export const SPILL_ROWS = WINDOW_ROWS;

/** Where a column's elements were written: its name in its section, its type's name, its byte offset in the file and its length. */
interface PlacedColumn {
  name: string;
  type: string;
  at: number;
  length: number;
}

/** One log's rows as written (see spillRows): where each column is, and what is not a column (extras, text times). */
export interface SpilledRows {
  fd: number;
  /** Where the log's bytes start in the file, and how many there are. */
  at: number;
  bytes: number;
  occCount: number;
  occurrences: PlacedColumn;
  extras: Map<number, OccurrenceExtra>;
  evCount: number;
  events: PlacedColumn[];
  times: Map<number, string>;
}

const TYPES: Record<string, new (buffer: ArrayBuffer, at: number, length: number) => Column> = { Int32Array, Int16Array, Uint32Array, Uint16Array, Uint8Array, Float64Array };

/**
 * The event columns a window is cut by (eventSectionWindow reads them as they are, not through
 * its ReadPiece): read whole, 16 bytes a row (21 MB of the 1M bench's 1.3M events).
 */
const READ_WHOLE: ReadonlySet<string> = new Set(['refStart', 'refCount', 'summaryAt', 'summaryLength']);

/**
 * Writes `occurrences` and `events` (each column cut to what is in use) at the end of `fd`, each
 * column aligned to 8 bytes so that it can be placed (see appendSpilled). Throws when the file
 * cannot take them (the worker posts the rows instead).
 */
export function spillRows(fd: number, occurrences: OccurrenceRows, events: EventRows): SpilledRows {
  const start = Math.ceil(fs.fstatSync(fd).size / 8) * 8;
  let at = start;
  const write = ([name, column]: [string, Column]): PlacedColumn => {
    const placed = { name, type: column.constructor.name, at, length: column.length };
    writeAt(fd, new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at);
    at += Math.ceil(column.byteLength / 8) * 8;
    return placed;
  };
  const occ = write(['rows', occurrences.usedRows()]);
  const ev = events.usedColumns().map(write);
  return { fd, at: start, bytes: at - start, occCount: occurrences.count, occurrences: occ, extras: occurrences.extras, evCount: events.rows, events: ev, times: events.times };
}

/**
 * Appends the rows `spilled` holds to `columns` as the rows of `into`, a window at a time (see
 * above), their string ids made the tables' through `strings` and `names`.
 */
export function appendSpilled(spilled: SpilledRows, into: OccurrenceRange & EventRange, columns: Pick<RowColumns, 'occurrences' | 'events'>, strings: LocalTable, names: LocalTable): void {
  // The columns are views of a buffer as long as the log's bytes, whose pages are never touched:
  // a view's offset is where its bytes are in the file (ReadPiece, as a placed bucket's).
  const placeholder = new ArrayBuffer(spilled.bytes);
  const place = ({ type, at, length }: PlacedColumn): Column => new TYPES[type](placeholder, at - spilled.at, length);
  const read: ReadPiece = (placed, into) => {
    if (!readFully(spilled.fd, into, spilled.at + placed.byteOffset)) throw new Error('the rows written out for a log are truncated');
  };
  const events: Record<string, unknown> = { times: spilled.times };
  for (const c of spilled.events) {
    const placed = place(c);
    if (!READ_WHOLE.has(c.name)) events[c.name] = placed;
    else {
      const whole = new TYPES[c.type](new ArrayBuffer(placed.byteLength), 0, c.length);
      read(placed, whole);
      events[c.name] = whole;
    }
  }
  const occurrences = { rows: place(spilled.occurrences) as Uint32Array, extras: spilled.extras };
  appendInWindows({ occurrences, occAt: 0, occCount: spilled.occCount, events: events as unknown as EventSection, evAt: 0, evCount: spilled.evCount }, read, into, columns, strings, names);
}
