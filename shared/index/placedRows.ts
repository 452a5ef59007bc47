// The rows of a bucket read in pieces (PlacedBucket, placeBucket): its row sections are
// placed, not read, and a load checks them and appends them a window of rows at a time, each
// window's columns read from the records file into arrays of their own. A big log's file
// (a million events at 1M artifacts) is appended as the windows of its rows, one after another,
// to the same range of the columns.
import { checkEventSection, eventSectionWindow, type EventRange, type EventSection } from './eventColumns';
import type { ReadPiece } from './byteCodec';
import type { LocalStrings, LocalTable } from './localIds';
import type { StoredFile } from './memoryIndex';
import { checkOccurrenceSection, occurrenceSectionWindow, sectionRows, type OccurrenceRange, type OccurrenceSection } from './occurrenceColumns';
import type { PlacedBucket } from './recordsFile';
import { BucketTables, type PlacedFile, type RowColumns, type SavedRows } from './savedBucket';
import { WindowScratch } from './windowScratch';

/** Rows a window holds at most: a few MB of a big log's event columns (refs and summaries included), 1.3 MB of occurrences. */
export const WINDOW_ROWS = 1 << 16;

/** Calls `each(from, to)` for the windows of rows `start` to `start + count`; once, empty, when there are none. */
function windows(start: number, count: number, each: (from: number, to: number) => void): void {
  const end = start + count;
  let from = start;
  do {
    const to = Math.min(end, from + WINDOW_ROWS);
    each(from, to);
    from = to;
  } while (from < end);
}

export class PlacedRows implements SavedRows {
  private readonly tables: BucketTables;
  private readonly read: ReadPiece;

  constructor(
    bucket: PlacedBucket,
    private readonly occurrences: OccurrenceSection,
    private readonly events: EventSection,
    private readonly strings: LocalStrings,
    private readonly names: LocalStrings,
  ) {
    this.tables = new BucketTables(strings, names);
    this.read = (placed, into) => bucket.read(placed.byteOffset - bucket.data.byteOffset, into);
  }

  /** Throws unless every row names strings its bucket holds: read through once before a row is kept, as decodeBucket checks a bucket read whole. */
  check(): void {
    const scratch = new WindowScratch();
    windows(0, sectionRows(this.occurrences), (from, to) => checkOccurrenceSection(occurrenceSectionWindow(this.occurrences, from, to, this.read, scratch), this.strings.length, this.names.length));
    windows(0, this.events.file.length, (from, to) => checkEventSection(eventSectionWindow(this.events, from, to, this.read, scratch), this.strings.length, this.names.length));
  }

  /** Appends `file`'s rows to `columns` as the rows of `into`, a window at a time (a full load's: it keeps every row). */
  appendTo(file: PlacedFile, into: StoredFile, columns: RowColumns): void {
    const { strings, names } = this.tables.of(columns);
    appendInWindows([{ rows: { occurrences: this.occurrences, occAt: file.occAt, occCount: file.occCount, events: this.events, evAt: file.evAt, evCount: file.evCount }, read: this.read }], into, columns, strings, names);
  }
}

/** A file's rows among placed sections (see ByteReader.place): rows `occAt` on of `occurrences`, `evAt` on of `events`. */
export interface PlacedSections {
  occurrences: OccurrenceSection;
  occAt: number;
  occCount: number;
  events: EventSection;
  evAt: number;
  evCount: number;
}

/** Placed rows and where their columns' bytes are read from (`read`: see ReadPiece). */
export interface PlacedPart {
  rows: PlacedSections;
  read: ReadPiece;
}

/**
 * Appends a file's placed rows to `columns` as the rows of `into`, a window at a time, each
 * window's columns read by `read` into the arrays the window before had (windowScratch.ts),
 * their string ids made the tables' through `strings` and `names`. A file's rows may come in
 * parts (a big log's, written out a window at a time: spilledRows.ts), appended one after
 * another, their refs before their events, as the rows of one part would be.
 */
export function appendInWindows(parts: readonly PlacedPart[], into: OccurrenceRange & EventRange, columns: Pick<RowColumns, 'occurrences' | 'events'>, strings: LocalTable, names: LocalTable): void {
  // The first window sets the range; each later one appends right after it (nothing else appends meanwhile), and its rows join the range.
  const scratch = new WindowScratch();
  let first = true;
  for (const { rows, read } of parts) {
    if (!first && rows.occCount === 0) continue;
    windows(rows.occAt, rows.occCount, (from, to) => {
      const range: OccurrenceRange = first ? into : { occStart: 0, occCount: 0 };
      first = false;
      columns.occurrences.appendSection(occurrenceSectionWindow(rows.occurrences, from, to, read, scratch), 0, to - from, range, strings, names);
      if (range === into) return;
      for (const [row, x] of range.occExtras ?? []) (into.occExtras ??= new Map()).set(into.occCount + row, x);
      into.occCount += range.occCount;
    });
  }
  first = true;
  for (const { rows, read } of parts) {
    if (!first && rows.evCount === 0) continue;
    windows(rows.evAt, rows.evCount, (from, to) => {
      const range: EventRange = first ? into : { evStart: 0, evCount: 0 };
      first = false;
      columns.events.appendSection(eventSectionWindow(rows.events, from, to, read, scratch), 0, to - from, range, strings, names);
      if (range !== into) into.evCount += range.evCount;
    });
  }
}
