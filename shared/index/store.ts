// The in-memory index: every FileRecord by path, plus the lookups queries need, kept up to
// date as records are added, replaced or removed (a file is the unit of change). Everything
// the language server asks on a keystroke is a Map lookup here; nothing touches sql.js.
import type { ArtifactEntry, BlobEntry, EventEntry, FileRecord, ManifestEntry, Occurrence, PartialEntry } from '../model';

export interface StoredFile {
  record: FileRecord;
  /** The root the file was discovered under (part of the cache key: a role change re-reads). */
  root: string;
}

export interface OccurrenceAt {
  path: string;
  occ: Occurrence;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pull<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i !== -1) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

/**
 * Removes every value of `gone` from `map`'s lists in one pass per key: a log whose 200k events
 * all name one run (or one key) would otherwise pull each from a 200k-long list.
 */
function pullAll<K, V>(map: Map<K, V[]>, gone: Map<K, Set<V>>): void {
  for (const [key, values] of gone) {
    const list = map.get(key);
    if (!list) continue;
    const kept = list.filter((v) => !values.has(v));
    if (kept.length) map.set(key, kept);
    else map.delete(key);
  }
}

function collect<K, V>(gone: Map<K, Set<V>>, key: K, value: V): void {
  const set = gone.get(key);
  if (set) set.add(value);
  else gone.set(key, new Set([value]));
}

/** Compares two timestamps as instants when both parse (writers differ in precision), else as text. */
export function compareTimes(a: string, b: string): number {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isFinite(ta) && Number.isFinite(tb)) return ta - tb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders events as they happened: by time when both have one, else by log position. */
export function eventOrder(a: EventEntry, b: EventEntry): number {
  if (a.file === b.file) return (a.sequence ?? a.line ?? 0) - (b.sequence ?? b.line ?? 0) || (a.line ?? 0) - (b.line ?? 0);
  if (a.time && b.time && a.time !== b.time) {
    const byTime = compareTimes(a.time, b.time);
    if (byTime !== 0) return byTime;
  }
  return a.file < b.file ? -1 : a.file > b.file ? 1 : (a.sequence ?? a.line ?? 0) - (b.sequence ?? b.line ?? 0);
}

/**
 * Key -> paths, holding a lone path as the string itself: most of 600k keys are mentioned by
 * one file, and an array each would cost ~50 MB and a push per ref.
 */
class PathsByKey {
  private readonly map = new Map<string, string | string[]>();

  get(key: string): readonly string[] {
    const v = this.map.get(key);
    return v === undefined ? [] : typeof v === 'string' ? [v] : v;
  }

  add(key: string, path: string): void {
    const v = this.map.get(key);
    if (v === undefined) this.map.set(key, path);
    else if (typeof v === 'string') this.map.set(key, [v, path]);
    else v.push(path);
  }

  delete(key: string, path: string): void {
    const v = this.map.get(key);
    if (v === path) this.map.delete(key);
    else if (Array.isArray(v)) {
      const i = v.indexOf(path);
      if (i !== -1) v.splice(i, 1);
      if (v.length === 1) this.map.set(key, v[0]);
    }
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}

export class IndexStore {
  readonly files = new Map<string, StoredFile>();
  /** `sha256:<hex>` (artifact digests and file-store blob ids) and `artifact:<id>` -> artifacts. */
  readonly artifactsByKey = new Map<string, ArtifactEntry[]>();
  readonly artifactByPath = new Map<string, ArtifactEntry>();
  /** Full keys -> the files that mention them (abbreviated refs are kept apart, matched by prefix). */
  private readonly filesByKey = new PathsByKey();
  private readonly abbreviatedFiles = new Set<string>();
  private readonly occurrenceMaps = new WeakMap<FileRecord, Map<string, Occurrence[]>>();
  /** One shared copy of each repeated ref key, run id and digest (see intern()). */
  private readonly strings = new Map<string, string>();
  /** One shared copy of each kind, root, event type, field path... (see name()). */
  private readonly names = new Map<string, string>();
  readonly eventsByKey = new Map<string, EventEntry[]>();
  /** `blake3:<payload digest>` and `sha256:<record hash>` -> the event. */
  readonly eventsById = new Map<string, EventEntry>();
  readonly blobsByDigest = new Map<string, BlobEntry[]>();
  readonly manifestsByDigest = new Map<string, ManifestEntry[]>();
  /** `sha256:<hex>` -> `artifact.deleted` events naming it (pruned evidence). */
  readonly deletions = new Map<string, EventEntry[]>();
  /** Run id (as written) -> its events, in no particular order (CONTRACT 1.8: a run is a ref). */
  readonly eventsByRun = new Map<string, EventEntry[]>();
  /** Run id -> the run capsules and run states that carry it. */
  readonly runRecords = new Map<string, FileRecord[]>();
  /** Bumped on every change, so derived caches (sorted digests, dangling counts) know when to recompute. */
  generation = 0;
  /** Since the last drainChanges(): files added, replaced or removed, and keys whose targets did. */
  private changedFiles = new Set<string>();
  private changedKeys = new Set<string>();
  /** Changes are tracked from the first drain on: before it, the consumer starts from scratch anyway. */
  private tracking = false;
  private sortedDigests: string[] | undefined;

  get(path: string): StoredFile | undefined {
    return this.files.get(path);
  }

  set(path: string, stored: StoredFile): void {
    this.remove(path);
    this.files.set(path, stored);
    this.link(stored.record);
    this.generation++;
  }

  remove(path: string): boolean {
    const old = this.files.get(path);
    if (!old) return false;
    this.files.delete(path);
    this.unlink(old.record);
    this.generation++;
    return true;
  }

  /**
   * Shares the strings that repeat across thousands of entries (kinds, roots, schemas,
   * models, run ids, event types, field names): each JSON.parse made its own copy.
   */
  private share(r: FileRecord): void {
    // Named fields, not a loop over field names: a keyed access per field and entry is several
    // times slower over a million of them. Absent fields stay absent (no `undefined` keys).
    for (const a of r.artifacts ?? []) {
      if (typeof a.key === 'string') a.key = this.intern(a.key);
      if (typeof a.kind === 'string') a.kind = this.name(a.kind);
      if (typeof a.namespace === 'string') a.namespace = this.name(a.namespace);
      if (typeof a.root === 'string') a.root = this.name(a.root);
      if (typeof a.schema === 'string') a.schema = this.name(a.schema);
      if (typeof a.provider === 'string') a.provider = this.name(a.provider);
      if (typeof a.model === 'string') a.model = this.name(a.model);
      if (typeof a.sensitivity === 'string') a.sensitivity = this.name(a.sensitivity);
      if (typeof a.contentType === 'string') a.contentType = this.name(a.contentType);
      if (typeof a.runId === 'string') a.runId = this.intern(a.runId);
    }
    const file = r.events?.length ? this.name(r.path) : r.path;
    for (const ev of r.events ?? []) {
      if (typeof ev.file === 'string') ev.file = ev.file === r.path ? file : this.name(ev.file);
      if (typeof ev.eventType === 'string') ev.eventType = this.name(ev.eventType);
      if (typeof ev.source === 'string') ev.source = this.name(ev.source) as EventEntry['source'];
      if (typeof ev.runId === 'string') ev.runId = this.intern(ev.runId);
      if (typeof ev.actor === 'string') ev.actor = this.name(ev.actor);
      for (const ref of ev.refs) {
        ref.field = this.name(ref.field);
        ref.key = this.intern(ref.key);
        if (ref.namespace !== undefined) ref.namespace = this.name(ref.namespace);
      }
      if (ev.refs.length) ev.refs = exact(ev.refs);
      // Summaries repeat the event's refs (`artifact_ref`, `request_hash`): share those strings.
      const summary = ev.summary;
      if (summary) {
        for (const k in summary) {
          const v = summary[k];
          if (typeof v === 'string' && looksLikeRef(v)) summary[k] = this.intern(v);
        }
      }
    }
    for (const g of r.run?.groups ?? []) {
      g.label = this.name(g.label);
      for (const x of g.refs) {
        x.ref = this.intern(x.ref);
        x.path = this.name(x.path);
      }
    }
  }

  /** The keys a record provides targets for (what a ref to it would resolve through). */
  private noteTargets(r: FileRecord): void {
    if (!this.tracking) return;
    this.changedFiles.add(r.path);
    for (const a of r.artifacts ?? []) for (const k of artifactKeys(a)) this.changedKeys.add(k);
    for (const e of r.events ?? []) {
      // A run id is a target too: a pointer naming it resolves to the run (CONTRACT 1.8).
      if (e.runId !== undefined) this.changedKeys.add(e.runId.toLowerCase());
      if (e.payloadDigest) this.changedKeys.add('blake3:' + e.payloadDigest);
      if (e.hash) this.changedKeys.add(hashKey(e.hash));
      if (e.eventType === 'artifact.deleted') for (const x of e.refs) this.changedKeys.add(x.key);
    }
    if (r.blob) this.changedKeys.add('sha256:' + r.blob.digest);
    if (r.manifest?.sha256) this.changedKeys.add('sha256:' + r.manifest.sha256);
    if (r.run?.runId !== undefined) this.changedKeys.add(r.run.runId.toLowerCase());
  }

  /** Files and target keys changed since the last call, for caches that update incrementally. */
  drainChanges(): { files: Set<string>; keys: Set<string> } {
    this.tracking = true;
    const out = { files: this.changedFiles, keys: this.changedKeys };
    this.changedFiles = new Set();
    this.changedKeys = new Set();
    return out;
  }

  /** Paths of files holding an abbreviated ref (their resolution depends on every digest). */
  filesWithAbbreviations(): ReadonlySet<string> {
    return this.abbreviatedFiles;
  }

  /** Paths of files that mention `key`. */
  filesMentioning(key: string): readonly string[] {
    return this.filesByKey.get(key);
  }

  private link(r: FileRecord): void {
    this.noteTargets(r);
    this.share(r);
    for (const a of r.artifacts ?? []) {
      for (const k of artifactKeys(a)) push(this.artifactsByKey, k, a);
      if (a.path) this.artifactByPath.set(a.path, a);
      if (a.metaPath) this.artifactByPath.set(a.metaPath, a);
      this.sortedDigests = undefined;
    }
    const keys = new Set<string>();
    for (const o of r.occurrences) {
      // Every key becomes the one shared copy, which the events and other files use too. (The
      // scanner already gave each ref string memory of its own, not a slice of its file's text.)
      const key = this.intern(o.key);
      if (o.text === o.key) o.text = key;
      o.key = key;
      if (o.namespace !== undefined) o.namespace = this.name(o.namespace);
      if (o.form === 'abbreviated') this.abbreviatedFiles.add(r.path);
      else keys.add(key);
    }
    for (const k of keys) this.filesByKey.add(k, r.path);
    for (const e of r.events ?? []) {
      for (const k of distinctKeys(e.refs)) push(this.eventsByKey, k, e);
      if (e.runId !== undefined) push(this.eventsByRun, e.runId, e);
      if (e.payloadDigest) this.eventsById.set('blake3:' + e.payloadDigest, e);
      if (e.hash) this.eventsById.set(hashKey(e.hash), e);
      if (e.eventType === 'artifact.deleted') for (const x of e.refs) push(this.deletions, x.key, e);
    }
    if (r.blob) push(this.blobsByDigest, r.blob.digest, r.blob);
    if (r.manifest?.sha256) push(this.manifestsByDigest, r.manifest.sha256, r.manifest);
    if (r.run?.runId !== undefined && r.run.type !== 'snapshot') push(this.runRecords, r.run.runId, r);
  }

  private unlink(r: FileRecord): void {
    this.noteTargets(r);
    for (const a of r.artifacts ?? []) {
      for (const k of artifactKeys(a)) pull(this.artifactsByKey, k, a);
      if (a.path && this.artifactByPath.get(a.path) === a) this.artifactByPath.delete(a.path);
      if (a.metaPath && this.artifactByPath.get(a.metaPath) === a) this.artifactByPath.delete(a.metaPath);
      this.sortedDigests = undefined;
    }
    this.abbreviatedFiles.delete(r.path);
    for (const k of new Set(r.occurrences.filter((o) => o.form !== 'abbreviated').map((o) => o.key))) this.filesByKey.delete(k, r.path);
    const byKey = new Map<string, Set<EventEntry>>();
    const byRun = new Map<string, Set<EventEntry>>();
    for (const e of r.events ?? []) {
      for (const k of distinctKeys(e.refs)) collect(byKey, k, e);
      if (e.runId !== undefined) collect(byRun, e.runId, e);
      if (e.payloadDigest && this.eventsById.get('blake3:' + e.payloadDigest) === e) this.eventsById.delete('blake3:' + e.payloadDigest);
      if (e.hash && this.eventsById.get(hashKey(e.hash)) === e) this.eventsById.delete(hashKey(e.hash));
      if (e.eventType === 'artifact.deleted') for (const x of e.refs) pull(this.deletions, x.key, e);
    }
    pullAll(this.eventsByKey, byKey);
    pullAll(this.eventsByRun, byRun);
    if (r.blob) pull(this.blobsByDigest, r.blob.digest, r.blob);
    if (r.manifest?.sha256) pull(this.manifestsByDigest, r.manifest.sha256, r.manifest);
    if (r.run?.runId !== undefined && r.run.type !== 'snapshot') pull(this.runRecords, r.run.runId, r);
  }

  /**
   * The shared copy of a string of few distinct values (kinds, namespaces, roots, event types,
   * field paths): kept apart from the million ref keys, this table stays in the CPU cache.
   */
  private name(s: string): string {
    const out = this.names.get(s);
    if (out !== undefined) return out;
    this.names.set(s, s);
    return s;
  }

  /**
   * The shared copy of `s`. Strings reach the store with memory of their own (JSON.parse values,
   * the scanner's copies, concatenations), so the first one seen is kept as it is.
   */
  private intern(s: string): string {
    const out = this.strings.get(s);
    if (out !== undefined) return out;
    this.strings.set(s, s);
    return s;
  }

  /** Places that mention `key` (a full key), file by file. */
  occurrencesOf(key: string): OccurrenceAt[] {
    const out: OccurrenceAt[] = [];
    for (const path of this.filesByKey.get(key)) {
      const record = this.files.get(path)?.record;
      if (!record) continue;
      const occs = record.occurrences.length <= 64 ? record.occurrences.filter((o) => o.key === key) : (this.byKeyIn(record).get(key) ?? []);
      for (const occ of occs) out.push({ path, occ });
    }
    return out;
  }

  /** A record's occurrences by key, built on first use: a 100k-line log is not scanned per hover. */
  private byKeyIn(record: FileRecord): Map<string, Occurrence[]> {
    let map = this.occurrenceMaps.get(record);
    if (!map) {
      map = new Map();
      for (const o of record.occurrences) push(map, o.key, o);
      this.occurrenceMaps.set(record, map);
    }
    return map;
  }

  abbreviatedOccurrences(): OccurrenceAt[] {
    const out: OccurrenceAt[] = [];
    for (const path of this.abbreviatedFiles) {
      for (const occ of this.files.get(path)?.record.occurrences ?? []) if (occ.form === 'abbreviated') out.push({ path, occ });
    }
    return out;
  }

  /** Every full key some file mentions. */
  mentionedKeys(): IterableIterator<string> {
    return this.filesByKey.keys();
  }

  /** Sorted `sha256` hex digests of artifacts (and file-store blob ids), for prefix lookups. */
  digests(): string[] {
    if (!this.sortedDigests) {
      const out: string[] = [];
      for (const k of this.artifactsByKey.keys()) if (k.startsWith('sha256:')) out.push(k.slice(7));
      this.sortedDigests = out.sort();
    }
    return this.sortedDigests;
  }

  /** Digests starting with `prefix` (lower-case hex), in order, up to `limit`. */
  digestsWithPrefix(prefix: string, limit: number): string[] {
    // A whole digest is a Map lookup: no need to build (after every change) and search the sorted list.
    if (prefix.length === 64) return limit > 0 && this.artifactsByKey.has('sha256:' + prefix) ? [prefix] : [];
    const all = this.digests();
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < all.length && out.length < limit && all[i].startsWith(prefix); i++) out.push(all[i]);
    return out;
  }

  events(): EventEntry[] {
    const out: EventEntry[] = [];
    for (const { record } of this.files.values()) if (record.events) for (const e of record.events) out.push(e);
    return out;
  }

  manifests(): ManifestEntry[] {
    const out: ManifestEntry[] = [];
    for (const { record } of this.files.values()) if (record.manifest) out.push(record.manifest);
    return out;
  }

  partials(): PartialEntry[] {
    const out: PartialEntry[] = [];
    for (const { record } of this.files.values()) if (record.partial) out.push(record.partial);
    return out;
  }

  blobs(): BlobEntry[] {
    const out: BlobEntry[] = [];
    for (const list of this.blobsByDigest.values()) for (const b of list) out.push(b);
    return out;
  }
}


/**
 * A copy of `list` holding just its elements. Readers build an event's refs with push, which
 * leaves up to 16 spare slots per list: 12 MB over the 136k events of a 100k-artifact
 * workspace, kept for as long as the index lives.
 */
function exact<T>(list: T[]): T[] {
  return list.slice();
}

/** The keys of an event's refs, each once (most events have none or one: no Set for those). */
function distinctKeys(refs: EventEntry['refs']): Iterable<string> {
  if (refs.length === 0) return [];
  if (refs.length === 1) return [refs[0].key];
  return new Set(refs.map((x) => x.key));
}

function looksLikeRef(v: string): boolean {
  return v.length >= 64 && v.length <= 200 && (v.startsWith('sha256:') || v.startsWith('blake3:') || /^[0-9a-f]{64}$/.test(v));
}

/** Keys an artifact answers to: its own, plus `sha256:<blobId>` for deduplicated file-store entries. */
export function artifactKeys(a: ArtifactEntry): string[] {
  return a.blobId && a.key !== 'sha256:' + a.blobId ? [a.key, 'sha256:' + a.blobId] : [a.key];
}

/** Chain hashes are written `sha256:<hex>` (audit logs) or bare hex (ledgers). */
function hashKey(hash: string): string {
  const lower = hash.toLowerCase();
  return lower.startsWith('sha256:') ? lower : 'sha256:' + lower;
}
