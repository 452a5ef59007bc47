// Strings the index holds many times over (ref keys, namespaces) kept once, each with a small
// integer id: columns store the id (4 bytes) instead of a pointer to a string per record, and
// equal strings compare as equal ids. A table given a DigestTable keeps a `sha256:<64 hex>`
// string (most ref keys) as its digest's id instead: no string and no Map entry per digest
// (about 120 bytes each), the string made again when asked for.
import { grownInSlices } from './columnRoom';
import type { DigestTable } from './digestTable';

const SHA256 = 'sha256:';

export class StringTable {
  private readonly ids = new Map<string, number>();
  /** By id: the string, or undefined for a digest key (its digest id is in digestAt). */
  private readonly values: (string | undefined)[] = [];
  private digestAt = new Int32Array(0);
  /** Digest id -> table id + 1 (0: the digest has no id here). */
  private idOfDigestSlot = new Int32Array(0);

  /** `digests`: where `sha256:<hex>` keys are kept by id (see digestIdOf). */
  constructor(readonly digests?: DigestTable) {}

  /** The digest id of `s` when it is a digest key this table keeps as one (adding the digest when `add`), else -1. */
  private digestKey(s: string, add: boolean): number {
    if (!this.digests || s.length !== 71 || !s.startsWith(SHA256)) return -1;
    return add ? this.digests.idIfDigest(s, 7) : (this.digests.find(s, 7) ?? -1);
  }

  /** The id of `s`, adding it on first sight (the first copy seen is the one kept). */
  id(s: string): number {
    const digest = this.digestKey(s, true);
    if (digest >= 0) return this.idOfDigest(digest);
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(s, id);
      this.values.push(s);
    }
    return id;
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
    const id = this.values.length;
    this.values.push(undefined);
    if (id >= this.digestAt.length) this.digestAt = grown(this.digestAt, id);
    this.digestAt[id] = digest;
    this.idOfDigestSlot[digest] = id + 1;
    return id;
  }

  /**
   * Room for `n` more digest keys (and their digests: DigestTable.makeRoom), made a slice at a
   * time with `pause` between (an update, ahead of the rows it stores): grown as they filled, the
   * two id columns held the server's thread ~40 ms. Should an id be added meanwhile (a request
   * may add one), a column is copied whole again at the end (its pages are in place by then:
   * well under a millisecond); should it have grown by itself meanwhile, that is kept.
   */
  async makeRoom(n: number, pause: () => Promise<void>): Promise<void> {
    if (!this.digests) return;
    await this.digests.makeRoom(n, pause);
    const ids = this.values.length;
    if (ids + n > this.digestAt.length) {
      const old = this.digestAt;
      const grown = await grownInSlices(old, ids, Math.max(old.length * 2, ids + n), pause);
      if (this.values.length !== ids) grown.set(old);
      if (this.digestAt === old) this.digestAt = grown;
    }
    const digests = this.digests.size;
    if (digests + n > this.idOfDigestSlot.length) {
      const old = this.idOfDigestSlot;
      const added = this.values.length;
      const grown = await grownInSlices(old, old.length, Math.max(old.length * 2, digests + n), pause);
      if (this.values.length !== added) grown.set(old);
      if (this.idOfDigestSlot === old) this.idOfDigestSlot = grown;
    }
  }

  /** The id of `s` if the table holds it (a lookup never adds). */
  find(s: string): number | undefined {
    const digest = this.digestKey(s, false);
    if (digest >= 0) return digest < this.idOfDigestSlot.length && this.idOfDigestSlot[digest] ? this.idOfDigestSlot[digest] - 1 : undefined;
    return this.ids.get(s);
  }

  value(id: number): string {
    return this.values[id] ?? SHA256 + this.digests!.hex(this.digestAt[id]);
  }

  /**
   * The digest id of `id` when it names a `sha256:<hex>` key kept as a digest, else -1: callers
   * holding ids (the cross-file check, the save) go on to the digest table without the string.
   */
  digestIdOf(id: number): number {
    return this.values[id] === undefined && id < this.values.length ? this.digestAt[id] : -1;
  }

  get size(): number {
    return this.values.length;
  }
}

/** `a` grown (doubling) to hold index `at`. */
function grown(a: Int32Array<ArrayBuffer>, at: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(Math.max(1024, a.length * 2, at + 1));
  next.set(a);
  return next;
}
