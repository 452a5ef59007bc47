// The keys one record answers to in the saved key index (keyIndex.ts), gathered as their
// hashes straight from the ids the store holds: a key is a prefix (TARGET, MENTION...) and a
// strings-table id or a digest id, hashed as the string `prefix + key` would be, without making
// it. A 435k-row log answers to about a million keys; making each `m:sha256:<hex>` string to
// hash it once was most of the save's key listing.
//
// One KeyHashes serves a whole save, record after record: each prefix's ids are gathered in a
// typed array reused from record to record, and made distinct by sorting them when the record
// is done. A Set per prefix per record (and their iterators) was most of a cold save's garbage;
// the order keys are listed in does not matter, as the key bucket sorts them by hash.
import { releaseBuffer } from '../releaseBuffer';
import type { DigestTable } from './digestTable';
import { KEY_HASH_SEED, keyHashOn, keyHashOnHex, type KeySink } from './keyIndex';
import type { StringTable } from './stringTable';
import { ROWS_PER_PAUSE } from './timeSlices';

const SHA256 = 'sha256:';
/** Up to this many ids are put in order by insertion, in place: no subarray made per small record. */
const SMALL = 16;
/**
 * Ids a prefix's array may have room for and be kept for the next record: a big log's (the
 * audit log's 3.4M refs at 1M artifacts, 16 MB of mentions alone) are let go once its keys are
 * handed out, not kept to the end of the save and past it.
 */
const KEPT_IDS = 1 << 16;

/** Where a prefix's ids are added one at a time (an event column's keys: see EventColumns.addKeysOfRows). */
export interface IdSink {
  add(id: number): void;
}

interface PrefixKeys {
  /** keyHashOn of the prefix, and of the prefix followed by `sha256:`. */
  hash: number;
  digestHash: number;
  /** The record's keys under the prefix so far, repeats included: strings ids, digests as -(digest id + 1) (a key is one or the other: see StringTable.digestIdOf). */
  ids: Int32Array;
  count: number;
  /** Keys in neither table (see addKey). */
  texts?: Set<string>;
  /** addId under this prefix, as an IdSink. */
  sink: IdSink;
}

export class KeyHashes {
  private readonly prefixes = new Map<string, PrefixKeys>();
  /** The prefixes with keys in the current record. */
  private readonly used: PrefixKeys[] = [];
  private readonly scratch = new Uint8Array(32);
  private out: KeySink | undefined;

  constructor(
    private readonly strings: StringTable,
    private readonly digests: DigestTable,
  ) {}

  /** Starts a record: `out` takes the hash of each distinct key added until finish(), each key once (as the key index lists it). */
  begin(out: KeySink): void {
    for (const p of this.used) {
      p.count = 0;
      p.texts = undefined;
    }
    this.used.length = 0;
    this.out = out;
  }

  /** `prefix` + the key of strings id `id`. */
  addId(prefix: string, id: number): void {
    this.pushId(this.prefix(prefix), id);
  }

  /** addId under `prefix`, as an IdSink. */
  sinkFor(prefix: string): IdSink {
    return this.prefix(prefix).sink;
  }

  /** `prefix` + `sha256:<hex>` of digest id `digest`. */
  addDigest(prefix: string, digest: number): void {
    this.push(this.prefix(prefix), -(digest + 1));
  }

  /**
   * `prefix` + `key`, a key held as a string (a record's run id, a blob's digest): the same key
   * as an id added is the same key, so it is found by id when the tables hold it.
   */
  addKey(prefix: string, key: string): void {
    const digest = key.length === 71 && key.startsWith(SHA256) ? this.digests.find(key, SHA256.length) : undefined;
    if (digest !== undefined) return this.addDigest(prefix, digest);
    const id = this.strings.find(key);
    if (id !== undefined) return this.addId(prefix, id);
    // In neither table, so no id added names it (a few such keys per record at most).
    const p = this.prefix(prefix);
    if (p.count === 0 && !p.texts) this.used.push(p);
    p.texts ??= new Set();
    if (p.texts.has(key)) return;
    p.texts.add(key);
    this.out!.add(keyHashOn(p.hash, key) >>> 0);
  }

  /**
   * Hands the record's distinct keys to `out`, each prefix's ids put in order to find repeats;
   * yields every ROWS_PER_PAUSE keys (a big log's), where the save may pause.
   */
  *finish(): Generator<void, void, undefined> {
    let hashed = 0;
    for (const p of this.used) {
      const ids = sorted(p.ids, p.count);
      for (let i = 0; i < p.count; i++) {
        const id = ids[i];
        if (i > 0 && id === ids[i - 1]) continue;
        this.out!.add(id < 0 ? this.digestHash(p, -id - 1) : keyHashOn(p.hash, this.strings.value(id)) >>> 0);
        if (++hashed % ROWS_PER_PAUSE === 0) yield;
      }
      if (p.ids.length > KEPT_IDS) {
        // Given back at once, not left for a full collection (see KeyBucketWriter.reset).
        releaseBuffer(new Uint8Array(p.ids.buffer));
        p.ids = new Int32Array(SMALL);
      }
    }
  }

  private pushId(p: PrefixKeys, id: number): void {
    const digest = this.strings.digestIdOf(id);
    this.push(p, digest >= 0 ? -(digest + 1) : id);
  }

  private push(p: PrefixKeys, id: number): void {
    if (p.count === 0 && !p.texts) this.used.push(p);
    if (p.count === p.ids.length) {
      const grown = new Int32Array(p.ids.length * 2);
      grown.set(p.ids);
      p.ids = grown;
    }
    p.ids[p.count++] = id;
  }

  /** The hash of `prefix` + `sha256:` + the digest's 64 hex characters, from its bytes. */
  private digestHash(p: PrefixKeys, digest: number): number {
    const bytes = this.scratch;
    this.digests.copyTo(digest, bytes, 0);
    return keyHashOnHex(p.digestHash, bytes, 0, 32) >>> 0;
  }

  private prefix(prefix: string): PrefixKeys {
    let p = this.prefixes.get(prefix);
    if (!p) {
      const hash = keyHashOn(KEY_HASH_SEED, prefix);
      const keys: PrefixKeys = { hash, digestHash: keyHashOn(hash, SHA256), ids: new Int32Array(SMALL), count: 0, sink: { add: (id) => this.pushId(keys, id) } };
      this.prefixes.set(prefix, (p = keys));
    }
    return p;
  }
}

/** The first `n` of `ids` in ascending order, in place. */
function sorted(ids: Int32Array, n: number): Int32Array {
  if (n > SMALL) return ids.subarray(0, n).sort();
  for (let i = 1; i < n; i++) {
    const x = ids[i];
    let j = i - 1;
    for (; j >= 0 && ids[j] > x; j--) ids[j + 1] = ids[j];
    ids[j + 1] = x;
  }
  return ids;
}
