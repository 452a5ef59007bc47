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
// The worker writes the rows a window at a time as they fill (spillRows, one chunk each), not
// whole at the log's end: grown by doubling until then, the audit log's rows and their room
// were held in the worker all at once, the 1M CLI cold build's peak (~1,040-1,060 MB).
import * as fs from 'node:fs';
import type { ReadPiece } from './byteCodec';
import type { Column } from './columnRoom';
import type { EventRange, EventRows, EventSection } from './eventColumns';
import type { LocalTable } from './localIds';
import type { OccurrenceExtra, OccurrenceRange, OccurrenceRows } from './occurrenceColumns';
import { appendInWindows, WINDOW_ROWS, type PlacedPart } from './placedRows';
import { readFully, writeAt } from './recordsFile';
import type { RowColumns } from './savedBucket';

/** Rows (refs and events) from which a log's rows are written out, and how many are written at a time: fewer fit in one window, and cost less posted. */
export const SPILL_ROWS = WINDOW_ROWS;

/** Where a column's elements were written: its name in its section, its type's name, its byte offset in its chunk and its length. */
interface PlacedColumn {
  name: string;
  type: string;
  at: number;
  length: number;
}

/** Rows written at once (see spillRows): where each column is, and what is not a column (extras, text times), by row of the chunk. */
export interface SpilledChunk {
  /** Where the chunk's bytes start in the file, and how many there are. */
  at: number;
  bytes: number;
  /** The chunk's bytes themselves, when the file could not take them (a full disk): posted with the rest. */
  held?: Uint8Array;
  occCount: number;
  occurrences: PlacedColumn;
  extras: Map<number, OccurrenceExtra>;
  evCount: number;
  events: PlacedColumn[];
  times: Map<number, string>;
}

/** One log's rows as written: its chunks in the order of its rows, all in the file `fd`. */
export interface SpilledRows {
  fd: number;
  chunks: SpilledChunk[];
}

const TYPES: Record<string, new (buffer: ArrayBuffer, at: number, length: number) => Column> = { Int32Array, Int16Array, Uint32Array, Uint16Array, Uint8Array, Float64Array };

/**
 * The event columns a window is cut by (eventSectionWindow reads them as they are, not through
 * its ReadPiece): read whole, 16 bytes a row (21 MB of the 1M bench's 1.3M events).
 */
const READ_WHOLE: ReadonlySet<string> = new Set(['refStart', 'refCount', 'summaryAt', 'summaryLength']);

const bytesOf = (c: ArrayBufferView) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength);

/**
 * Writes `occurrences` and `events` (each column cut to what is in use) at the end of `fd` as a
 * chunk, each column aligned to 8 bytes so that it can be placed (see appendSpilled). When the
 * file cannot take them, the chunk holds its bytes instead.
 */
export function spillRows(fd: number, occurrences: OccurrenceRows, events: EventRows): SpilledChunk {
  const columns: [string, Column][] = [['rows', occurrences.usedRows()], ...events.usedColumns()];
  let bytes = 0;
  const placed = columns.map(([name, column]): PlacedColumn => {
    const at = bytes;
    bytes += Math.ceil(column.byteLength / 8) * 8;
    return { name, type: column.constructor.name, at, length: column.length };
  });
  let at = 0;
  let held: Uint8Array | undefined;
  try {
    at = Math.ceil(fs.fstatSync(fd).size / 8) * 8;
    columns.forEach(([, column], i) => writeAt(fd, bytesOf(column), at + placed[i].at));
  } catch {
    held = new Uint8Array(bytes);
    columns.forEach(([, column], i) => held!.set(bytesOf(column), placed[i].at));
  }
  const [occ, ...ev] = placed;
  return { at, bytes, held, occCount: occurrences.count, occurrences: occ, extras: occurrences.extras, evCount: events.rows, events: ev, times: events.times };
}

/**
 * Appends the rows `spilled` holds to `columns` as the rows of `into`, a window at a time (see
 * above), their string ids made the tables' through `strings` and `names`.
 */
export function appendSpilled(spilled: SpilledRows, into: OccurrenceRange & EventRange, columns: Pick<RowColumns, 'occurrences' | 'events'>, strings: LocalTable, names: LocalTable): void {
  // The columns of chunks in the file are views of one buffer as long as their bytes, whose
  // pages are never touched: a view's offset is where its bytes are in the file, less `base`
  // (ReadPiece, as a placed bucket's). The chunks were written one after another at its end.
  const inFile = spilled.chunks.filter((c) => !c.held);
  const base = inFile[0]?.at ?? 0;
  const last = inFile[inFile.length - 1];
  const placeholder = new ArrayBuffer(last ? last.at + last.bytes - base : 0);
  const fromFile: ReadPiece = (placed, into) => {
    if (!readFully(spilled.fd, into, base + placed.byteOffset)) throw new Error('the rows written out for a log are truncated');
  };
  const fromHeld: ReadPiece = (placed, into) => bytesOf(into).set(bytesOf(placed));
  const parts = spilled.chunks.map((chunk): PlacedPart => {
    const read = chunk.held ? fromHeld : fromFile;
    const place = ({ type, at, length }: PlacedColumn): Column => (chunk.held ? new TYPES[type](chunk.held.buffer as ArrayBuffer, chunk.held.byteOffset + at, length) : new TYPES[type](placeholder, chunk.at - base + at, length));
    const events: Record<string, unknown> = { times: chunk.times };
    for (const c of chunk.events) {
      const placed = place(c);
      if (!READ_WHOLE.has(c.name)) events[c.name] = placed;
      else {
        const whole = new TYPES[c.type](new ArrayBuffer(placed.byteLength), 0, c.length);
        read(placed, whole);
        events[c.name] = whole;
      }
    }
    const occurrences = { rows: place(chunk.occurrences) as Uint32Array, extras: chunk.extras };
    return { rows: { occurrences, occAt: 0, occCount: chunk.occCount, events: events as unknown as EventSection, evAt: 0, evCount: chunk.evCount }, read };
  });
  appendInWindows(parts, into, columns, strings, names);
}
