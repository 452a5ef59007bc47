// The store's artifacts as rows of typed-array columns: digests as DigestTable ids, kinds,
// namespaces, roots and other few-valued fields as names-table ids, run/turn/tool ids as
// strings-table ids, size and creation time as numbers. An ArtifactEntry object (about 470
// bytes with its strings) is made only when a query asks for one; a row is about 80 bytes.
// Rare or free-form fields (labels, tags, metadata, a mismatch's actual digest, a path other
// than the file's own) are kept as written in a side map by row.
import type { ArtifactEntry, ArtifactFields } from '../records';
import type { Verification } from '../protocol';
import type { ByteWriter } from './byteCodec';
import type { SavedDigests } from './recordCodec';
import { DigestTable } from './digestTable';
import { IdsByKey } from './idsByKey';
import type { KeyHashes } from './keyHashes';
import { RecurringIds, type StringTable } from './stringTable';
import { renderTime, TimeForm, timeValue } from './timeText';
import { grown as copiedTo, grownInSlices, LOADED_SPARE, settledRoom } from './columnRoom';
import { numberAt, withNumber, type NumberColumn } from './narrowColumns';

const NONE = -1;
/** For hasKeyId: any namespace, or none asked. */
export const ANY_NAMESPACE = -1;
const MIN_ROWS = 1024;
const SHA256 = 'sha256:';
const VERIFICATIONS: Verification[] = ['verified', 'canonical', 'mismatch', 'pruned', 'unverified', 'missing'];
const VERIFICATION_OF = new Map(VERIFICATIONS.map((v, i) => [v, i]));

/** META bits: the verification's index (3 bits), how `path` and `metaPath` are kept (2 bits each: PlaceForm), the created time's TimeForm (3 bits). */
const VERIFICATION_MASK = 7;
const PATH_SHIFT = 3;
const META_PATH_SHIFT = 5;
const PLACE_MASK = 3;
const TIME_SHIFT = 7;
const TIME_MASK = 7;

/** How a path field is kept: absent, the holding file's own path, or in the row's extras. */
const enum PlaceForm {
  None = 0,
  OwnPath = 1,
  Extra = 2,
}

function placeOf(p: string | undefined, filePath: string): PlaceForm {
  return p === undefined ? PlaceForm.None : p === filePath ? PlaceForm.OwnPath : PlaceForm.Extra;
}

/** A file's artifact rows: kept on the file's own index entry. */
export interface ArtifactRange {
  artStart: number;
  artCount: number;
}

/** The fields kept as they were written, for the few rows that have them. */
type Extras = Pick<ArtifactEntry, 'path' | 'metaPath' | 'actualDigest' | 'blobId' | 'createdAt' | 'labels' | 'tags' | 'metadata'>;

/** The names-table fields (few distinct values each), in column order. */
const NAMED = ['kind', 'namespace', 'root', 'schema', 'provider', 'model', 'sensitivity', 'contentType'] as const;
/** The strings-table fields (ids that repeat across a run's artifacts). */
const STRUNG = ['runId', 'turnId', 'toolId'] as const;

type Named = (typeof NAMED)[number];
/**
 * A NAMED field's names-table id plus one (0: none) by row: 16 bits while every id fits (the
 * names table holds a few hundred kinds, namespaces, roots, event types...), widened to 32 by the
 * first that does not. Two bytes a row instead of four in eight columns: ~18 MB at 1M artifacts.
 */
type NameIds = Uint16Array | Int32Array;
const NARROW_MAX = 0xffff;
const NAMESPACE = NAMED.indexOf('namespace');
const ROOT = NAMED.indexOf('root');
type Strung = (typeof STRUNG)[number] & keyof ArtifactFields;

/** Whether `key` is `sha256:<digest>`, without making that string (put() asks for every artifact). */
function isKeyOf(key: string, digest: string): boolean {
  return key.length === SHA256.length + digest.length && key.startsWith(SHA256) && key.endsWith(digest);
}

export class ArtifactColumns {
  /** Digest id -> rows answering to `sha256:<digest>` (their key, or their file-store blob). */
  private readonly byDigest = new IdsByKey();
  /** Strings id of any other key (`artifact:<id>`: rare) -> rows. */
  private readonly byKey = new IdsByKey(true);
  private capacity = MIN_ROWS;
  private rows = 0;
  private readonly free: number[] = [];
  private held = 0;
  private file = new Int32Array(MIN_ROWS);
  /** The key's digest id, when the key is `sha256:<digest>` (else NONE, and the key is in `key`). */
  private digest = new Int32Array(MIN_ROWS);
  /** The key's strings id when it is not a digest's; the digest field's when that is not the key's own. */
  private key = new Int32Array(MIN_ROWS);
  private digestText = new Int32Array(MIN_ROWS);
  private blob = new Int32Array(MIN_ROWS);
  private named: NameIds[] = NAMED.map(() => new Uint16Array(MIN_ROWS));
  private strung: Int32Array[] = STRUNG.map(() => new Int32Array(MIN_ROWS));
  /** As written: 32 bits until a size that is not an int32 comes (narrowColumns.ts). */
  private size: NumberColumn = new Int32Array(MIN_ROWS);
  private created = new Float64Array(MIN_ROWS);
  private meta = new Uint16Array(MIN_ROWS);
  private readonly extras = new Map<number, Partial<Extras>>();
  /** Rows of kind `requests` (the Requests view lists them without a walk over every artifact). */
  private readonly requestRows = new Set<number>();
  /** The root writeSaved was last given and its id in `names` (ids never change): a save asks for each artifact's, mostly the same few. */
  private savedRoot: string | undefined;
  private savedRootId = NONE;

  constructor(
    /** Ref keys, run ids, file-store ids. */
    private readonly strings: StringTable,
    /** Kinds, namespaces, roots, schemas, models. */
    private readonly names: StringTable,
    /** The index's digests, shared with `strings` (an artifact's digest and the refs to it are one id). */
    readonly digests: DigestTable,
  ) {
    this.namedIds = new RecurringIds(names);
  }

  /** The NAMED fields' ids: a few values each, every row naming one. */
  private readonly namedIds: RecurringIds;

  /** How many artifacts are held. */
  get count(): number {
    return this.held;
  }

  /**
   * Room for `n` more rows and a fifth (LOADED_SPARE; in the lookup by digest, for digest ids below
   * `digests`), made once: a full load of the saved index knows how many artifacts it brings (its summary's count), where doubling copied every column each time and
   * left up to half of them spare (at 1M artifacts, ~85 MB kept for nothing).
   */
  expect(n: number, digests = 0): void {
    this.byDigest.expect(digests);
    const capacity = settledRoom(this.rows + n, MIN_ROWS, LOADED_SPARE);
    if (capacity > this.capacity) this.resize(capacity);
  }

  /**
   * Room for `n` more rows and digest ids below `digests`, the columns copied a slice at a time
   * with `pause` between (an update, ahead of the rows it stores; only the update writes them):
   * a full load leaves room spare (LOADED_SPARE), and the first row past it grew the 18 columns of 141k rows
   * in one piece (40-70 ms).
   */
  async makeRoom(n: number, digests: number, pause: () => Promise<void>): Promise<void> {
    await this.byDigest.makeRoom(digests, pause);
    const used = this.rows;
    if (used + n <= this.capacity) return;
    const capacity = Math.max(this.capacity * 2, used + n);
    const grown = <T extends Int32Array | Float64Array | Uint16Array>(a: T) => grownInSlices(a, used, capacity, pause);
    this.file = await grown(this.file);
    this.digest = await grown(this.digest);
    this.key = await grown(this.key);
    this.digestText = await grown(this.digestText);
    this.blob = await grown(this.blob);
    for (let f = 0; f < this.named.length; f++) this.named[f] = await grown(this.named[f]);
    for (let f = 0; f < this.strung.length; f++) this.strung[f] = await grown(this.strung[f]);
    this.size = await grown(this.size);
    this.created = await grown(this.created);
    this.meta = await grown(this.meta);
    this.capacity = capacity;
  }

  private grow(): void {
    this.resize(this.capacity * 2);
  }

  private resize(n: number): void {
    const int = (a: Int32Array) => {
      const next = new Int32Array(n);
      next.set(a);
      return next;
    };
    this.file = int(this.file);
    this.digest = int(this.digest);
    this.key = int(this.key);
    this.digestText = int(this.digestText);
    this.blob = int(this.blob);
    this.named = this.named.map((a) => copiedTo(a, n));
    this.strung = this.strung.map(int);
    const float = (a: Float64Array) => {
      const next = new Float64Array(n);
      next.set(a);
      return next;
    };
    this.size = copiedTo(this.size, n);
    this.created = float(this.created);
    const meta = new Uint16Array(n);
    meta.set(this.meta);
    this.meta = meta;
    this.capacity = n;
  }

  /** Adds `entries` (held by file `fileId` at `filePath`) as rows of `into`; `saved`: those of a saved record whose digests are given as bytes. */
  add(entries: readonly ArtifactEntry[] | undefined, fileId: number, filePath: string, into: ArtifactRange, saved?: SavedDigests): void {
    into.artCount = entries?.length ?? 0;
    into.artStart = 0;
    if (!entries?.length) return;
    // A file of one artifact (every artifact file and sidecar) takes a row given back; others append.
    let start: number;
    if (entries.length === 1 && this.free.length) start = this.free.pop()!;
    else {
      while (this.rows + entries.length > this.capacity) this.grow();
      start = this.rows;
      this.rows += entries.length;
    }
    into.artStart = start;
    for (let i = 0; i < entries.length; i++) {
      const at = saved ? saved.at[i] : -1;
      this.put(start + i, entries[i], fileId, filePath, at < 0 ? NONE : this.digests.idOfBytes(saved!.bytes, at));
    }
    this.held += entries.length;
  }

  /** `savedDigest`: the digest id of a saved artifact whose key is `sha256:<digest>`, neither on `a` (see SavedDigests); else NONE. */
  private put(row: number, a: ArtifactEntry, fileId: number, filePath: string, savedDigest: number): void {
    // Made only for the few rows that keep a field as written.
    let extra: Partial<Extras> | undefined;
    this.file[row] = fileId;
    // The digest's hex is parsed once, as it is checked (idIfDigest: NONE unless 64 lower-case hex).
    const digest = savedDigest !== NONE ? savedDigest : isKeyOf(a.key, a.digest) ? this.digests.idIfDigest(a.digest, 0) : NONE;
    if (digest !== NONE) {
      this.digest[row] = digest;
      this.key[row] = NONE;
      this.digestText[row] = NONE;
      this.byDigest.add(this.digest[row], row);
    } else {
      this.digest[row] = NONE;
      this.key[row] = this.strings.id(a.key);
      this.digestText[row] = this.strings.id(a.digest);
      this.byKey.add(this.key[row], row);
    }
    this.blob[row] = NONE;
    if (a.blobId !== undefined) {
      if (DigestTable.holds(a.blobId)) {
        this.blob[row] = this.digests.id(a.blobId);
        const keyIsBlob = savedDigest !== NONE ? this.blob[row] === savedDigest : isKeyOf(a.key, a.blobId);
        if (!keyIsBlob) this.byDigest.add(this.blob[row], row);
      } else (extra ??= {}).blobId = a.blobId;
    }
    for (let f = 0; f < NAMED.length; f++) {
      const v = a[NAMED[f]];
      this.setNamed(f, row, v === undefined ? NONE : this.namedIds.id(v));
    }
    for (let f = 0; f < STRUNG.length; f++) {
      const v = a[STRUNG[f] as Strung];
      this.strung[f][row] = v === undefined ? NONE : this.strings.id(v);
    }
    this.size = withNumber(this.size, row, a.size);
    let timeForm = TimeForm.None;
    if (a.createdAt !== undefined) {
      [timeForm, this.created[row]] = timeValue(a.createdAt);
      if (timeForm === TimeForm.Text) (extra ??= {}).createdAt = a.createdAt;
    }
    const pathForm = placeOf(a.path, filePath);
    const metaPathForm = placeOf(a.metaPath, filePath);
    if (pathForm === PlaceForm.Extra) (extra ??= {}).path = a.path;
    if (metaPathForm === PlaceForm.Extra) (extra ??= {}).metaPath = a.metaPath;
    for (const k of ['actualDigest', 'labels', 'tags', 'metadata'] as const) {
      if (a[k] !== undefined) ((extra ??= {}) as Record<string, unknown>)[k] = a[k];
    }
    const verification = VERIFICATION_OF.get(a.verification) ?? VERIFICATION_OF.get('unverified')!;
    this.meta[row] = verification | (pathForm << PATH_SHIFT) | (metaPathForm << META_PATH_SHIFT) | (timeForm << TIME_SHIFT);
    if (extra) this.extras.set(row, extra);
    else this.extras.delete(row);
    if (a.kind === 'requests') this.requestRows.add(row);
  }

  /** Removes a file's rows (`filePath`: where its own-path fields point). */
  release(range: ArtifactRange): void {
    for (let row = range.artStart; row < range.artStart + range.artCount; row++) {
      if (this.digest[row] !== NONE) this.byDigest.delete(this.digest[row], row);
      else this.byKey.delete(this.key[row], row);
      if (this.blob[row] !== NONE && this.blob[row] !== this.digest[row]) this.byDigest.delete(this.blob[row], row);
      this.extras.delete(row);
      this.requestRows.delete(row);
      this.file[row] = NONE;
      this.free.push(row);
    }
    this.held -= range.artCount;
    range.artCount = 0;
  }

  /** Rows answering to `key`: `sha256:<hex>` (a digest or a file-store blob) or any other artifact key. */
  rowsWithKey(key: string): readonly number[] {
    if (key.startsWith(SHA256)) {
      const id = this.digests.find(key, SHA256.length);
      if (id !== undefined) return this.byDigest.get(id);
    }
    const id = this.strings.find(key);
    return id === undefined ? [] : this.byKey.get(id);
  }

  /** The keys row `row` answers to (see artifactKeys), without making its entry. */
  keysOf(row: number): string[] {
    const key = this.digest[row] === NONE ? this.strings.value(this.key[row]) : SHA256 + this.digests.hex(this.digest[row]);
    const blob = this.blob[row];
    return blob === NONE || blob === this.digest[row] ? [key] : [key, SHA256 + this.digests.hex(blob)];
  }

  /** Adds the keys row `row` answers to (as keysOf lists them) under `prefix` to `keys`, by id: no key string made. */
  addKeysTo(row: number, prefix: string, keys: KeyHashes): void {
    if (this.digest[row] === NONE) keys.addId(prefix, this.key[row]);
    else keys.addDigest(prefix, this.digest[row]);
    const blob = this.blob[row];
    if (blob !== NONE && blob !== this.digest[row]) keys.addDigest(prefix, blob);
  }

  /** Whether some row answers to `key` (in `namespace`, when given), with no list made for the common one-row answer. */
  hasKey(key: string, namespace?: string): boolean {
    let ns = ANY_NAMESPACE;
    if (namespace !== undefined) {
      const id = this.names.find(namespace);
      if (id === undefined) return false;
      ns = id;
    }
    const digest = key.startsWith(SHA256) ? this.digests.find(key, SHA256.length) : undefined;
    if (digest !== undefined) return this.has(this.byDigest, digest, ns);
    const id = this.strings.find(key);
    return id !== undefined && this.has(this.byKey, id, ns);
  }

  /**
   * As hasKey, for a key by its strings-table id and a namespace by its names-table id
   * (ANY_NAMESPACE: none asked): the cross-file check holds ids, and makes no string per ref.
   */
  hasKeyId(keyId: number, namespace: number): boolean {
    const digest = this.strings.digestIdOf(keyId);
    return digest >= 0 ? this.has(this.byDigest, digest, namespace) : this.has(this.byKey, keyId, namespace);
  }

  private has(ids: IdsByKey, id: number, namespace: number): boolean {
    if (namespace === ANY_NAMESPACE) return ids.last(id) !== -1;
    const column = this.named[NAMESPACE];
    for (const row of ids.get(id)) if (column[row] === namespace + 1) return true;
    return false;
  }

  /** Sets NAMED field `f` of row `row` to names-table id `id` (NONE: none), widening its column when `id` does not fit in it. */
  private setNamed(f: number, row: number, id: number): void {
    let column = this.named[f];
    if (id + 1 > NARROW_MAX && column instanceof Uint16Array) this.named[f] = column = Int32Array.from(column);
    column[row] = id + 1;
  }

  /** The file holding row `row`. */
  fileOf(row: number): number {
    return this.file[row];
  }

  /** Whether row `row` is kept at `p` (its bytes or its sidecar), given the path of the file holding it. */
  isAt(row: number, p: string, filePath: string): boolean {
    const m = this.meta[row];
    const at = (form: number, field: 'path' | 'metaPath') => (form === PlaceForm.OwnPath ? filePath === p : form === PlaceForm.Extra && this.extras.get(row)?.[field] === p);
    return at((m >> PATH_SHIFT) & PLACE_MASK, 'path') || at((m >> META_PATH_SHIFT) & PLACE_MASK, 'metaPath');
  }

  /** Paths of row `row` that are not its file's own (a file-store artifact's bytes). */
  otherPaths(row: number): string[] {
    const x = this.extras.get(row);
    const out: string[] = [];
    if (x?.path !== undefined) out.push(x.path);
    if (x?.metaPath !== undefined) out.push(x.metaPath);
    return out;
  }

  /** The artifact of row `row`, made (a new object per call), for a file at `filePath`. */
  entry(row: number, filePath: string): ArtifactEntry {
    const m = this.meta[row];
    const digest = this.digest[row];
    const hex = digest === NONE ? this.strings.value(this.digestText[row]) : this.digests.hex(digest);
    const e = { key: digest === NONE ? this.strings.value(this.key[row]) : SHA256 + hex, digest: hex } as ArtifactEntry;
    for (let f = 0; f < NAMED.length; f++) {
      const id = this.named[f][row] - 1;
      if (id !== NONE) e[NAMED[f] as Named] = this.names.value(id);
    }
    for (let f = 0; f < STRUNG.length; f++) {
      const id = this.strung[f][row];
      if (id !== NONE) e[STRUNG[f] as Strung] = this.strings.value(id);
    }
    if ((m >> PATH_SHIFT) & PLACE_MASK) e.path = filePath;
    if ((m >> META_PATH_SHIFT) & PLACE_MASK) e.metaPath = filePath;
    const size = numberAt(this.size, row);
    if (size !== undefined) e.size = size;
    e.verification = VERIFICATIONS[m & VERIFICATION_MASK];
    if (this.blob[row] !== NONE) e.blobId = this.digests.hex(this.blob[row]);
    const timeForm = ((m >> TIME_SHIFT) & TIME_MASK) as TimeForm;
    if (timeForm !== TimeForm.None && timeForm !== TimeForm.Text) e.createdAt = renderTime(timeForm, this.created[row]);
    // The fields kept as written (and a path that is not the file's own) over the made ones.
    const x = this.extras.get(row);
    if (x) Object.assign(e, x);
    return e;
  }

  /**
   * The id `root` has in `names` (NONE: none yet), as writeSaved compares it with each row's:
   * where each row's root was made into a string to compare (109k of them in a cold save).
   */
  private rootId(root: string): number {
    if (root === this.savedRoot) return this.savedRootId;
    const id = this.names.find(root);
    if (id === undefined) return NONE; // not kept: the table may take it later
    this.savedRoot = root;
    return (this.savedRootId = id);
  }

  /**
   * Writes row `row` (of a file at `filePath`, discovered under `root`) as an object of the
   * fields entry() makes, in its order, as a save keeps them (SavedArtifacts): its path '' when
   * it is the file's, no root when it is `root`, no key when it is `sha256:<digest>`. No entry
   * is made: a cold save writes 100k of them.
   */
  writeSaved(w: ByteWriter, row: number, filePath: string, root: string): void {
    const m = this.meta[row];
    const digest = this.digest[row];
    const x = this.extras.get(row);
    w.beginObject();
    // The digest's bytes and the tables' strings by id (ByteWriter.digestField, tableField): no hex or string made per artifact.
    if (digest === NONE) {
      const hex = this.strings.value(this.digestText[row]);
      const key = this.strings.value(this.key[row]);
      if (key !== SHA256 + hex) w.field('key', key);
      w.field('digest', hex);
    } else w.digestField('digest', this.digests, digest);
    const rootId = this.rootId(root);
    for (let f = 0; f < NAMED.length; f++) {
      const id = this.named[f][row] - 1;
      if (id !== NONE && (f !== ROOT || id !== rootId)) w.tableField(NAMED[f], this.names, id);
    }
    for (let f = 0; f < STRUNG.length; f++) {
      const id = this.strung[f][row];
      if (id !== NONE) w.tableField(STRUNG[f], this.strings, id);
    }
    // A path kept in the extras takes the made one's place (entry() assigns them over it).
    const pathForm = (m >> PATH_SHIFT) & PLACE_MASK;
    if (pathForm === PlaceForm.OwnPath) w.field('path', '');
    else if (pathForm === PlaceForm.Extra) w.field('path', x!.path);
    const metaPathForm = (m >> META_PATH_SHIFT) & PLACE_MASK;
    if (metaPathForm !== PlaceForm.None) w.field('metaPath', metaPathForm === PlaceForm.OwnPath ? filePath : x!.metaPath);
    const size = numberAt(this.size, row);
    if (size !== undefined) w.field('size', size);
    w.field('verification', VERIFICATIONS[m & VERIFICATION_MASK]);
    if (this.blob[row] !== NONE) w.digestField('blobId', this.digests, this.blob[row]);
    const timeForm = ((m >> TIME_SHIFT) & TIME_MASK) as TimeForm;
    if (timeForm !== TimeForm.None && timeForm !== TimeForm.Text) w.field('createdAt', renderTime(timeForm, this.created[row]));
    // The extras entry() adds after its own fields, in the order put() kept them.
    if (x) for (const k of Object.keys(x) as (keyof Extras)[]) if (k !== 'path' && k !== 'metaPath') w.field(k, x[k]);
    w.endObject();
  }

  /** Every digest id some artifact answers to (`sha256:<hex>` keys). */
  *digestIds(): IterableIterator<number> {
    yield* this.byDigest.keys();
  }

  /** Whether some artifact answers to the digest `id`. */
  hasDigest(id: number): boolean {
    return this.byDigest.get(id).length > 0;
  }

  /** Rows held, in row order. */
  *liveRows(): IterableIterator<number> {
    for (let row = 0; row < this.rows; row++) if (this.file[row] !== NONE) yield row;
  }

  /** Rows of kind `requests`. */
  requests(): ReadonlySet<number> {
    return this.requestRows;
  }
}
