// A file's occurrences and events as rows, packed by its reader as it goes instead of kept as
// objects until the store takes the record: the bench's 47 MB audit log held its 435k refs and
// 132k events as Occurrence and EventEntry objects (~200 MB of heap, traced by every GC and
// promoted to the old generation while the log was read) where the rows take ~20 MB. A reader
// has no store, so the rows name strings by ids of tables of their own; the store appends them
// as it appends a saved bucket's rows, through a LocalTable per table.
import type { FileRecord } from '../records';
import { ByteWriter } from './byteCodec';
import { DigestTable } from './digestTable';
import { EventRows, type EventRange } from './eventColumns';
import { LocalTable } from './localIds';
import { OccurrenceRows, type OccurrenceRange } from './occurrenceColumns';
import type { RowColumns } from './savedBucket';
import { StringTable } from './stringTable';

export class PackedRows {
  /** Ref keys, run ids, digests, subjects (`sha256:` keys as 32-byte digests, as the store's). */
  private readonly strings = new StringTable(new DigestTable());
  /** Files, event types, actors, field paths, namespaces. */
  private readonly names = new StringTable();
  private readonly occurrences = new OccurrenceRows();
  private readonly events = new EventRows();
  private readonly summary = new ByteWriter(1024);

  get occurrenceCount(): number {
    return this.occurrences.count;
  }

  get eventCount(): number {
    return this.events.rows;
  }

  /** Moves the occurrences and events `rec` holds into rows, leaving its lists empty. */
  take(rec: FileRecord): void {
    if (rec.occurrences.length) {
      this.occurrences.push(rec.occurrences, this.strings, this.names);
      rec.occurrences.length = 0;
    }
    const events = rec.events;
    if (!events?.length) return;
    this.events.reserveFor(events);
    for (const e of events) this.events.push(e, this.strings, this.names, this.summary);
    events.length = 0;
  }

  /** Appends the rows to the store's columns as the rows of `into`, their string ids made the store's. */
  appendTo(into: OccurrenceRange & EventRange, columns: Pick<RowColumns, 'occurrences' | 'events' | 'strings' | 'names'>): void {
    const strings = new LocalTable(this.strings, columns.strings);
    const names = new LocalTable(this.names, columns.names);
    columns.occurrences.appendSection(this.occurrences, 0, this.occurrences.count, into, strings, names);
    columns.events.appendSection(this.events, 0, this.events.rows, into, strings, names);
  }
}
