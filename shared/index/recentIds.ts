// A string table's ids of the strings asked for lately, for a reader packing a log's rows a
// line at a time (packedRows.ts). A log line names the same digest several times over (a ref
// is found once in its text and again in its parsed event; its hash is the next line's
// prev_hash) and every line names its file, its event type and its refs' fields: in the table
// each is a hex parse and a probe of the digest table, or a hash of all the string's units and
// a compare of its bytes. Here a string is looked for in one slot, picked by a few of its
// characters, and compared whole: a Map, which hashes every new string whole, saved half as
// much. The table gives the ids: a string has the same id however it is asked for.
import type { StringIds, StringTable } from './stringTable';

/** Sets of two slots (a power of two): a few lines' strings. */
const SETS = 128;

export class RecentIds implements StringIds {
  /** Two slots a set, so that two strings a log names on every line (its file, a field) that fall in one set do not take turns. */
  private readonly strings = new Array<string | undefined>(2 * SETS).fill(undefined);
  private readonly ids = new Int32Array(2 * SETS);
  /** By set: which of its slots was used last (the other is the one replaced). */
  private readonly lastUsed = new Uint8Array(SETS);

  constructor(private readonly table: StringTable) {}

  id(s: string): number {
    const n = s.length;
    // The last characters and the middle one: a digest's are random hex, a name's differ too.
    const set = Math.imul(n ^ (s.charCodeAt(n - 1) << 8) ^ (s.charCodeAt(n - 2) << 16) ^ (s.charCodeAt(n >> 1) << 24), 0x9e3779b1) >>> 25;
    const first = 2 * set;
    if (this.strings[first] === s) {
      this.lastUsed[set] = 0;
      return this.ids[first];
    }
    if (this.strings[first + 1] === s) {
      this.lastUsed[set] = 1;
      return this.ids[first + 1];
    }
    const way = this.lastUsed[set] ^ 1;
    const id = this.table.id(s);
    this.strings[first + way] = s;
    this.ids[first + way] = id;
    this.lastUsed[set] = way;
    return id;
  }
}
