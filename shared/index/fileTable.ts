// What the saved index holds, file by file (path, size, mtime, role, root), as the cache
// summary stores it: the paths as one NUL-separated string in discovery order, sizes and
// mtimes as one Float64Array, each file's (role, root) as an id into a small table. A warm
// start decodes it without an object per file, and an unchanged workspace (listed in the same
// order) is recognised by comparing one string and then the numbers in order; only a
// workspace whose listing changed pays for a Map of its paths.
import { crc32 } from 'node:zlib';
import type { DiscoveredFile } from './discovery';
import { keyHash } from './keyIndex';
import { ROWS_PER_PAUSE } from './timeSlices';

export interface TableEntry {
  path: string;
  size: number;
  mtimeMs: number;
  role: string;
  root: string;
}

const MAGIC = 0x32425446; // "FTB2"
/** magic, files, path bytes, table bytes, CRC-32 of everything after the header; then paths, stamps, kinds, table. */
const HEADER = 24;
/** The size of the pieces the paths are written in. */
const PATH_PIECE = 1 << 20;

/**
 * The paths, NUL-separated UTF-8, gathered into a piece of about PATH_PIECE bytes that is
 * written out whenever the next path would not fit, and then filled again: at 1M files the
 * paths are ~120 MB, and held whole until the table's end they were the cold save's last peak
 * (+140 MB in its last 1.5 s).
 */
class PathPieces {
  private piece = Buffer.allocUnsafe(PATH_PIECE);
  private at = 0;
  /** Bytes gathered so far, written out or not. */
  length = 0;

  /** Whether `path` fits in the piece: when not, take() the piece and write it out first. */
  fits(path: string): boolean {
    // At most 3 UTF-8 bytes per UTF-16 unit, and the NUL.
    return this.at === 0 || this.at + 3 * path.length + 1 <= this.piece.length;
  }

  /** The bytes gathered since the last take: write them out before the next add, which fills the same buffer. */
  take(): Buffer {
    const bytes = this.piece.subarray(0, this.at);
    this.at = 0;
    return bytes;
  }

  add(path: string, separated: boolean): void {
    // Only into an empty piece (see fits): a path longer than a piece gets one of its own size.
    if (3 * path.length + 1 > this.piece.length) this.piece = Buffer.allocUnsafe(3 * path.length + 1);
    const start = this.at;
    if (separated) this.piece[this.at++] = 0;
    this.at += this.piece.write(path, this.at, 'utf8');
    this.length += this.at - start;
  }
}

/**
 * Files of a saved table whose size and mtime changed since it was written, saved beside it
 * (in the summary) instead of the table written again: a start after a log appended to at
 * 1M files wrote 165 MB for one file's two numbers (see TableToSave).
 */
export type StampPatches = readonly TableEntry[];

/** Every file a save holds, in order, and how many they are (the table's columns are made that size). */
export interface FilesToSave {
  entries: Iterable<TableEntry>;
  count: number;
}

/** What a save keeps as its file table: every file in order, written anew; or the saved table `kept`, with `patches`. */
export type TableToSave = FilesToSave | { kept: string; patches: StampPatches };

/** Patches past this many have the table written anew (patched() looks each listed file up in them). */
export const PATCHES_MOST = 4096;

export class FileTable {
  /** The paths one by one, and their hash slots (see indexOf), made when a listing is compared path by path. */
  private list: string[] | undefined;
  private slots: Int32Array | undefined;
  /** The stamps of files changed since the table was written, by path (see StampPatches). */
  private patches: Map<string, TableEntry> | undefined;

  private constructor(
    private readonly paths: string,
    /** size, mtime of file i at 2i, 2i + 1. */
    private readonly stamps: Float64Array,
    /** (role, root) id of file i. */
    private readonly kinds: Uint32Array,
    private readonly kindTable: [string, string][],
  ) {}

  get size(): number {
    return this.kinds.length;
  }

  /** This table, with the stamps of `patches` in place of those written (see StampPatches). */
  patched(patches: StampPatches): this {
    if (patches.length) this.patches = new Map(patches.map((e) => [e.path, e]));
    return this;
  }

  /**
   * Writes the table's bytes through `out` (each piece at its offset in the file; the header,
   * which holds the checksum, last). `pause` (a save's) is awaited every ROWS_PER_PAUSE files and
   * between pieces: at 140k files this is a second of work, not to be done in one go on the thread
   * that answers hovers. The paths are written first, a piece at a time as they come; sizes,
   * mtimes and kinds go into typed arrays of the told count, written after them: no list per
   * column, no joined strings, no copy of the whole table in one buffer.
   */
  static async write({ entries, count }: FilesToSave, pause: () => Promise<void>, out: (bytes: Uint8Array, at: number) => void): Promise<void> {
    const paths = new PathPieces();
    const stamps = new Float64Array(2 * count);
    const kinds = new Uint32Array(count);
    const kindIds = new Map<string, number>();
    const kindTable: [string, string][] = [];
    // The pieces in file order after the header, the checksum taken on over each.
    let at = HEADER;
    let crc = 0;
    const put = async (bytes: Uint8Array) => {
      out(bytes, at);
      crc = crc32(bytes, crc);
      at += bytes.length;
      await pause();
    };
    let n = 0;
    for (const e of entries) {
      if (n === count) throw new Error(`more files to save than the ${count} told`);
      if (!paths.fits(e.path)) await put(paths.take());
      paths.add(e.path, n > 0);
      stamps[2 * n] = e.size;
      stamps[2 * n + 1] = e.mtimeMs;
      const k = e.role + '\0' + e.root;
      let id = kindIds.get(k);
      if (id === undefined) {
        kindIds.set(k, (id = kindTable.length));
        kindTable.push([e.role, e.root]);
      }
      kinds[n++] = id;
      if (n % ROWS_PER_PAUSE === 0) await pause();
    }
    if (n !== count) throw new Error(`${n} files to save, not the ${count} told`);
    await put(paths.take());
    await put(new Uint8Array(stamps.buffer));
    await put(new Uint8Array(kinds.buffer));
    const tableBytes = Buffer.from(JSON.stringify(kindTable), 'utf8');
    await put(tableBytes);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(n, 4);
    header.writeUInt32LE(paths.length, 8);
    header.writeUInt32LE(tableBytes.length, 12);
    header.writeUInt32LE(crc, 16);
    out(header, 0);
  }

  /** Throws on bytes that are not a table (a damaged summary). */
  static decode(bytes: Uint8Array): FileTable {
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (b.length < HEADER || b.readUInt32LE(0) !== MAGIC) throw new Error('not a file table');
    const n = b.readUInt32LE(4);
    const pathLength = b.readUInt32LE(8);
    const tableLength = b.readUInt32LE(12);
    if (b.length !== HEADER + 20 * n + pathLength + tableLength) throw new Error('file table of the wrong length');
    if (crc32(b.subarray(HEADER)) !== b.readUInt32LE(16)) throw new Error('file table checksum mismatch');
    const paths = b.toString('utf8', HEADER, HEADER + pathLength);
    // Copied into buffers of their own: aligned, and not holding the file's bytes.
    const stampsAt = HEADER + pathLength;
    const stamps = new Float64Array(2 * n);
    Buffer.from(stamps.buffer).set(b.subarray(stampsAt, stampsAt + 16 * n));
    const kinds = new Uint32Array(n);
    Buffer.from(kinds.buffer).set(b.subarray(stampsAt + 16 * n, stampsAt + 20 * n));
    const kindTable = JSON.parse(b.toString('utf8', stampsAt + 20 * n, b.length)) as [string, string][];
    if (!Array.isArray(kindTable) || kinds.some((k) => !Array.isArray(kindTable[k]))) throw new Error('file table names unknown kinds');
    return new FileTable(paths, stamps, kinds, kindTable);
  }

  /** Every path, in order. */
  pathList(): string[] {
    return this.size === 0 ? [] : this.paths.split('\0');
  }

  /**
   * The saved files directly in each of folders `dirs` (each with its trailing separator), as
   * saved: one pass over the paths that makes a string only for those files, where pathList()
   * made one per file (a lazy start looking at one moved folder of a 1M-file table).
   */
  inFolders(dirs: ReadonlySet<string>, separator: string): Map<string, TableEntry[]> {
    const out = new Map<string, TableEntry[]>();
    const lengths = new Set(Array.from(dirs, (d) => d.length));
    const paths = this.paths;
    let start = 0;
    for (let i = 0; i < this.size; i++) {
      let end = paths.indexOf('\0', start);
      if (end < 0) end = paths.length;
      const dirLength = paths.lastIndexOf(separator, end - 1) + 1 - start;
      if (dirLength > 0 && lengths.has(dirLength)) {
        const dir = paths.slice(start, start + dirLength);
        if (dirs.has(dir)) {
          let held = out.get(dir);
          if (!held) out.set(dir, (held = []));
          held.push(this.entryAt(i, paths.slice(start, end)));
        }
      }
      start = end + 1;
    }
    return out;
  }

  /** The files whose path `keep` takes, as saved, in order. */
  entries(keep: (path: string) => boolean): TableEntry[] {
    const out: TableEntry[] = [];
    this.pathList().forEach((path, i) => keep(path) && out.push(this.entryAt(i, path)));
    return out;
  }

  /**
   * File `path`'s index, found through an open-addressing table of the paths' hashes: made only
   * when a listing leaves the saved order (see finder), and an int per file where a Map of every
   * path cost 336-524 ms at 109k files.
   */
  private indexOf(path: string): number | undefined {
    const list = this.pathArray();
    if (!this.slots) {
      let size = 2;
      while (size < 2 * list.length) size *= 2;
      this.slots = new Int32Array(size);
      list.forEach((p, i) => {
        let s = keyHash(p) & (size - 1);
        while (this.slots![s] !== 0) s = (s + 1) & (size - 1);
        this.slots![s] = i + 1;
      });
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let s = keyHash(path) & mask; slots[s] !== 0; s = (s + 1) & mask) if (list[slots[s] - 1] === path) return slots[s] - 1;
    return undefined;
  }

  /** pathList(), made once and kept while paths are looked up. */
  private pathArray(): string[] {
    return (this.list ??= this.pathList());
  }

  /**
   * Finds the index of each of a listing's files in turn: the next saved one when it is that
   * file (a listing is in the saved order but for what changed), else by its hash (indexOf).
   */
  private finder(): (path: string) => number | undefined {
    const list = this.pathArray();
    let next = 0;
    return (path) => {
      const i = list[next] === path ? next : this.indexOf(path);
      if (i !== undefined) next = i + 1;
      return i;
    };
  }

  private same(i: number, f: DiscoveredFile): boolean {
    const [role, root] = this.kindTable[this.kinds[i]];
    if (role !== f.role || root !== f.root) return false;
    // An artifact discovery did not stat (write-once: see DiscoveryOptions.statArtifacts) is the one saved.
    if (f.role === 'artifact' && Number.isNaN(f.size)) return true;
    const patch = this.patches?.get(f.path);
    if (patch) return patch.size === f.size && patch.mtimeMs === f.mtimeMs;
    return this.stamps[2 * i] === f.size && this.stamps[2 * i + 1] === f.mtimeMs;
  }

  /** File `i` (at `path`) as saved. */
  private entryAt(i: number, path: string): TableEntry {
    const [role, root] = this.kindTable[this.kinds[i]];
    const patch = this.patches?.get(path);
    return { path, size: patch?.size ?? this.stamps[2 * i], mtimeMs: patch?.mtimeMs ?? this.stamps[2 * i + 1], role, root };
  }

  /**
   * A listing's entries in its order: `changed(f)` for a file read since the save, the saved
   * entry for the others. Throws on a file that is neither.
   */
  *asListed(files: readonly DiscoveredFile[], changed: (f: DiscoveredFile) => TableEntry | undefined): Iterable<TableEntry> {
    const find = this.finder();
    for (const f of files) {
      const e = changed(f) ?? this.entryOf(find(f.path), f.path);
      if (!e) throw new Error(`${f.path} is neither read nor saved`);
      yield e;
    }
  }

  private entryOf(i: number | undefined, path: string): TableEntry | undefined {
    return i === undefined ? undefined : this.entryAt(i, path);
  }

  /**
   * How `files` differ from the saved files: those new or changed (as `matches` tells a file
   * apart; `added` of them new), and the saved ones not among them. Stops, returning undefined, past `most` of both.
   */
  differences(files: readonly DiscoveredFile[], most: number): { changed: DiscoveredFile[]; gone: TableEntry[]; added: number } | undefined {
    const changed: DiscoveredFile[] = [];
    let added = 0;
    const listed = new Uint8Array(this.size);
    let found = 0;
    const find = this.finder();
    for (const f of files) {
      const i = find(f.path);
      if (i !== undefined) {
        listed[i] = 1;
        found++;
      }
      if (i === undefined) added++;
      if (i === undefined || !this.same(i, f)) {
        changed.push(f);
        if (changed.length > most) return undefined;
      }
    }
    if (changed.length + this.size - found > most) return undefined;
    const gone: TableEntry[] = [];
    if (found < this.size) this.pathArray().forEach((path, i) => listed[i] || gone.push(this.entryAt(i, path)));
    return { changed, gone, added };
  }

  /** Whether `files` are the saved files in the saved order (as many of them: see matches). */
  private inOrder(files: readonly DiscoveredFile[]): boolean {
    const paths = this.paths;
    let at = 0;
    for (const { path } of files) {
      const end = at + path.length;
      // The saved paths are joined by '\0', which no path holds.
      if (!paths.startsWith(path, at) || (end < paths.length && paths.charCodeAt(end) !== 0)) return false;
      at = end + 1;
    }
    return true;
  }

  /** Whether `files` are exactly the saved files, each unchanged. */
  matches(files: readonly DiscoveredFile[]): boolean {
    if (files.length !== this.size) return false;
    // Listed in the saved order (the usual case): each path compared where the saved paths hold
    // it, then the numbers in order. No string made: the listing's paths joined to be compared
    // whole were ~165 MB more at the peak of a lazy start that lists 1M files (`verify`).
    if (this.inOrder(files)) return files.every((f, i) => this.same(i, f));
    return files.every((f) => {
      const i = this.indexOf(f.path);
      return i !== undefined && this.same(i, f);
    });
  }
}
