// Answers a query from the saved index without loading all of it. The query runs against the
// store while the store tells what it looks up (StoreWatch); the records answering to those
// keys and paths are found in the saved key index (keyIndex.ts), only their buckets are
// decoded, and the query runs again until it asks for nothing new. A large log is read
// through but keeps only the events and refs asked about (a RowPick over its bucket's column sections); a
// query that asks for one of its files by path gets the whole record. `refscope show` and
// `trace` over a million artifacts so load the few hundred records they use. A query that
// needs the whole index (a prefix search, a walk over every file) says so, and the caller
// loads everything instead.
import * as path from 'node:path';
import { digestHead } from './byteCodec';
import { ABBREVIATED_KEY, DELETION, EVENT_REF, KeyBucket, keyHash, MENTION, RUN_EVENTS, TARGET } from './keyIndex';
import { BUCKETS, bucketOf, keysFileOf } from './persist';
import { KEPT_BUFFER_BYTES, RecordsReader } from './recordsFile';
import { decodeBucketPart, type BucketRows, type RowPick } from './savedBucket';
import { sectionRowKey } from './occurrenceColumns';
import { hashKey, type MemoryIndex, type StoreWatch } from './memoryIndex';

/** Keys a query will ask for next when it asks for one: fetched in the same pass over the saved records. */
export type Companions = (key: string) => readonly string[];

/**
 * A resolve that finds a target next counts its referrers (events and files naming it): asked
 * with the target, a large log that holds both is read through once, not twice.
 */
export const withReferrers: Companions = (key) => (key.startsWith(TARGET) ? [EVENT_REF + key.slice(TARGET.length), MENTION + key.slice(TARGET.length)] : []);

/**
 * A saved key index (keyIndex.ts), read and checked whole on first use. A start after a change
 * searches it from more than one loader (the files mentioning what changed, the abbreviations of
 * a digest that came or went, the targets the check looks up): read once, not once each (at 1M
 * artifacts it is 74 MB, ~0.2 s a read).
 */
export class SavedKeys {
  private buckets: KeyBucket[] | undefined;

  constructor(
    readonly cacheDir: string,
    /** The records file the index is beside. */
    readonly records: string,
  ) {}

  /** Every bucket, decoded. Throws when the index is missing or a bucket is damaged. */
  all(): KeyBucket[] {
    if (!this.buckets) {
      const reader = RecordsReader.open(path.join(this.cacheDir, keysFileOf(this.records)), BUCKETS);
      if (!reader) throw new Error('the key index is missing');
      try {
        const out: KeyBucket[] = [];
        for (let b = 0; b < BUCKETS; b++) {
          const bucket = reader.bucket(b);
          if (bucket.damaged) throw new Error(`key index bucket ${b} is damaged (${bucket.damaged})`);
          out.push(bucket.data ? KeyBucket.decode(bucket.data) : KeyBucket.empty);
        }
        this.buckets = out;
      } finally {
        reader.close();
      }
    }
    return this.buckets;
  }
}

/** What one run of a query asked for. */
class Asked implements StoreWatch {
  readonly keys = new Set<string>();
  readonly paths = new Set<string>();
  needsEverything = false;

  constructor(private readonly companions?: Companions) {}

  key(key: string): void {
    this.keys.add(key);
    if (this.companions) for (const k of this.companions(key)) this.keys.add(k);
  }

  path(p: string): void {
    this.paths.add(p);
  }

  everything(): void {
    this.needsEverything = true;
  }
}

/** Files with more rows than this keep only the rows asked about (see ScopedLoader's filterAbove). */
const FILTER_ABOVE = 2000;

const DELETED = 'artifact.deleted';

/** What a bucket string may be asked as (AskedStrings's flags): the run id of events asked for, a target, ... */
const RUN = 1;
const TARGETED = 2;
/** An event's chain hash, asked as the target its key names (hashKey). */
const HASH_TARGETED = 4;
const EVENT_REFERRED = 8;
const DELETION_NAMED = 16;
const MENTIONED = 32;
/** Set once a string's flags are worked out. */
const SEEN = 64;

/** Each key prefix (keyIndex.ts) with the flag of a string that key names. */
const ASKED_AS: readonly [string, number][] = [
  [RUN_EVENTS, RUN],
  [TARGET, TARGETED],
  [EVENT_REF, EVENT_REFERRED],
  [DELETION, DELETION_NAMED],
  [MENTION, MENTIONED],
];

const SHA256 = 'sha256:';

/**
 * A large file's rows name the same strings again and again (a run id, a ref), and most of a
 * bucket's strings are digests no key asks about: which keys each bucket string answers to is
 * worked out once per string, and a digest whose kind and first bytes no string asked about
 * shares is ruled out without making its text. A log of a million events so costs no string
 * per row (at 1M artifacts, `refscope show` of a request read 9 s through its 470 MB log
 * making them).
 */
class AskedStrings {
  /** By bucket string id: 0 until worked out, then SEEN and the flags of the keys it answers to. */
  private readonly flags: Uint8Array;
  /** The digest head (byteCodec's digestHead) of every string in `values`. */
  private readonly heads = new Set<number>();
  /** Every string some key asks about, and the forms of a chain hash whose key (hashKey) is a target asked about, lower case. */
  private readonly values = new Set<string>();

  constructor(
    private readonly rows: BucketRows,
    private readonly keys: ReadonlySet<string>,
  ) {
    this.flags = new Uint8Array(rows.stringCount);
    for (const key of keys) {
      // Every key prefix is two characters (keyIndex.ts).
      const value = key.slice(2);
      this.values.add(value);
      if (key.startsWith(TARGET) && value.startsWith(SHA256)) this.values.add(value.slice(SHA256.length));
    }
    for (const value of this.values) this.heads.add(digestHead(value));
  }

  /** Whether bucket string `id` (-1: none) answers to a key asked as `as`. */
  is(id: number, as: number): boolean {
    if (id < 0) return false;
    let f = this.flags[id];
    if (f === 0) f = this.flags[id] = this.workOut(id);
    return (f & as) !== 0;
  }

  private workOut(id: number): number {
    const head = this.rows.digestHead(id);
    if (head >= 0 && !this.heads.has(head)) return SEEN;
    const value = this.rows.string(id);
    // Most strings no key names: ruled out with one lookup, before any key is made of them.
    if (!this.values.has(value) && !this.values.has(value.toLowerCase())) return SEEN;
    let f = SEEN;
    for (const [prefix, as] of ASKED_AS) if (this.keys.has(prefix + value)) f |= as;
    if (this.keys.has(TARGET + hashKey(value))) f |= HASH_TARGETED;
    return f;
  }
}

export class ScopedLoader {
  /** Every key asked so far: a partial record keeps the rows answering to these. */
  private readonly keys = new Set<string>();
  private readonly paths = new Set<string>();
  /** Files held whole, and files held with only the rows asked about. */
  private readonly whole = new Set<string>();
  private readonly partial = new Set<string>();
  /**
   * The big buckets read during the current run, as read: each round of a query (a trace asks for
   * the response, then the run, then its events...) finds its next rows in the big log's bucket
   * again, and read and checked again from disk it cost ~1 s a round at 1M artifacts.
   */
  private readonly bucketsRead = new Map<number, Uint8Array>();

  constructor(
    /** The saved key index beside the records file the summary names (shared with the other loaders of a start). */
    private readonly savedKeys: SavedKeys,
    private readonly store: MemoryIndex,
    /** Files every query may walk (run states and snapshots, found by their run ref): loaded first. */
    private readonly preload: string[],
    /** Buckets never loaded from: the store holds them whole already, as they are now (a start after a change: startFromChanges in workspaceIndex.ts). */
    private readonly held: ReadonlySet<number> = new Set(),
    /** Files with more rows than this (of either kind) keep only the rows asked about unless asked for by path; smaller ones are kept whole. */
    private readonly filterAbove = FILTER_ABOVE,
  ) {}

  /** The buckets holding a record that may answer to one of `keys` (a hash collision only adds one). */
  bucketsAnswering(keys: Iterable<string>): Set<number> {
    const out = new Set<number>();
    const keyBuckets = this.savedKeys.all();
    for (const k of keys) {
      const h = keyHash(k);
      keyBuckets.forEach((kb, b) => {
        if (!out.has(b) && kb.answers(h)) out.add(b);
      });
    }
    return out;
  }

  /**
   * `query`'s answer once the records it asks for are loaded; undefined when it needs the
   * whole index. Throws when the saved files cannot be read (the caller loads everything).
   */
  run<T>(query: () => T, companions?: Companions): { result: T } | undefined {
    try {
      const first = new Asked();
      for (const p of this.preload) first.path(p);
      this.fetch(first);
      for (;;) {
        const asked = new Asked(companions);
        this.store.watch = asked;
        let result: T;
        try {
          result = query();
        } finally {
          this.store.watch = undefined;
        }
        if (asked.needsEverything) return undefined;
        if (!this.fetch(asked)) return { result };
      }
    } finally {
      this.bucketsRead.clear();
    }
  }

  /** Removes what was loaded: the caller is about to load everything. */
  discard(): void {
    for (const p of this.whole) this.store.remove(p);
    for (const p of this.partial) this.store.remove(p);
    this.whole.clear();
    this.partial.clear();
  }

  /** The rows of a large file in `rows` that answer to a key asked so far. */
  private pick(rows: BucketRows): RowPick {
    const asked = new AskedStrings(rows, this.keys);
    const { occurrences, events: e } = rows;
    const deletedType = rows.nameId(DELETED);
    return {
      occurrence: (row) => {
        const { key, form } = sectionRowKey(occurrences, row);
        return asked.is(key, MENTIONED) || (form === 'abbreviated' && this.keys.has(ABBREVIATED_KEY));
      },
      event: (row) => {
        if (asked.is(e.run[row], RUN)) return true;
        // The payload digest is kept as its target key, `blake3:<hex>`.
        if (asked.is(e.payload[row], TARGETED)) return true;
        if (asked.is(e.hash[row], HASH_TARGETED)) return true;
        const deletion = deletedType >= 0 && e.type[row] === deletedType;
        for (let k = e.refStart[row], end = k + e.refCount[row]; k < end; k++) {
          const key = e.refKey[k];
          if (asked.is(key, EVENT_REFERRED) || (deletion && asked.is(key, DELETION_NAMED))) return true;
        }
        return false;
      },
    };
  }

  /** Loads the records answering to what `asked` names and was not asked before. Returns whether the store changed. */
  private fetch(asked: Asked): boolean {
    const newKeys = [...asked.keys].filter((k) => !this.keys.has(k));
    const newPaths = [...asked.paths].filter((p) => !this.paths.has(p));
    if (newKeys.length === 0 && newPaths.length === 0) return false;
    for (const k of newKeys) this.keys.add(k);
    for (const p of newPaths) this.paths.add(p);
    // Per bucket: positions of records answering to a new key, and paths asked for whole.
    const positions = new Map<number, Set<number>>();
    const wholePaths = new Map<number, Set<string>>();
    for (const k of newKeys) {
      const h = keyHash(k);
      this.savedKeys.all().forEach((kb, b) => {
        let set = positions.get(b);
        if (!set) positions.set(b, (set = new Set()));
        kb.positionsOf(h, set);
      });
    }
    for (const p of newPaths) {
      if (this.whole.has(p)) continue;
      const b = bucketOf(p);
      let set = wholePaths.get(b);
      if (!set) wholePaths.set(b, (set = new Set()));
      set.add(p);
    }
    const reader = RecordsReader.open(path.join(this.savedKeys.cacheDir, this.savedKeys.records), BUCKETS);
    if (!reader) throw new Error('the records file is missing');
    let changed = false;
    try {
      for (let b = 0; b < BUCKETS; b++) {
        const at = positions.get(b);
        const named = wholePaths.get(b);
        if ((!at?.size && !named?.size) || this.held.has(b)) continue;
        if (this.loadFrom(reader, b, at ?? new Set(), named ?? new Set())) changed = true;
      }
    } finally {
      reader.close();
    }
    return changed;
  }

  /** Decodes bucket `b`, keeping the records at `at` (only the rows asked about when large) and those `named` (whole). */
  private loadFrom(reader: RecordsReader, b: number, at: Set<number>, named: Set<string>): boolean {
    let data = this.bucketsRead.get(b);
    if (!data) {
      const bucket = reader.bucket(b);
      if (bucket.damaged) throw new Error(`records bucket ${b} is damaged (${bucket.damaged})`);
      data = bucket.data;
      if (!data) return false;
      // Only a big bucket's bytes are its own: a smaller one's are in the reader's buffer, read over by the next.
      if (data.byteLength > KEPT_BUFFER_BYTES) this.bucketsRead.set(b, data);
    }
    const { files, rows } = decodeBucketPart(data, (i, p) => !this.whole.has(p) && (at.has(i) || named.has(p)));
    let changed = false;
    let pick: RowPick | undefined;
    files.forEach((file) => {
      if (!file) return;
      const p = file.record.path;
      const large = !named.has(p) && (file.occCount > this.filterAbove || file.evCount > this.filterAbove);
      if (large) {
        pick ??= this.pick(rows);
        // Each kind of row is filtered only when there are many of it, as a small file is kept whole.
        this.store.setSaved(file, rows, { occurrence: file.occCount > this.filterAbove ? pick.occurrence : undefined, event: file.evCount > this.filterAbove ? pick.event : undefined });
        this.partial.add(p);
      } else {
        this.store.setSaved(file, rows);
        this.partial.delete(p);
        this.whole.add(p);
      }
      changed = true;
    });
    return changed;
  }
}
