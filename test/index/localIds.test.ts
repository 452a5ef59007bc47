// A LocalTable gives a reader's strings (by local id) the store's ids: one by one as rows name
// them, or all at once (internAll) so that a spilled log's strings can go before its rows land.
import * as assert from 'node:assert/strict';
import { LocalTable, type StringsById } from '../../shared/index/localIds';
import { StringTable } from '../../shared/index/stringTable';

/** `values` by local id, counting the lookups made. */
function counted(values: string[]): StringsById & { lookups: number } {
  const list = { length: values.length, lookups: 0, idIn: (table: StringTable, local: number) => (list.lookups++, table.id(values[local])) };
  return list;
}

describe('index: a reader\'s strings given the store\'s ids', () => {
  const values = ['sha256:' + 'ab'.repeat(32), 'run-1', 'blake3:' + 'cd'.repeat(32), 'kind'];
  const rows = Int32Array.from([3, 0, -1, 2, 0, 1]);

  it('internAll gives every string the id a row would have given it, and looks none up afterwards', () => {
    const lazyTable = new StringTable();
    const lazy = new LocalTable(counted(values), lazyTable);
    const lazyIds = new Int32Array(rows.length);
    lazy.mapIds(rows, 0, rows.length, lazyIds, 0);

    const eagerTable = new StringTable();
    const list = counted(values);
    const eager = new LocalTable(list, eagerTable);
    eager.internAll();
    assert.equal(list.lookups, values.length, 'each string looked up once');
    const eagerIds = new Int32Array(rows.length);
    eager.mapIds(rows, 0, rows.length, eagerIds, 0);
    assert.equal(list.lookups, values.length, 'none looked up after');
    assert.deepEqual([...eagerIds].map((id) => (id < 0 ? id : eagerTable.value(id))), [...lazyIds].map((id) => (id < 0 ? id : lazyTable.value(id))));
    assert.deepEqual([...eagerIds].map((id) => (id < 0 ? undefined : eagerTable.value(id))), [...rows].map((local) => values[local]));
  });
});
