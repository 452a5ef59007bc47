// One bucket of the saved records (persist.ts): its files' records in the byte codec
// (recordCodec.ts), then their occurrence and event rows as column sections, as the store's
// columns hold them but with the bucket's own string ids, then the strings those ids name.
// A save writes the sections from the columns directly, and a load appends them to the
// columns file by file: no Occurrence or EventEntry object is made either way.
//
//   uint n | n file records | align 8 | occurrence section | event section | strings | names
import { ByteReader, type ByteWriter } from './byteCodec';
import { checkEventSection, readEventSection, type EventColumns, type EventSection } from './eventColumns';
import { LocalIds, LocalTable, readLocalStrings, type LocalStrings } from './localIds';
import type { StoredFile } from './memoryIndex';
import { checkOccurrenceSection, readOccurrenceSection, sectionRows, type OccurrenceColumns, type OccurrenceSection } from './occurrenceColumns';
import type { Problem } from '../records';
import { readFileHead, readFileRest, skipFileRest, writeFileMeta, type SavedArtifacts, type SavedFile, type SavedRecord } from './recordCodec';
import type { StringTable } from './stringTable';
import { FILES_PER_PAUSE } from './timeSlices';
import { PlacedRows } from './placedRows';
import type { PlacedBucket } from './recordsFile';

/** What a store keeps rows in: the columns, and the tables their string ids name. */
export interface RowColumns {
  occurrences: OccurrenceColumns;
  events: EventColumns;
  /** Ref keys, run ids, digests, subjects. */
  strings: StringTable;
  /** Files, event types, actors, field paths, namespaces. */
  names: StringTable;
  /** A file's artifacts as a save writes them, from the artifact columns (a record keeps none). */
  savedArtifacts(f: StoredFile): SavedArtifacts;
  /** A file's record as a save writes it, its run from the run columns (a record keeps none). */
  savedRecord(f: StoredFile): SavedRecord;
}

/** A saved file placed in its bucket: where its rows start in the bucket's sections. */
export interface PlacedFile extends SavedFile {
  occAt: number;
  evAt: number;
}

/** Which section rows a partial load keeps (by row in the bucket's section); undefined: all of them. */
export interface RowPick {
  occurrence?: (row: number) => boolean;
  event?: (row: number) => boolean;
}

/** A bucket's rows as a load appends them to a store, file by file. */
export interface SavedRows {
  /** Appends `file`'s rows (or those `pick` keeps) to `columns`, as the rows of `into`. */
  appendTo(file: PlacedFile, into: StoredFile, columns: RowColumns, pick?: RowPick): void;
}

/** A bucket's strings as the ids of the tables a store's columns name, each given on first use. */
export class BucketTables {
  private tables: { of: StringTable; strings: LocalTable; names: LocalTable } | undefined;

  constructor(
    private readonly strings: LocalStrings,
    private readonly names: LocalStrings,
  ) {}

  of(columns: RowColumns): { strings: LocalTable; names: LocalTable } {
    if (this.tables?.of !== columns.strings) this.tables = { of: columns.strings, strings: new LocalTable(this.strings, columns.strings), names: new LocalTable(this.names, columns.names) };
    return this.tables;
  }
}

/** A decoded bucket's sections and strings, read in place from its bytes (valid as long as they are). */
export class BucketRows implements SavedRows {
  private readonly tables: BucketTables;

  constructor(
    readonly occurrences: OccurrenceSection,
    readonly events: EventSection,
    private readonly strings: LocalStrings,
    private readonly names: LocalStrings,
  ) {
    this.tables = new BucketTables(strings, names);
  }

  /** The string bucket id `id` names in the strings table (ref keys, run ids, digests). */
  string(id: number): string {
    return this.strings.value(id);
  }

  /** The digest head (byteCodec's digestHead) of the string bucket id `id` names in the strings table, found without making it; -1 when it is not held as a digest. */
  digestHead(id: number): number {
    return this.strings.digestHead(id);
  }

  /** The number of strings in the bucket's strings table. */
  get stringCount(): number {
    return this.strings.length;
  }

  /** The bucket id of `name` in the names table, -1 when the bucket names no such thing (a small table: looked through). */
  nameId(name: string): number {
    for (let id = 0; id < this.names.length; id++) if (this.names.value(id) === name) return id;
    return -1;
  }

  appendTo(file: PlacedFile, into: StoredFile, columns: RowColumns, pick?: RowPick): void {
    const { strings, names } = this.tables.of(columns);
    columns.occurrences.appendSection(this.occurrences, file.occAt, file.occCount, into, strings, names, pick?.occurrence);
    columns.events.appendSection(this.events, file.evAt, file.evCount, into, strings, names, pick?.event);
  }
}

/** A bucket as read: its files in order (a key index position is an index here) and their rows. */
export interface DecodedBucket {
  files: PlacedFile[];
  rows: BucketRows;
}

/** Throws on bytes that are not a whole bucket (a damaged cache): nothing of it is then kept. */
export function decodeBucket(data: Uint8Array): DecodedBucket {
  return decodeBucketPart(data, () => true) as DecodedBucket;
}

/**
 * A bucket's rows, the bucket checked whole as decodeBucket checks it but none of its files made
 * (their records are passed over, checked to read: skipFileRest): a full load then reads each
 * file once, as it holds it (savedFiles), where decoding them here too made every record twice.
 */
export function checkedRows(data: Uint8Array): BucketRows {
  return decodeBucketPart(data, () => false).rows;
}

/**
 * A bucket as decodeBucket reads it, but with only the files `keep` names (by position and path)
 * made; the others are undefined, passed over without making their records. A query that needs
 * five files of the big bucket (4k files at 1M artifacts) so makes five records, not 4k.
 */
export function decodeBucketPart(data: Uint8Array, keep: (position: number, path: string) => boolean): { files: (PlacedFile | undefined)[]; rows: BucketRows } {
  const { files, occurrences, events, strings, names } = readBucket(new ByteReader(data), data, keep);
  checkOccurrenceSection(occurrences, strings.length, names.length);
  checkEventSection(events, strings.length, names.length);
  return { files, rows: new BucketRows(occurrences, events, strings, names) };
}

/**
 * decodeBucket() for a bucket read in pieces (a big one, checksummed first: see PlacedBucket):
 * its records and strings are brought in, its row sections only placed, then checked and
 * appended a window at a time (PlacedRows). Its files are then read from `bucket.data` by
 * savedFiles() as from a bucket read whole.
 */
export function placeBucket(bucket: PlacedBucket): PlacedRows {
  const { occurrences, events, strings, names } = readBucket(new ByteReader(bucket.data, (from, to) => bucket.load(from, to)), bucket.data, () => false);
  const rows = new PlacedRows(bucket, occurrences, events, strings, names);
  rows.check();
  return rows;
}

/** A bucket's parts, with the files `keep` names (see decodeBucketPart), its row counts checked against its records (the row sections' string ids are checked by the caller). */
function readBucket(
  r: ByteReader,
  data: Uint8Array,
  keep: (position: number, path: string) => boolean,
): { files: (PlacedFile | undefined)[]; occurrences: OccurrenceSection; events: EventSection; strings: LocalStrings; names: LocalStrings } {
  const rows = { occ: 0, ev: 0 };
  const files = Array.from(readFiles(r, data, rows, keep));
  r.align(8);
  const occurrences = readOccurrenceSection(r);
  const events = readEventSection(r);
  const strings = readLocalStrings(r, data);
  const names = readLocalStrings(r, data);
  if (!r.done) throw new Error('trailing bytes');
  if (sectionRows(occurrences) !== rows.occ || events.file.length !== rows.ev) throw new Error('the row sections do not match the records');
  return { files, occurrences, events, strings, names };
}

/**
 * The files of a bucket checked whole (checkedRows, placeBucket), read one at a time: a full load
 * holds each as it is read, so a file's record and strings die young, where the ~4k of a bucket read
 * at once outlived collections of the young objects and filled the old space with garbage (at
 * 1M artifacts, ~100 MB more heap at the end of the load, where its peak is).
 */
export function savedFiles(data: Uint8Array): Iterable<PlacedFile> {
  return readFiles(new ByteReader(data), data, { occ: 0, ev: 0 }, () => true) as Iterable<PlacedFile>;
}

/** The bucket's files those `keep` names, in order (undefined for the others), read by `r` from `data`; `rows` counts the rows of all of them so far. */
function* readFiles(r: ByteReader, data: Uint8Array, rows: { occ: number; ev: number }, keep: (position: number, path: string) => boolean): Generator<PlacedFile | undefined> {
  const n = r.uint();
  r.need(n);
  for (let i = 0; i < n; i++) {
    const head = readFileHead(r);
    let f: PlacedFile | undefined;
    if (keep(i, head.path)) {
      f = readFileRest(r, head, data) as PlacedFile;
      f.occAt = rows.occ;
      f.evAt = rows.ev;
    } else skipFileRest(r);
    rows.occ += head.occCount;
    rows.ev += head.evCount;
    yield f;
  }
}

/** Writes buckets from a store: its files' records, then their rows straight from the columns (into a spilling writer, straight to the file: see persist.ts). */
export class BucketWriter {
  private readonly strings = new LocalIds();
  private readonly names = new LocalIds();

  constructor(private readonly columns: RowColumns) {}

  /** `pause` is awaited every FILES_PER_PAUSE files' records and every few thousand rows of the sections (a save lets requests in between). */
  async write(w: ByteWriter, files: readonly StoredFile[], derivedOf: (path: string) => Problem[], pause: () => Promise<void>): Promise<void> {
    w.uint(files.length);
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const saved = this.columns.savedRecord(f);
      writeFileMeta(w, saved, this.columns.savedArtifacts(f), f.root, f, derivedOf(saved.record.path));
      if ((i + 1) % FILES_PER_PAUSE === 0) await pause();
    }
    w.align(8);
    await this.columns.occurrences.writeSection(w, files, this.strings, this.names, pause);
    await this.columns.events.writeSection(w, files, this.strings, this.names, pause);
    await this.strings.write(w, this.columns.strings, pause);
    await this.names.write(w, this.columns.names, pause);
  }
}
