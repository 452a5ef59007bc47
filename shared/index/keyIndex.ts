// The saved index's key lookup: for each bucket of the records file, which of its records
// answer to which keys (a digest, a run id, an event's payload digest or chain hash, a key a
// file mentions), as sorted 32-bit key hashes beside record positions. A query that needs a
// few records (`refscope show`, `trace`) finds them here and decodes only their buckets,
// instead of loading a million records first. A hash collision only costs an extra record.
//
//   bucket: u32 n | n u32 hashes, ascending | n u32 record positions (in the bucket's order)
import { releaseBuffer } from '../releaseBuffer';
import { lowerBound } from './lowerBound';
import { ROWS_PER_PAUSE } from './timeSlices';

/**
 * A key says what a lookup wants of a record, so that finding an artifact does not load the
 * thousand files that mention it: its target (an artifact, blob, event by id, run record),
 * the events that reference it, the deletions that name it, the events of a run id, or the
 * files that mention it.
 */
export const TARGET = 't:';
export const EVENT_REF = 'e:';
export const RUN_EVENTS = 'r:';
export const MENTION = 'm:';
/** `artifact.deleted` events naming the key (pruned evidence): not every event that names it. */
export const DELETION = 'd:';

/** Bumped when what a key means changes: the file's name carries it, so an index of another format is written again. */
export const KEY_INDEX_FORMAT = 2;

/** The key a record answers to when it holds an abbreviated ref (their matching depends on every digest). */
export const ABBREVIATED_KEY = MENTION + '\0abbreviated';

/** FNV-1a's starting state. */
export const KEY_HASH_SEED = 0x811c9dc5;

/** FNV-1a over the UTF-16 code units: cheap, and spread well enough over hex digests and ids. */
export function keyHash(key: string): number {
  return keyHashOn(KEY_HASH_SEED, key) >>> 0;
}

/** The FNV-1a state `h` taken on over `s`: keyHash(a + b) is keyHashOn(keyHashOn(seed, a), b) >>> 0, with no a + b made. */
export function keyHashOn(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** keyHashOn(h, hex) for `hex` the lower-case hex of bytes `from` to `to` of `bytes`, with no hex made. */
export function keyHashOnHex(h: number, bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    h = Math.imul(h ^ HEX_CODES[bytes[i] >> 4], 0x01000193);
    h = Math.imul(h ^ HEX_CODES[bytes[i] & 15], 0x01000193);
  }
  return h;
}

/** A hash and a record position packed into one exactly representable number, so a Float64Array sorts the pairs. */
const POSITION_BITS = 2 ** 21;

/** Where a record's keys go as their hashes (keyHash) are listed: a KeyBucketWriter, or a test's list. */
export interface KeySink {
  add(hash: number): void;
}

/** Words a key bucket's bytes are written in at a time (see KeyBucketWriter.write): 256 KB. */
const SLICE_WORDS = 1 << 16;

/**
 * Keys a bucket's array may have room for and be kept for the next bucket: a bucket of the
 * 1M bench holds ~60k keys; one holding a big log, millions (see reset).
 */
const KEPT_KEYS = 1 << 18;

/**
 * The key buckets of a save, one after another: each record's key hashes are packed as they are
 * listed into one typed array, reused from bucket to bucket, and written out a slice at a time
 * through one small buffer. No list per record, nor arrays per bucket, are made (a cold save of
 * 109k records made one of each per record, kept until their bucket was written).
 */
export class KeyBucketWriter implements KeySink {
  /** Each key of the bucket as hash * POSITION_BITS + its record's position. */
  private packed = new Float64Array(1 << 12);
  private keys = 0;
  private position = -1;
  private readonly words = new Uint32Array(SLICE_WORDS);

  /**
   * Ends a bucket once written (and starts the next). The keys' array grown for a big log's
   * bucket (32-64 MB for the audit log's 2-4M keys at 1M artifacts) is given back at once
   * (releaseBuffer), not kept to the end of the save, nor left for a full collection to find
   * while the bucket's records are encoded: it held the 1M cold build's save ~90 MB over the
   * index, its peak.
   */
  reset(): void {
    this.keys = 0;
    this.position = -1;
    if (this.packed.length > KEPT_KEYS) {
      releaseBuffer(new Uint8Array(this.packed.buffer));
      this.packed = new Float64Array(1 << 12);
    }
  }

  /** Starts the keys of the bucket's next record (records in their bucket order). */
  nextRecord(): void {
    if (++this.position >= POSITION_BITS) throw new Error(`a bucket of more than ${POSITION_BITS - 1} records is too large to index`);
  }

  /** A key of the current record, by its hash (keyHash). */
  add(hash: number): void {
    if (this.keys === this.packed.length) {
      const grown = new Float64Array(this.packed.length * 2);
      grown.set(this.packed);
      this.packed = grown;
    }
    this.packed[this.keys++] = hash * POSITION_BITS + this.position;
  }

  /**
   * Writes the bucket's bytes (see the layout above) to `sink`, SLICE_WORDS at a time. A bucket
   * holding a big log has a million keys: `pause` (the save's) is awaited every ROWS_PER_PAUSE
   * keys, so requests are answered meanwhile.
   */
  async write(sink: { write(bytes: Uint8Array): void }, pause: () => Promise<void>): Promise<void> {
    const n = this.keys;
    const packed = this.packed.subarray(0, n);
    packed.sort();
    await pause();
    const out = this.words;
    let used = 0;
    const put = (word: number) => {
      out[used++] = word;
      if (used === out.length) {
        sink.write(new Uint8Array(out.buffer, 0, 4 * used));
        used = 0;
      }
    };
    put(n);
    for (let i = 0; i < n; i++) {
      put(Math.floor(packed[i] / POSITION_BITS));
      if ((i + 1) % ROWS_PER_PAUSE === 0) await pause();
    }
    for (let i = 0; i < n; i++) {
      put(packed[i] % POSITION_BITS);
      if ((i + 1) % ROWS_PER_PAUSE === 0) await pause();
    }
    if (used) sink.write(new Uint8Array(out.buffer, 0, 4 * used));
  }
}

/** One decoded key bucket: its hashes and positions as typed arrays, searched in place. */
export class KeyBucket {
  private constructor(
    private readonly hashes: Uint32Array,
    private readonly positions: Uint32Array,
  ) {}

  /** Throws on bytes that are not a key bucket (a damaged file). */
  static decode(bytes: Uint8Array): KeyBucket {
    // Copied: the bytes may sit at any offset of a reused buffer, and a Uint32Array needs 4-byte alignment.
    const words = new Uint32Array(bytes.length >> 2);
    new Uint8Array(words.buffer).set(bytes.subarray(0, words.length * 4));
    const n = words[0];
    if (bytes.length % 4 !== 0 || words.length !== 1 + 2 * n) throw new Error('not a key bucket');
    return new KeyBucket(words.subarray(1, 1 + n), words.subarray(1 + n));
  }

  static readonly empty = new KeyBucket(new Uint32Array(0), new Uint32Array(0));

  /** Whether a record of the bucket may answer to a key of this hash. */
  answers(hash: number): boolean {
    const i = lowerBound(this.hashes, hash);
    return i < this.hashes.length && this.hashes[i] === hash;
  }

  /** Positions of the records that may answer to a key of this hash. */
  positionsOf(hash: number, out: Set<number>): void {
    const h = this.hashes;
    for (let i = lowerBound(h, hash); i < h.length && h[i] === hash; i++) out.add(this.positions[i]);
  }
}
