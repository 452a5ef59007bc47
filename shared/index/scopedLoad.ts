// Answers a query from the saved index without loading all of it. The query runs against the
// store while the store tells what it looks up (StoreWatch); the records answering to those
// keys and paths are found in the saved key index (keyIndex.ts), only their buckets are
// decoded, and the query runs again until it asks for nothing new. A large log is read
// through but keeps only the events and refs asked about (recordCodec's RecordFilter); a
// query that asks for one of its files by path gets the whole record. `refscope show` and
// `trace` over a million artifacts so load the few hundred records they use. A query that
// needs the whole index (a prefix search, a walk over every file) says so, and the caller
// loads everything instead.
import * as path from 'node:path';
import type { EventEntry, RefForm } from '../records';
import { ByteReader } from './byteCodec';
import { ABBREVIATED_KEY, DELETION, EVENT_REF, KeyBucket, keyHash, MENTION, RUN_EVENTS, TARGET } from './keyIndex';
import { BUCKETS, bucketOf, keysFileOf } from './persist';
import { readRecord, type RecordFilter } from './recordCodec';
import { RecordsReader } from './recordsFile';
import { hashKey, type MemoryIndex, type StoreWatch } from './memoryIndex';

/** Keys a query will ask for next when it asks for one: fetched in the same pass over the saved records. */
export type Companions = (key: string) => readonly string[];

/**
 * A resolve that finds a target next counts its referrers (events and files naming it): asked
 * with the target, a large log that holds both is read through once, not twice.
 */
export const withReferrers: Companions = (key) => (key.startsWith(TARGET) ? [EVENT_REF + key.slice(TARGET.length), MENTION + key.slice(TARGET.length)] : []);

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

/** Decodes a record only to read past it. */
const KEEP_NOTHING: RecordFilter = { occurrence: () => false, event: () => false };

export class ScopedLoader {
  private keyBuckets: KeyBucket[] | undefined;
  /** Every key asked so far: a partial record keeps the rows answering to these. */
  private readonly keys = new Set<string>();
  private readonly paths = new Set<string>();
  /** Files held whole, and files held with only the rows asked about. */
  private readonly whole = new Set<string>();
  private readonly partial = new Set<string>();
  private readonly filter: RecordFilter = {
    occurrence: (key: string, form: RefForm) => this.keys.has(MENTION + key) || (form === 'abbreviated' && this.keys.has(ABBREVIATED_KEY)),
    event: (e: EventEntry) => this.wantsEvent(e),
  };

  constructor(
    private readonly cacheDir: string,
    /** The records file the summary names. */
    private readonly records: string,
    private readonly store: MemoryIndex,
    /** Files every query may walk (run states and snapshots, found by their run ref): loaded first. */
    private readonly preload: string[],
  ) {}

  /**
   * `query`'s answer once the records it asks for are loaded; undefined when it needs the
   * whole index. Throws when the saved files cannot be read (the caller loads everything).
   */
  run<T>(query: () => T, companions?: Companions): { result: T } | undefined {
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
  }

  /** Removes what was loaded: the caller is about to load everything. */
  discard(): void {
    for (const p of this.whole) this.store.remove(p);
    for (const p of this.partial) this.store.remove(p);
    this.whole.clear();
    this.partial.clear();
  }

  private wantsEvent(e: EventEntry): boolean {
    if (e.runId !== undefined && this.keys.has(RUN_EVENTS + e.runId)) return true;
    if (e.payloadDigest !== undefined && this.keys.has(TARGET + 'blake3:' + e.payloadDigest)) return true;
    if (e.hash !== undefined && this.keys.has(TARGET + hashKey(e.hash))) return true;
    for (const x of e.refs) if (this.keys.has(EVENT_REF + x.key)) return true;
    if (e.eventType === 'artifact.deleted') for (const x of e.refs) if (this.keys.has(DELETION + x.key)) return true;
    return false;
  }

  private loadKeyBuckets(reader: RecordsReader): KeyBucket[] {
    const out: KeyBucket[] = [];
    for (let b = 0; b < BUCKETS; b++) {
      const bucket = reader.bucket(b);
      if (bucket.damaged) throw new Error(`key index bucket ${b} is damaged (${bucket.damaged})`);
      out.push(bucket.data ? KeyBucket.decode(bucket.data) : KeyBucket.empty);
    }
    return out;
  }

  /** Loads the records answering to what `asked` names and was not asked before. Returns whether the store changed. */
  private fetch(asked: Asked): boolean {
    const newKeys = [...asked.keys].filter((k) => !this.keys.has(k));
    const newPaths = [...asked.paths].filter((p) => !this.paths.has(p));
    if (newKeys.length === 0 && newPaths.length === 0) return false;
    for (const k of newKeys) this.keys.add(k);
    for (const p of newPaths) this.paths.add(p);
    if (newKeys.length && !this.keyBuckets) {
      const reader = RecordsReader.open(path.join(this.cacheDir, keysFileOf(this.records)), BUCKETS);
      if (!reader) throw new Error('the key index is missing');
      try {
        this.keyBuckets = this.loadKeyBuckets(reader);
      } finally {
        reader.close();
      }
    }
    // Per bucket: positions of records answering to a new key, and paths asked for whole.
    const positions = new Map<number, Set<number>>();
    const wholePaths = new Map<number, Set<string>>();
    for (const k of newKeys) {
      const h = keyHash(k);
      this.keyBuckets!.forEach((kb, b) => {
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
    const reader = RecordsReader.open(path.join(this.cacheDir, this.records), BUCKETS);
    if (!reader) throw new Error('the records file is missing');
    let changed = false;
    try {
      for (let b = 0; b < BUCKETS; b++) {
        const at = positions.get(b);
        const named = wholePaths.get(b);
        if (!at?.size && !named?.size) continue;
        if (this.loadFrom(reader, b, at ?? new Set(), named ?? new Set())) changed = true;
      }
    } finally {
      reader.close();
    }
    return changed;
  }

  /** Decodes bucket `b`, keeping the records at `at` (filtered when large) and those `named` (whole). */
  private loadFrom(reader: RecordsReader, b: number, at: Set<number>, named: Set<string>): boolean {
    const bucket = reader.bucket(b);
    if (bucket.damaged) throw new Error(`records bucket ${b} is damaged (${bucket.damaged})`);
    if (!bucket.data) return false;
    const r = new ByteReader(bucket.data);
    const n = r.uint();
    let changed = false;
    for (let i = 0; i < n; i++) {
      const wanted = at.has(i);
      const decoded = readRecord(r, (p) => (named.has(p) ? undefined : wanted && !this.whole.has(p) ? this.filter : KEEP_NOTHING));
      const p = decoded.stored.record.path;
      if (this.whole.has(p) || (!wanted && !named.has(p))) continue;
      this.store.set(p, decoded.stored);
      if (decoded.partial) this.partial.add(p);
      else {
        this.partial.delete(p);
        this.whole.add(p);
      }
      changed = true;
    }
    return changed;
  }
}
