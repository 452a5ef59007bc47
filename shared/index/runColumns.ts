// The runs that run capsules, run states and snapshots describe (RunInfo), as columns by run
// row, a row per file that has one. Kept as an object per file (its fields, a `sha256:<hex>` ref
// string, its groups as an Int32Array), a run cost ~1 KB of heap, most of it the object's own
// shape and the typed array's two objects: ~150 MB at 157k runs of a 1M-artifact index. Here a
// run is ~40 bytes of columns and its groups' ids in one shared pool; the RunInfo is made again
// only when asked for (a view, a trace), field for field in the order it came.
import { grown, withSettledRoom } from './columnRoom';
import type { RunInfo } from '../records';
import type { ByteWriter } from './byteCodec';
import type { SavedDigests } from './recordCodec';
import type { StringTable } from './stringTable';

const NONE = -1;
const MIN_ROWS = 256;
const TYPES: readonly RunInfo['type'][] = ['capsule', 'runState', 'snapshot'];
/** The optional text fields, by their index in a row's order code. */
const TEXTS = ['runId', 'mode', 'time', 'status'] as const;
const TOOL_COUNT = TEXTS.length;
/** Bits per field in an order code: the field's index + 1, the first field in the lowest bits. */
const ORDER_BITS = 3;

type Text = (typeof TEXTS)[number];

export class RunColumns {
  /** By file id: the file's run row (NONE: it has no run). */
  private rowOf = new Int32Array(MIN_ROWS).fill(NONE);
  private type = new Uint8Array(MIN_ROWS);
  /** Keys-table id of the ref. */
  private ref = new Int32Array(MIN_ROWS);
  /** Keys-table ids of the TEXTS fields, TEXTS.length per row (NONE: absent). */
  private texts = new Int32Array(MIN_ROWS * TEXTS.length);
  private toolCount = new Float64Array(MIN_ROWS);
  /** Which optional fields the run has, in the order it had them (see ORDER_BITS). */
  private order = new Int32Array(MIN_ROWS);
  /** Where the row's groups start in the pool, and how many ints they take. */
  private groupsAt = new Int32Array(MIN_ROWS);
  private groupsLength = new Int32Array(MIN_ROWS);
  /**
   * Every row's groups back to back: the group count, each group's label id and ref count, then
   * each ref's key id and field-path id. Labels and field paths repeat from capsule to capsule
   * (names table); keys go to the keys table (a `sha256:` key is its digest's id there).
   */
  private pool = new Int32Array(MIN_ROWS * 16);
  private poolUsed = 0;
  /** Pool ints of rows since freed: compacted away once they are most of it. */
  private poolDead = 0;
  private rows = 0;
  private readonly freeRows: number[] = [];

  /** `keys`: refs, run ids, times, modes and statuses; `names`: group labels and field paths. */
  constructor(
    private readonly names: StringTable,
    private readonly keys: StringTable,
  ) {}

  has(fileId: number): boolean {
    return fileId < this.rowOf.length && this.rowOf[fileId] !== NONE;
  }

  typeOf(fileId: number): RunInfo['type'] | undefined {
    const row = this.row(fileId);
    return row === NONE ? undefined : TYPES[this.type[row]];
  }

  runIdOf(fileId: number): string | undefined {
    const row = this.row(fileId);
    return row === NONE ? undefined : this.text(row, 0);
  }

  /** Keeps `run` as file `fileId`'s (replacing the one it had); `refs`: its groups' refs given as bytes (a saved record's: SavedFile.runRefs). */
  set(fileId: number, run: RunInfo, refs?: SavedDigests): void {
    this.delete(fileId);
    const row = this.freeRows.pop() ?? this.rows++;
    if (row >= this.type.length) this.growRows();
    if (fileId >= this.rowOf.length) this.growFiles(fileId);
    this.rowOf[fileId] = row;
    this.type[row] = TYPES.indexOf(run.type);
    this.ref[row] = this.keys.id(run.ref);
    this.texts.fill(NONE, row * TEXTS.length, (row + 1) * TEXTS.length);
    let order = 0;
    let shift = 0;
    for (const k of Object.keys(run) as (keyof RunInfo)[]) {
      // An undefined field is no field (a saved record drops it).
      if (run[k] === undefined) continue;
      let field: number;
      if (k === 'toolCount') {
        field = TOOL_COUNT;
        this.toolCount[row] = run.toolCount!;
      } else {
        field = TEXTS.indexOf(k as Text);
        if (field < 0) continue;
        this.texts[row * TEXTS.length + field] = this.keys.id(run[k as Text]!);
      }
      order |= (field + 1) << shift;
      shift += ORDER_BITS;
    }
    this.order[row] = order;
    // The row's pool ints, if it had some before, are dead already: none is moved by a compaction now.
    this.groupsLength[row] = 0;
    this.packGroups(row, run.groups, refs);
  }

  delete(fileId: number): void {
    const row = this.row(fileId);
    if (row === NONE) return;
    this.rowOf[fileId] = NONE;
    this.poolDead += this.groupsLength[row];
    this.freeRows.push(row);
  }

  /** File `fileId`'s run, made (a new object per call), or undefined. */
  runOf(fileId: number): RunInfo | undefined {
    const row = this.row(fileId);
    if (row === NONE) return undefined;
    const run: RunInfo = { type: TYPES[this.type[row]], ref: this.keys.value(this.ref[row]), groups: this.unpackGroups(row) };
    for (let order = this.order[row]; order; order >>>= ORDER_BITS) {
      const field = (order & ((1 << ORDER_BITS) - 1)) - 1;
      if (field === TOOL_COUNT) run.toolCount = this.toolCount[row];
      else run[TEXTS[field]] = this.text(row, field);
    }
    return run;
  }

  /**
   * Writes file `fileId`'s run (it has one) as `w.value(runOf(fileId))` does, its strings by
   * table id (ByteWriter.tableString): a cold save made every capsule's group refs and paths into
   * strings, looked each up by its text and parsed each `sha256:` key back into its digest.
   */
  writeSaved(w: ByteWriter, fileId: number): void {
    const row = this.row(fileId);
    w.beginObject();
    w.field('type', TYPES[this.type[row]]);
    w.tableField('ref', this.keys, this.ref[row]);
    w.string('groups');
    const pool = this.pool;
    const start = this.groupsAt[row];
    const count = pool[start];
    w.beginArray(count);
    let at = start + 1 + 2 * count;
    for (let g = 0; g < count; g++) {
      w.beginObject();
      w.tableField('label', this.names, pool[start + 1 + 2 * g]);
      const refs = pool[start + 2 + 2 * g];
      w.string('refs');
      w.beginArray(refs);
      for (let i = 0; i < refs; i++, at += 2) {
        w.beginObject();
        w.tableField('ref', this.keys, pool[at]);
        w.tableField('path', this.names, pool[at + 1]);
        w.endObject();
      }
      w.endObject();
    }
    for (let order = this.order[row]; order; order >>>= ORDER_BITS) {
      const field = (order & ((1 << ORDER_BITS) - 1)) - 1;
      if (field === TOOL_COUNT) w.field('toolCount', this.toolCount[row]);
      else {
        const id = this.texts[row * TEXTS.length + field];
        if (id !== NONE) w.tableField(TEXTS[field], this.keys, id);
      }
    }
    w.endObject();
  }

  private row(fileId: number): number {
    return fileId < this.rowOf.length ? this.rowOf[fileId] : NONE;
  }

  private text(row: number, field: number): string | undefined {
    const id = this.texts[row * TEXTS.length + field];
    return id === NONE ? undefined : this.keys.value(id);
  }

  private packGroups(row: number, groups: RunInfo['groups'], saved: SavedDigests | undefined): void {
    let refs = 0;
    for (const g of groups) refs += g.refs.length;
    const length = 1 + 2 * groups.length + 2 * refs;
    const at = this.poolRoom(length);
    const pool = this.pool;
    pool[at] = groups.length;
    let head = at + 1;
    let tail = at + 1 + 2 * groups.length;
    let i = 0;
    for (const g of groups) {
      pool[head++] = this.names.id(g.label);
      pool[head++] = g.refs.length;
      for (const x of g.refs) {
        const place = saved ? saved.at[i++] : -1;
        pool[tail++] = place >= 0 ? this.keys.idOfDigestBytes(saved!.bytes, place) : this.keys.id(x.ref);
        pool[tail++] = this.names.id(x.path);
      }
    }
    this.groupsAt[row] = at;
    this.groupsLength[row] = length;
    this.poolUsed = at + length;
  }

  private unpackGroups(row: number): RunInfo['groups'] {
    const pool = this.pool;
    const start = this.groupsAt[row];
    const count = pool[start];
    const groups: RunInfo['groups'] = [];
    let at = start + 1 + 2 * count;
    for (let g = 0; g < count; g++) {
      const refs: RunInfo['groups'][number]['refs'] = new Array(pool[start + 2 + 2 * g]);
      for (let i = 0; i < refs.length; i++, at += 2) refs[i] = { ref: this.keys.value(pool[at]), path: this.names.value(pool[at + 1]) };
      groups.push({ label: this.names.value(pool[start + 1 + 2 * g]), refs });
    }
    return groups;
  }

  /** The pool ints the held rows' groups take (what a save tells the next full load: SavedTables). */
  get poolWords(): number {
    return this.poolUsed - this.poolDead;
  }

  /**
   * Room for `words` more pool ints and a tenth, made once: a full load knows how many its runs'
   * groups take (SavedTables), where the pool grew by half again as they came (at 1M artifacts,
   * 67 MB made for 23 MB kept, each copy left freed in the middle of malloc's heap).
   */
  expectWords(words: number): void {
    this.pool = withSettledRoom(this.pool, this.poolUsed + words);
  }

  /** Where `n` more pool ints go: the pool compacted when freed rows' ints are most of it, else grown by half when full. */
  private poolRoom(n: number): number {
    if (this.poolUsed + n <= this.pool.length) return this.poolUsed;
    const live = this.poolUsed - this.poolDead;
    const next = new Int32Array(Math.max(MIN_ROWS * 16, Math.ceil((live + n) * 1.5)));
    if (this.poolDead * 2 > this.poolUsed) {
      // Only the held rows' groups, in row order.
      let used = 0;
      for (let fileId = 0; fileId < this.rowOf.length; fileId++) {
        const row = this.rowOf[fileId];
        if (row === NONE) continue;
        next.set(this.pool.subarray(this.groupsAt[row], this.groupsAt[row] + this.groupsLength[row]), used);
        this.groupsAt[row] = used;
        used += this.groupsLength[row];
      }
      this.poolUsed = used;
      this.poolDead = 0;
    } else next.set(this.pool.subarray(0, this.poolUsed));
    this.pool = next;
    return this.poolUsed;
  }

  private growRows(): void {
    const n = this.type.length * 2;
    this.type = grown(this.type, n);
    this.ref = grown(this.ref, n);
    this.texts = grown(this.texts, n * TEXTS.length);
    this.toolCount = grown(this.toolCount, n);
    this.order = grown(this.order, n);
    this.groupsAt = grown(this.groupsAt, n);
    this.groupsLength = grown(this.groupsLength, n);
  }

  private growFiles(fileId: number): void {
    const next = new Int32Array(Math.max(fileId + 1, this.rowOf.length * 2)).fill(NONE);
    next.set(this.rowOf);
    this.rowOf = next;
  }
}
