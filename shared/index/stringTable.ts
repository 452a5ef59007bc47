// Strings the index holds many times over (ref keys, namespaces) kept once, each with a small
// integer id: columns store the id (4 bytes) instead of a pointer to a string per record, and
// equal strings compare as equal ids. A table given a DigestTable keeps a `sha256:<64 hex>`
// string (most ref keys) as its digest's id instead: no string and no Map entry per digest
// (about 120 bytes each), the string made again when asked for. The others (run ids, turn and
// package keys) are kept as bytes in a text pool (textPool.ts), made again when asked for too.
import { grown as copiedTo, grownInSlices, withSettledRoom } from './columnRoom';
import { DigestTable } from './digestTable';
import { TextPool } from './textPool';

const SHA256 = 'sha256:';
const BLAKE3 = 'blake3:';
/**
 * `where` at or below this names a `blake3:` key, by its digest id in `blake3` (BLAKE3_WHERE -
 * where); from -1 down to above it, a `sha256:` key's digest id (-where - 1).
 */
const BLAKE3_WHERE = -(2 ** 30);

/** What a writer of rows needs of a table: the id of a string, added on first sight. */
export interface StringIds {
  id(s: string): number;
}

export class StringTable implements StringIds {
  /** The strings other than digest keys, as bytes (textPool.ts), in the order added. */
  private readonly texts = new TextPool();
  /** Text id (in `texts`) -> table id. */
  private idOfText = new Int32Array(0);
  /**
   * By id: the string's id in `texts`, or -(digest id + 1) for a digest key (see BLAKE3_WHERE). A typed
   * column, grown ahead a slice at a time (makeRoom), where a JS array of every id's value grew
   * by copying ~600k slots in one piece (12-40 ms on the server's thread while an agent wrote).
   */
  private where = new Int32Array(0);
  private count = 0;
  /** Digest id -> table id + 1 (0: the digest has no id here). */
  private idOfDigestSlot = new Int32Array(0);
  /**
   * `blake3:<hex>` keys (the payload digests events answer to: 308k at 1M artifacts) as digests
   * of their own, in a table that keeps digest keys: as text, 71 bytes and a text pool slot each.
   */
  private readonly blake3?: DigestTable;
  /** Blake3 digest id -> table id (each is a key: the table is its own). */
  private idOfBlake3 = new Int32Array(0);

  /** `digests`: where `sha256:<hex>` keys are kept by id (see digestIdOf). */
  constructor(readonly digests?: DigestTable) {
    if (digests) this.blake3 = new DigestTable();
  }

  /** The digest id of `s` when it is a digest key this table keeps as one (adding the digest when `add`), else -1. */
  private digestKey(s: string, add: boolean): number {
    if (!this.digests || s.length !== 71 || !s.startsWith(SHA256)) return -1;
    return add ? this.digests.idIfDigest(s, 7) : (this.digests.find(s, 7) ?? -1);
  }

  /** As digestKey for a `blake3:` key, in `blake3`. */
  private blake3Key(s: string, add: boolean): number {
    if (!this.blake3 || s.length !== 71 || !s.startsWith(BLAKE3)) return -1;
    return add ? this.blake3.idIfDigest(s, 7) : (this.blake3.find(s, 7) ?? -1);
  }

  /** The id of `s`, adding it on first sight (the first copy seen is the one kept). */
  id(s: string): number {
    const digest = this.digestKey(s, true);
    if (digest >= 0) return this.idOfDigest(digest);
    const blake3Keys = this.blake3?.size ?? 0;
    const blake3 = this.blake3Key(s, true);
    if (blake3 >= 0) {
      // Every digest in `blake3` is a key here: one it had before has its id.
      if (blake3 < blake3Keys) return this.idOfBlake3[blake3];
      if (blake3 >= this.idOfBlake3.length) this.idOfBlake3 = grown(this.idOfBlake3, blake3);
      return (this.idOfBlake3[blake3] = this.newId(BLAKE3_WHERE - blake3));
    }
    const known = this.texts.size;
    const text = this.texts.id(s);
    if (text < known) return this.idOfText[text];
    if (text >= this.idOfText.length) this.idOfText = grown(this.idOfText, text);
    return (this.idOfText[text] = this.newId(text));
  }

  /**
   * As id() for the `sha256:<hex>` key of the 32 bytes at `at` in `bytes`, without making the
   * string when the table keeps digest keys as digests (a load's saved keys: see LocalStrings).
   */
  idOfDigestBytes(bytes: Uint8Array, at: number): number {
    if (!this.digests) return this.id(SHA256 + Buffer.from(bytes.buffer, bytes.byteOffset + at, 32).toString('hex'));
    return this.idOfDigest(this.digests.idOfBytes(bytes, at));
  }

  /** The id of the key of digest `digest`, adding it on first sight. */
  private idOfDigest(digest: number): number {
    if (digest >= this.idOfDigestSlot.length) this.idOfDigestSlot = grown(this.idOfDigestSlot, digest);
    const known = this.idOfDigestSlot[digest];
    if (known) return known - 1;
    const id = this.newId(-(digest + 1));
    this.idOfDigestSlot[digest] = id + 1;
    return id;
  }

  /** A new id, kept `where` (see where). */
  private newId(where: number): number {
    const id = this.count++;
    if (id >= this.where.length) this.where = grown(this.where, id);
    this.where[id] = where;
    return id;
  }

  /**
   * Room for `ids` ids and `digests` digest keys in all, and `textBytes` more bytes of the other
   * strings, and a tenth, made once: a full load knows how many it brings (SavedTables), where
   * doubling left up to half of each column spare.
   */
  expect(ids: number, digests: number, textBytes = 0): void {
    this.texts.expect(textBytes);
    this.where = withSettledRoom(this.where, ids, 1024);
    if (this.digests) this.idOfDigestSlot = withSettledRoom(this.idOfDigestSlot, digests, 1024);
  }

  /**
   * Room for `n` more ids (and digests: DigestTable.makeRoom), made a slice at a time with
   * `pause` between (an update, ahead of the rows it stores): grown as they filled, the id
   * columns held the server's thread ~40 ms. Should an id be added meanwhile (a request may add
   * one), a column is copied whole again at the end (its pages are in place by then: well under
   * a millisecond); should it have grown by itself meanwhile, that is kept.
   */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    await this.digests?.makeRoom(n, pause);
    await this.blake3?.makeRoom(n, pause);
    const ids = this.count;
    if (ids + n > this.where.length) {
      const old = this.where;
      const grown = await grownInSlices(old, ids, Math.max(old.length * 2, ids + n), pause);
      if (this.count !== ids) grown.set(old);
      if (this.where === old) this.where = grown;
    }
    const digests = this.digests?.size ?? 0;
    if (this.digests && digests + n > this.idOfDigestSlot.length) {
      const old = this.idOfDigestSlot;
      const added = this.count;
      const grown = await grownInSlices(old, old.length, Math.max(old.length * 2, digests + n), pause);
      if (this.count !== added) grown.set(old);
      if (this.idOfDigestSlot === old) this.idOfDigestSlot = grown;
    }
  }

  /** The id of `s` if the table holds it (a lookup never adds). */
  find(s: string): number | undefined {
    const digest = this.digestKey(s, false);
    if (digest >= 0) return digest < this.idOfDigestSlot.length && this.idOfDigestSlot[digest] ? this.idOfDigestSlot[digest] - 1 : undefined;
    const blake3 = this.blake3Key(s, false);
    if (blake3 >= 0) return this.idOfBlake3[blake3];
    const text = this.texts.find(s);
    return text === undefined ? undefined : this.idOfText[text];
  }

  value(id: number): string {
    const where = this.where[id];
    if (where >= 0) return this.texts.text(where);
    return where > BLAKE3_WHERE ? SHA256 + this.digests!.hex(-where - 1) : BLAKE3 + this.blake3!.hex(BLAKE3_WHERE - where);
  }

  /**
   * The digest id of `id` when it names a `sha256:<hex>` key kept as a digest, else -1: callers
   * holding ids (the cross-file check, the save) go on to the digest table without the string.
   */
  digestIdOf(id: number): number {
    return id < this.count && this.where[id] < 0 && this.where[id] > BLAKE3_WHERE ? -this.where[id] - 1 : -1;
  }

  get size(): number {
    return this.count;
  }

  /** The bytes the strings other than digest keys take (see expect). */
  get textBytes(): number {
    return this.texts.byteLength;
  }
}

/** `a` grown (doubling) to hold index `at`. */
function grown(a: Int32Array<ArrayBuffer>, at: number): Int32Array<ArrayBuffer> {
  return copiedTo(a, Math.max(1024, a.length * 2, at + 1));
}

/** How many strings a RecurringIds keeps before it starts again (a workspace of unbounded kinds costs no more). */
const RECURRING_MAX = 4096;

/**
 * A table's ids of strings that recur (an artifact's kind, namespace, root; a file's root and
 * role), remembered by string in a Map: V8 keeps a string's hash in it, and a load's decoder
 * hands one string object for each use in a bucket, so a hit hashes nothing, where the table
 * hashed and compared its characters at every use. Ids are never given back, so one
 * remembered stays right.
 */
export class RecurringIds {
  private readonly ids = new Map<string, number>();

  constructor(private readonly table: StringTable) {}

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      if (this.ids.size >= RECURRING_MAX) this.ids.clear();
      this.ids.set(s, (id = this.table.id(s)));
    }
    return id;
  }
}
