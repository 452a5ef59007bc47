import * as assert from 'node:assert/strict';
import type { Occurrence } from '../../shared/records';
import { OccurrenceColumns, readOccurrenceSection, type OccurrenceRange } from '../../shared/index/occurrenceColumns';
import { StringTable } from '../../shared/index/stringTable';
import { IdsByKey } from '../../shared/index/idsByKey';
import { ByteReader, ByteWriter } from '../../shared/index/byteCodec';
import { LocalIds, LocalTable, stringsById } from '../../shared/index/localIds';

const hex = (c: string) => c.repeat(64);

/** One of every shape: each text form, flags, namespaces, and a large line. */
const SAMPLE: Occurrence[] = [
  { line: 0, col: 1, endCol: 72, form: 'canonical', key: `sha256:${hex('a')}`, text: `sha256:${hex('a')}` },
  { line: 1, col: 9, endCol: 73, form: 'bare', key: `sha256:${hex('f')}`, text: hex('f'), role: 'fingerprint' },
  { line: 1, col: 80, endCol: 116, form: 'canonical', key: 'sha256:run-7', text: 'sha256:run-7', role: 'run' },
  { line: 2, col: 0, endCol: 88, form: 'namespaced', key: `sha256:${hex('b')}`, text: `prompt_templates/sha256:${hex('b')}`, namespace: 'prompt_templates' },
  { line: 3, col: 5, endCol: 69, form: 'bare', key: `sha256:${hex('c')}`, text: hex('c') },
  { line: 4, col: 5, endCol: 76, form: 'canonical', key: `sha256:${hex('d')}`, text: `sha256:${hex('D')}`, upperCase: true },
  { line: 5, col: 0, endCol: 14, form: 'abbreviated', key: 'sha256:abc1234', text: 'sha256:abc1234' },
  { line: 6, col: 3, endCol: 30, form: 'object', key: 'artifact:a1', text: '{"$artifact":  "a1"}' },
  { line: 7, col: 0, endCol: 20, form: 'namespaced', key: 'sha256:00', text: '../x/sha256:00', namespace: '../x', invalid: 'path traversal' },
  { line: 4_000_000_000, col: 70_000, endCol: 70_071, form: 'blake3', key: `blake3:${hex('e')}`, text: `blake3:${hex('e')}` },
];

describe('index occurrence columns', () => {
  it('gives back every field of every occurrence exactly, and only the rows of a key when asked', () => {
    const keys = new StringTable();
    const columns = new OccurrenceColumns(keys, new StringTable());
    const first: OccurrenceRange = { occStart: 0, occCount: 0 };
    const second: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(SAMPLE, first);
    columns.add(SAMPLE.slice(1, 3), second);
    assert.deepEqual(columns.all(first), SAMPLE);
    assert.deepEqual(columns.all(second), SAMPLE.slice(1, 3));
    assert.deepEqual(columns.withKey(first, keys.find(`sha256:${hex('c')}`)!), SAMPLE.filter((o) => o.key === `sha256:${hex('c')}`));
    assert.deepEqual(
      SAMPLE.map((_, i) => columns.isAbbreviated(first, i)),
      SAMPLE.map((o) => o.form === 'abbreviated'),
    );
  });

  it('gives back refs wider than a row keeps, ending on another line, and namespaces past the ids a row keeps, held and saved', async () => {
    const names = new StringTable();
    // Namespace ids past the 16k a held row names: kept beside the row, as text.
    for (let i = 0; i < 17_000; i++) names.id(`name-${i}`);
    const key = `sha256:${hex('a')}`;
    const odd: Occurrence[] = [
      { line: 0, col: 10, endCol: 264, form: 'canonical', key, text: key },
      { line: 0, col: 10, endCol: 265, form: 'object', key, text: `{"digest": "${hex('a')}"}` },
      { line: 0, col: 10, endCol: 10_000_000, form: 'object', key, text: 'x' },
      { line: 1, col: 70, endCol: 3, form: 'object', key, text: '{"sha256":\n"…"}' },
      { line: 2, col: 0, endCol: 88, form: 'namespaced', key, text: `late_ns/${key}`, namespace: 'late_ns' },
      { line: 3, col: 4, endCol: 500, form: 'namespaced', key, text: `../x/${key}`, namespace: '../x', invalid: 'path traversal' },
      ...SAMPLE,
    ];
    const keys = new StringTable();
    const columns = new OccurrenceColumns(keys, names);
    const range: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(odd, range);
    assert.deepEqual(columns.all(range), odd);
    assert.equal(columns.namespaceAt(range, 4), 'late_ns');
    // Saved as a bucket's section and loaded into columns of their own.
    const w = new ByteWriter();
    const localKeys = new LocalIds();
    const localNames = new LocalIds();
    await columns.writeSection(w, [range], localKeys, localNames, async () => {});
    const keyList: string[] = [];
    const nameList: string[] = [];
    // The bucket's strings in their local order (LocalIds.write lists them the same way).
    for (let id = 0; id < keys.size; id++) keyList[localKeys.of(id)] = keys.value(id);
    for (let id = 0; id < names.size; id++) if (['late_ns', '../x', 'prompt_templates'].includes(names.value(id))) nameList[localNames.of(id)] = names.value(id);
    const section = readOccurrenceSection(new ByteReader(w.bytes()));
    const loadedNames = new StringTable();
    for (let i = 0; i < 16_400; i++) loadedNames.id(`other-${i}`);
    const loadedKeys = new StringTable();
    const loaded = new OccurrenceColumns(loadedKeys, loadedNames);
    const into: OccurrenceRange = { occStart: 0, occCount: 0 };
    loaded.appendSection(section, 0, odd.length, into, new LocalTable(stringsById(keyList), loadedKeys), new LocalTable(stringsById(nameList), loadedNames));
    assert.deepEqual(loaded.all(into), odd);
  });

  it('finds the rows of a key in a large file (sorted once) as a scan would', () => {
    const keys = new StringTable();
    const columns = new OccurrenceColumns(keys, new StringTable());
    const many = Array.from({ length: 5000 }, (_, i) => ({ ...SAMPLE[i % 7], line: i }));
    const range: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(SAMPLE, { occStart: 0, occCount: 0 }); // not at the start of the columns
    columns.add(many, range);
    // Scanned at first, sorted once looked up often: the same answers either way.
    for (let round = 0; round < 6; round++) {
      for (const o of SAMPLE.slice(0, 7)) {
        assert.deepEqual(columns.withKey(range, keys.find(o.key)!), many.filter((x) => x.key === o.key));
      }
      if (round === 0) assert.equal(range.occByKey, undefined, 'a file looked up a few times is not sorted');
    }
    assert.ok(range.occByKey);
  });

  it('finds the rows of each of 6000 keys in a large file, in file order, scanned and sorted alike', () => {
    const keys = new StringTable();
    const columns = new OccurrenceColumns(keys, new StringTable());
    // 6000 keys, each on five lines, interleaved out of order.
    const many = Array.from({ length: 30_000 }, (_, i) => ({ ...SAMPLE[0], key: `sha256:${String((i * 7919) % 6000).padStart(64, '0')}`, text: '', line: i }));
    for (const o of many) o.text = o.key;
    const range: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(many, range);
    for (let round = 0; round < 8; round++) {
      for (const probe of [0, 1, 2047, 2048, 4095, 5999]) {
        const key = `sha256:${String(probe).padStart(64, '0')}`;
        const got = columns.withKey(range, keys.find(key)!);
        assert.deepEqual(got.map((o) => o.line), many.filter((o) => o.key === key).map((o) => o.line), key);
        assert.equal(got.length, 5);
      }
    }
    assert.ok(range.occByKey);
    assert.deepEqual(columns.withKey(range, keys.id('sha256:none')), []);
  });

  it('finds the rows of a key in a file longer than one sorted segment, in file order', () => {
    const keys = new StringTable();
    // Segments of 1000 rows stand for the 2^21 of a multi-million-line log.
    const columns = new OccurrenceColumns(keys, new StringTable(), 1000);
    const many = Array.from({ length: 4500 }, (_, i) => ({ ...SAMPLE[0], key: `sha256:${String((i * 7919) % 700).padStart(64, '0')}`, line: i }));
    for (const o of many) o.text = o.key;
    const range: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(SAMPLE, { occStart: 0, occCount: 0 });
    columns.add(many, range);
    columns.orderByKey(range);
    assert.ok(range.occByKey, 'a file longer than a segment is put in key order too');
    for (const probe of [0, 1, 350, 699]) {
      const key = `sha256:${String(probe).padStart(64, '0')}`;
      const lines = many.filter((o) => o.key === key).map((o) => o.line);
      assert.ok(new Set(lines.map((l) => Math.floor(l / 1000))).size >= 4, 'the probe has rows in several segments');
      assert.deepEqual(columns.withKey(range, keys.find(key)!).map((o) => o.line), lines, key);
    }
  });

  it('makes room for new rows ahead, copying a big column a slice at a time, and keeps room after settling', async function () {
    this.timeout(20_000);
    const columns = new OccurrenceColumns(new StringTable(), new StringTable());
    const big: Occurrence[] = Array.from({ length: 60_000 }, (_, i) => ({ ...SAMPLE[i % SAMPLE.length], line: i }));
    const range: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(big, range);
    columns.settle([range]);
    let pauses = 0;
    const pause = async () => void pauses++;
    await columns.makeRoom(5000, pause);
    assert.equal(pauses, 0, 'a settled column keeps room for a tenth more rows');
    await columns.makeRoom(100_000, pause);
    assert.ok(pauses >= 2, `grown in ${pauses} slices`);
    const next: OccurrenceRange = { occStart: 0, occCount: 0 };
    columns.add(SAMPLE, next);
    assert.deepEqual(columns.all(range), big);
    assert.deepEqual(columns.all(next), SAMPLE);
  });

  it('keeps the live ranges whole when dead rows are dropped', () => {
    const columns = new OccurrenceColumns(new StringTable(), new StringTable());
    const live: OccurrenceRange[] = [];
    // Many files, each replaced several times: compaction has to run in between.
    for (let round = 0; round < 4; round++) {
      for (let f = 0; f < 2000; f++) {
        const occs = SAMPLE.slice(0, 1 + ((f + round) % SAMPLE.length)).map((o) => ({ ...o, line: f }));
        if (live[f]) columns.release(live[f]);
        const r: OccurrenceRange = { occStart: 0, occCount: 0 };
        columns.add(occs, r);
        live[f] = r;
        if (columns.wasteful) columns.compact(live);
      }
    }
    live.forEach((r, f) => {
      const got = columns.all(r);
      assert.equal(got.length, 1 + ((f + 3) % SAMPLE.length));
      assert.ok(got.every((o, i) => o.line === f && o.key === SAMPLE[i].key && o.text === SAMPLE[i].text));
    });
  });

  it('lists the files of a key as they come and go', () => {
    const byKey = new IdsByKey();
    byKey.add(5000, 1);
    byKey.add(5000, 2);
    byKey.add(5000, 3);
    byKey.add(7, 4);
    assert.deepEqual([...byKey.get(5000)], [1, 2, 3]);
    byKey.delete(5000, 2);
    byKey.delete(5000, 1);
    assert.deepEqual([...byKey.get(5000)], [3]);
    byKey.add(5000, 9);
    assert.deepEqual([...byKey.get(5000)], [3, 9]);
    assert.deepEqual([...byKey.keys()], [7, 5000]);
    assert.equal(byKey.size, 2);
    byKey.delete(7, 4);
    assert.deepEqual([...byKey.get(7)], []);
    assert.equal(byKey.size, 1);
  });

  it('two logs extended in turns move a logarithmic number of times (into room for as many rows again), keep every row, and compact back', () => {
    const columns = new OccurrenceColumns(new StringTable(), new StringTable());
    const logs: OccurrenceRange[] = [
      { occStart: 0, occCount: 0 },
      { occStart: 0, occCount: 0 },
    ];
    const written: Occurrence[][] = [[], []];
    const moves = [0, 0];
    columns.add([], logs[0]);
    columns.add([], logs[1]);
    for (let round = 0; round < 400; round++) {
      for (let l = 0; l < 2; l++) {
        const start = logs[l].occStart;
        // The last row of the slice before was a line still being written: it is read again.
        const keep = Math.max(0, written[l].length - 1);
        const rows = SAMPLE.map((o) => ({ ...o, line: keep + o.line }));
        columns.extend(logs[l], keep, rows);
        written[l] = written[l].slice(0, keep).concat(rows);
        if (logs[l].occStart !== start) moves[l]++;
      }
    }
    assert.ok(moves.every((m) => m <= 12), `moved ${moves.join(' and ')} times in 400 slices`);
    logs.forEach((log, l) => assert.deepEqual(columns.all(log), written[l]));
    // Every row is a log's or counted dead: compaction leaves exactly the logs' rows, no spare room.
    columns.compact(logs);
    assert.equal(logs[1].occStart, logs[0].occCount);
    logs.forEach((log, l) => assert.deepEqual(columns.all(log), written[l]));
    columns.extend(logs[0], written[0].length, SAMPLE);
    assert.deepEqual(columns.all(logs[0]), written[0].concat(SAMPLE));
  });
});
