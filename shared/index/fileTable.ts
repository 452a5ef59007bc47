// What the saved index holds, file by file (path, size, mtime, role, root), as the cache
// summary stores it: the paths as one NUL-separated string in discovery order, sizes and
// mtimes as one Float64Array, each file's (role, root) as an id into a small table. A warm
// start decodes it without an object per file, and an unchanged workspace (listed in the same
// order) is recognised by comparing one string and then the numbers in order; only a
// workspace whose listing changed pays for a Map of its paths.
import { crc32 } from 'node:zlib';
import type { DiscoveredFile } from './discovery';
import { ROWS_PER_PAUSE } from './timeSlices';

export interface TableEntry {
  path: string;
  size: number;
  mtimeMs: number;
  role: string;
  root: string;
}

const MAGIC = 0x46544231; // "FTB1"
/** magic, files, path bytes, table bytes, CRC-32 of everything after the header; then stamps (8-aligned), kinds, paths, table. */
const HEADER = 24;
/** Bytes checksummed between two pauses of encode(). */
const CRC_STEP = 1 << 20;

export class FileTable {
  private byPath: Map<string, number> | undefined;

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

  /**
   * The table's bytes. `pause` (a save's) is awaited every ROWS_PER_PAUSE files, and the paths are
   * encoded that many at a time: at 140k files this is a second of work, not to be done in one go
   * on the thread that answers hovers.
   */
  static async encode(entries: Iterable<TableEntry>, pause: () => Promise<void>): Promise<Buffer> {
    const pathChunks: Buffer[] = [];
    let chunk: string[] = [];
    const stamps: number[] = [];
    const kinds: number[] = [];
    const kindIds = new Map<string, number>();
    const kindTable: [string, string][] = [];
    for (const e of entries) {
      chunk.push(e.path);
      stamps.push(e.size, e.mtimeMs);
      const k = e.role + '\0' + e.root;
      let id = kindIds.get(k);
      if (id === undefined) {
        kindIds.set(k, (id = kindTable.length));
        kindTable.push([e.role, e.root]);
      }
      kinds.push(id);
      if (chunk.length === ROWS_PER_PAUSE) {
        // The NUL between this chunk and the next is written with the next.
        pathChunks.push(Buffer.from((pathChunks.length ? '\0' : '') + chunk.join('\0'), 'utf8'));
        chunk = [];
        await pause();
      }
    }
    if (chunk.length) pathChunks.push(Buffer.from((pathChunks.length ? '\0' : '') + chunk.join('\0'), 'utf8'));
    let pathLength = 0;
    for (const c of pathChunks) pathLength += c.length;
    const tableBytes = Buffer.from(JSON.stringify(kindTable), 'utf8');
    const n = kinds.length;
    const out = Buffer.alloc(HEADER + 20 * n + pathLength + tableBytes.length);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(n, 4);
    out.writeUInt32LE(pathLength, 8);
    out.writeUInt32LE(tableBytes.length, 12);
    Buffer.from(Float64Array.from(stamps).buffer).copy(out, HEADER);
    Buffer.from(Uint32Array.from(kinds).buffer).copy(out, HEADER + 16 * n);
    let at = HEADER + 20 * n;
    for (const c of pathChunks) {
      at += c.copy(out, at);
      await pause();
    }
    tableBytes.copy(out, at);
    // The checksum a megabyte at a time (crc32 takes on from the value before).
    let crc = 0;
    for (let from = HEADER; from < out.length; from += CRC_STEP) {
      crc = crc32(out.subarray(from, Math.min(from + CRC_STEP, out.length)), crc);
      await pause();
    }
    out.writeUInt32LE(crc, 16);
    return out;
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
    // Copied into buffers of their own: aligned, and not holding the file's bytes.
    const stamps = new Float64Array(2 * n);
    Buffer.from(stamps.buffer).set(b.subarray(HEADER, HEADER + 16 * n));
    const kinds = new Uint32Array(n);
    Buffer.from(kinds.buffer).set(b.subarray(HEADER + 16 * n, HEADER + 20 * n));
    const paths = b.toString('utf8', HEADER + 20 * n, HEADER + 20 * n + pathLength);
    const kindTable = JSON.parse(b.toString('utf8', HEADER + 20 * n + pathLength, b.length)) as [string, string][];
    if (!Array.isArray(kindTable) || kinds.some((k) => !Array.isArray(kindTable[k]))) throw new Error('file table names unknown kinds');
    return new FileTable(paths, stamps, kinds, kindTable);
  }

  /** Every path, in order. */
  pathList(): string[] {
    return this.size === 0 ? [] : this.paths.split('\0');
  }

  /** The files whose path `keep` takes, as saved, in order. */
  entries(keep: (path: string) => boolean): TableEntry[] {
    const out: TableEntry[] = [];
    this.pathList().forEach((path, i) => {
      if (!keep(path)) return;
      const [role, root] = this.kindTable[this.kinds[i]];
      out.push({ path, size: this.stamps[2 * i], mtimeMs: this.stamps[2 * i + 1], role, root });
    });
    return out;
  }

  private indexOf(path: string): number | undefined {
    if (!this.byPath) {
      this.byPath = new Map();
      this.pathList().forEach((p, i) => this.byPath!.set(p, i));
    }
    return this.byPath.get(path);
  }

  private same(i: number, f: DiscoveredFile): boolean {
    const [role, root] = this.kindTable[this.kinds[i]];
    if (role !== f.role || root !== f.root) return false;
    // An artifact discovery did not stat (write-once: see DiscoveryOptions.statArtifacts) is the one saved.
    if (f.role === 'artifact' && Number.isNaN(f.size)) return true;
    return this.stamps[2 * i] === f.size && this.stamps[2 * i + 1] === f.mtimeMs;
  }

  /** Whether `files` are exactly the saved files, each unchanged. */
  matches(files: readonly DiscoveredFile[]): boolean {
    if (files.length !== this.size) return false;
    // Listed in the saved order (the usual case): one string comparison, then the numbers in order.
    if (files.map((f) => f.path).join('\0') === this.paths) return files.every((f, i) => this.same(i, f));
    return files.every((f) => {
      const i = this.indexOf(f.path);
      return i !== undefined && this.same(i, f);
    });
  }
}
