// RecentIds stands before a string table while a reader packs a log's rows: whatever it keeps
// or forgets, every string gets the table's id, and the table gets each string once.
import * as assert from 'node:assert/strict';
import { DigestTable } from '../../shared/index/digestTable';
import { RecentIds } from '../../shared/index/recentIds';
import { StringTable } from '../../shared/index/stringTable';

/** `s` as another string object (as a log's lines make their strings anew). */
function copyOf(s: string): string {
  return (' ' + s).slice(1);
}

describe('index: recent string ids', () => {
  it('gives the table ids for strings asked for again as other copies, in any order, past what it keeps', () => {
    const table = new StringTable(new DigestTable());
    const recent = new RecentIds(table);
    const digests = Array.from({ length: 2000 }, (_, i) => 'sha256:' + i.toString(16).padStart(64, '0'));
    const names = ['/logs/audit.jsonl', 'artifact_ref', 'payload.output_ref', 'run_started', 'r', 'run-0001', 'run-0002', '', 'é'];
    const all = [...digests, ...names];
    const ids = new Map<string, number>();
    let seed = 1;
    for (let n = 0; n < 20000; n++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      // Mostly recent strings (a line's), sometimes any: hits, misses and replaced slots.
      const s = all[n % 7 === 0 ? seed % all.length : (n >> 3) % all.length];
      const id = recent.id(copyOf(s));
      if (ids.has(s)) assert.equal(id, ids.get(s), s);
      else ids.set(s, id);
      assert.equal(table.find(s), id);
    }
    assert.equal(table.size, ids.size);
  });
});
