import * as assert from 'node:assert/strict';
import type { EventEntry } from '../../shared/records';
import { EventColumns, readEventSection, type EventRange, type EventRows } from '../../shared/index/eventColumns';
import { IdsByKey } from '../../shared/index/idsByKey';
import { StringTable } from '../../shared/index/stringTable';
import { ByteReader, ByteWriter } from '../../shared/index/byteCodec';
import { LocalIds, LocalTable, stringsById } from '../../shared/index/localIds';

const hex = (c: string) => c.repeat(64);

/** One of every shape: each source, absent and present fields, times that do and do not round-trip, refs with roles and namespaces. */
function sample(file: string): EventEntry[] {
  return [
    { source: 'audit', file, line: 0, eventType: 'run_started', time: '2026-11-20T11:00:01.000Z', runId: 'run-1', refs: [], hash: `sha256:${hex('1')}`, verified: true, summary: { mode: 'batch', n: 3, nested: { ok: null } } },
    {
      source: 'audit',
      file,
      line: 1,
      eventType: 'provider_request_written',
      time: '2026-11-20T13:00:00.123456+00:00',
      runId: 'run-1',
      refs: [
        { key: `sha256:${hex('a')}`, field: 'artifact_ref' },
        { key: `sha256:${hex('a')}`, field: 'request_hash' },
        { key: `sha256:${hex('b')}`, field: 'payload.x', namespace: 'prompt_templates', role: 'fingerprint' },
      ],
      hash: hex('2'),
      verified: false,
      summary: { artifact_ref: `sha256:${hex('a')}` },
    },
    { source: 'sqlite', file, sequence: 7, eventType: 'artifact.deleted', time: '2026-11-20 09:01:02.533000', subject: 's', actor: 'gc', refs: [{ key: `sha256:${hex('c')}`, field: 'ref' }], payloadDigest: hex('e') },
    { source: 'otlp', file, line: 4_000_000_000, eventType: 'span', time: 'yesterday', refs: [{ key: 'sha256:run-1', field: 'run', role: 'run' }] },
  ];
}

describe('index event columns', () => {
  it('gives back every field of every event exactly, and finds them by ref, run, target and deletion', () => {
    const strings = new StringTable();
    const columns = new EventColumns(strings, new StringTable());
    const log: EventRange = { evStart: 0, evCount: 0 };
    columns.add(sample('/w/audit.jsonl'), log);
    assert.deepEqual(columns.all(log), sample('/w/audit.jsonl'));
    const id = (s: string) => strings.find(s)!;
    assert.deepEqual(
      columns.withRef(id(`sha256:${hex('a')}`)).map((e) => e.line),
      [1],
    );
    assert.deepEqual(
      columns.ofRun(id('run-1')).map((e) => e.line),
      [0, 1],
    );
    assert.equal(columns.byTargetKey(id(`sha256:${hex('1')}`))?.eventType, 'run_started');
    // A ledger's bare hash answers as `sha256:<hex>`, a payload digest as `blake3:<hex>`.
    assert.equal(columns.byTargetKey(id(`sha256:${hex('2')}`))?.line, 1);
    assert.equal(columns.byTargetKey(id(`blake3:${hex('e')}`))?.sequence, 7);
    assert.deepEqual(
      columns.deletionsOf(id(`sha256:${hex('c')}`)).map((e) => e.sequence),
      [7],
    );
    const [made] = columns.ofRun(id('run-1'));
    assert.equal(columns.rowOf(made), log.evStart);
  });

  it("codes a summary's strings that are its refs' keys, fields or hex in a byte each, and gives every summary back exactly", () => {
    const a = `sha256:${hex('a')}`;
    const b = `sha256:${hex('b')}`;
    const event = (summary: Record<string, unknown>, refs: EventEntry['refs']): EventEntry => ({ source: 'audit', file: '/w/a.jsonl', line: 0, eventType: 'x', refs, summary });
    const events = [
      // The audit log's shape: a ref by its own field, a bare hash of the same digest, a scalar.
      event({ artifact_ref: a, model: 'gpt', request_hash: hex('a') }, [{ key: a, field: 'artifact_ref' }]),
      // A ref's key under another name, a ref's field with another value, a key seeded twice, a string twice.
      event({ other: b, artifact_ref: 'not a ref', again: b, label: 'y', same: 'y' }, [
        { key: b, field: 'artifact_ref' },
        { key: b, field: 'output_ref' },
      ]),
      // Keys of no digest shape, and strings seeded but absent from the summary.
      event({ note: 'run-1', t: 3 }, [{ key: 'run-1', field: 'run', role: 'run' }, { key: 'plain', field: 'note' }]),
      event({ nested: { artifact_ref: a, list: [a, hex('a'), 'artifact_ref'] } }, [{ key: a, field: 'artifact_ref' }]),
    ];
    const columns = new EventColumns(new StringTable(), new StringTable());
    const log: EventRange = { evStart: 0, evCount: 0 };
    columns.add(events.slice(0, 1), log);
    // The ref's name and value, and the hash's value, a byte each; `model` and the name `request_hash` (no ref's field) in full: 109 bytes coded alone.
    assert.ok(columns.held.summaryBytes < 40, `${columns.held.summaryBytes} bytes`);
    columns.release(log);
    columns.add(events, log);
    assert.deepEqual(columns.all(log), events);
  });

  it('keeps its lookups right as files are replaced, and copies the live rows together', () => {
    const strings = new StringTable();
    const columns = new EventColumns(strings, new StringTable());
    const kept: EventRange = { evStart: 0, evCount: 0 };
    columns.add(sample('/w/kept.jsonl'), kept);
    let churn: EventRange = { evStart: 0, evCount: 0 };
    // Enough replaced rows for the dead to outnumber the live many times over.
    for (let i = 0; i < 800; i++) {
      columns.release(churn);
      churn = { evStart: 0, evCount: 0 };
      columns.add(sample('/w/churn.jsonl'), churn);
      if (columns.wasteful) columns.compact([kept, churn]);
    }
    columns.settle([kept, churn]);
    assert.deepEqual(columns.all(kept), sample('/w/kept.jsonl'));
    assert.deepEqual(columns.all(churn), sample('/w/churn.jsonl'));
    assert.deepEqual(
      columns.ofRun(strings.find('run-1')!).map((e) => e.file),
      ['/w/kept.jsonl', '/w/kept.jsonl', '/w/churn.jsonl', '/w/churn.jsonl'],
    );
    columns.release(churn);
    assert.deepEqual(
      columns.withRef(strings.find(`sha256:${hex('a')}`)!).map((e) => e.file),
      ['/w/kept.jsonl'],
    );
    columns.release(kept);
    assert.equal(columns.byTargetKey(strings.find(`blake3:${hex('e')}`)!), undefined);
    assert.deepEqual([...columns.runIds()], []);
  });

  it('makes room for new rows ahead, copying the columns a slice at a time, and keeps room after settling', async function () {
    this.timeout(20_000);
    const strings = new StringTable();
    const columns = new EventColumns(strings, new StringTable());
    const many = (file: string, n: number) => Array.from({ length: n }, (_, i) => sample(file)[i % 4]);
    const big: EventRange = { evStart: 0, evCount: 0 };
    columns.add(many('/w/big.jsonl', 40_000), big);
    columns.settle([big]);
    let pauses = 0;
    const pause = async () => void pauses++;
    await columns.makeRoom(3000, pause);
    assert.equal(pauses, 0, 'settled columns keep room for a tenth more rows');
    await columns.makeRoom(100_000, pause);
    assert.ok(pauses > 20, `grown in ${pauses} slices`);
    const next: EventRange = { evStart: 0, evCount: 0 };
    columns.add(sample('/w/next.jsonl'), next);
    assert.deepEqual(columns.all(big), many('/w/big.jsonl', 40_000));
    assert.deepEqual(columns.all(next), sample('/w/next.jsonl'));
    assert.equal(columns.ofRun(strings.find('run-1')!).length, 20_000 + 2);
  });

  it('two logs extended in turns move a logarithmic number of times (into room for as many rows again), keep every row and lookup, and compact back', () => {
    const strings = new StringTable();
    const columns = new EventColumns(strings, new StringTable());
    const files = ['/w/a.jsonl', '/w/b.jsonl'];
    const logs: EventRange[] = [
      { evStart: 0, evCount: 0 },
      { evStart: 0, evCount: 0 },
    ];
    const written: EventEntry[][] = [[], []];
    const moves = [0, 0];
    columns.add([], logs[0]);
    columns.add([], logs[1]);
    for (let round = 0; round < 400; round++) {
      for (let l = 0; l < 2; l++) {
        const start = logs[l].evStart;
        // The last row of the slice before was a line still being written: it is read again.
        const keep = Math.max(0, written[l].length - 1);
        const rows = sample(files[l]).map((e, i) => (e.line === undefined ? e : { ...e, line: keep + i }));
        columns.extend(logs[l], keep, rows);
        written[l] = written[l].slice(0, keep).concat(rows);
        if (logs[l].evStart !== start) moves[l]++;
        // As the store does after each extend: spare room is not waste to compact away.
        if (columns.wasteful) columns.compact(logs);
      }
    }
    assert.ok(moves.every((m) => m <= 12), `moved ${moves.join(' and ')} times in 400 slices`);
    const check = () => {
      logs.forEach((log, l) => assert.deepEqual(columns.all(log), written[l]));
      // The lookups name the rows kept and written, none of those dropped with their line.
      const all = written[0].concat(written[1]);
      assert.equal(columns.ofRun(strings.find('run-1')!).length, all.filter((e) => e.runId === 'run-1').length);
      assert.equal(columns.deletionsOf(strings.find(`sha256:${hex('c')}`)!).length, all.filter((e) => e.eventType === 'artifact.deleted').length);
    };
    check();
    columns.compact(logs);
    assert.equal(logs[1].evStart, logs[0].evCount);
    check();
    columns.extend(logs[0], written[0].length, sample(files[0]));
    written[0] = written[0].concat(sample(files[0]));
    check();
  });

  it('drops a range of ids from a key in one pass', () => {
    const byKey = new IdsByKey();
    for (let i = 0; i < 10; i++) byKey.add(3, i);
    byKey.add(4, 5);
    byKey.deleteRange(3, 2, 9);
    assert.deepEqual([...byKey.get(3)], [0, 1, 9]);
    byKey.deleteRange(3, 0, 2);
    assert.deepEqual([...byKey.get(3)], [9]);
    assert.equal(byKey.last(3), 9);
    byKey.deleteRange(4, 0, 10);
    assert.deepEqual([...byKey.keys()], [3]);
  });

  it('holds names ids in 16 bits and lines and sequences in 32 until a value does not fit, and gives every event back through a save and a load', async () => {
    const rowsOf = (c: EventColumns) => (c as unknown as { d: EventRows }).d;
    const small = sample('/w/a.jsonl').filter((e) => e.source !== 'otlp');
    // Past 32 bits or not an integer (a log's own sequence), and a field whose names id passes 16 bits.
    const wide: EventEntry[] = [
      ...small,
      { source: 'jsonl', file: '/w/a.jsonl', line: 9, sequence: 2.5, eventType: 'x', refs: [{ key: `sha256:${hex('d')}`, field: 'late_field' }] },
      { source: 'jsonl', file: '/w/a.jsonl', line: 10, sequence: -0, eventType: 'x', refs: [] },
      { source: 'jsonl', file: '/w/a.jsonl', sequence: -(2 ** 31), eventType: 'x', refs: [] },
    ];
    for (const [events, fits] of [
      [small, true],
      [wide, false],
    ] as const) {
      const strings = new StringTable();
      const names = new StringTable();
      names.id('/w/a.jsonl');
      if (!fits) for (let i = 0; i < 40_000; i++) names.id(`other-${i}`);
      const columns = new EventColumns(strings, names);
      const range: EventRange = { evStart: 0, evCount: 0 };
      columns.add(events, range);
      assert.deepEqual(columns.all(range), events);
      const d = rowsOf(columns);
      assert.equal(d.refField instanceof Int16Array, fits);
      assert.equal(d.file instanceof Int16Array, true, 'a column whose ids fit stays narrow');
      assert.equal(d.sequence instanceof Int32Array, fits);
      // Saved as a bucket's section (ids at 32 bits, numbers at 64) and loaded whole, and a row at a time (a scoped load).
      const w = new ByteWriter();
      const localStrings = new LocalIds();
      const localNames = new LocalIds();
      await columns.writeSection(w, [range], localStrings, localNames, async () => {});
      // The bucket's strings in their local order (as LocalIds.write lists them).
      const list = (table: StringTable, local: LocalIds) => {
        const { used, count } = local as unknown as { used: Int32Array; count: number };
        return Array.from(used.subarray(0, count), (id) => table.value(id));
      };
      const section = readEventSection(new ByteReader(w.bytes()));
      for (const keep of [undefined, () => true]) {
        const loadedStrings = new StringTable();
        const loadedNames = new StringTable();
        if (!fits) for (let i = 0; i < 40_000; i++) loadedNames.id(`loaded-${i}`);
        const loaded = new EventColumns(loadedStrings, loadedNames);
        const into: EventRange = { evStart: 0, evCount: 0 };
        loaded.appendSection(section, 0, events.length, into, new LocalTable(stringsById(list(strings, localStrings)), loadedStrings), new LocalTable(stringsById(list(names, localNames)), loadedNames), keep);
        assert.deepEqual(loaded.all(into), events);
        assert.equal(rowsOf(loaded).type instanceof Int16Array, fits);
      }
    }
  });
});
