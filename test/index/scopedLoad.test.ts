// A lazy index over an unchanged workspace answers resolve and trace from just the saved
// records they ask for (scopedLoad.ts): the answers must be exactly those of the whole index,
// for every ref the workspace writes, and a trace must load a small part of the records.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import { initReaders } from '../../shared/readers';
import { keysFileOf } from '../../shared/index/persist';
import { SavedKeys, ScopedLoader } from '../../shared/index/scopedLoad';
import { MemoryIndex } from '../../shared/index/memoryIndex';
import { createIndex } from '../../shared/index/workspaceIndex';
import { traceOf } from '../../shared/trace/traceOf';
import { resolve } from '../../shared/index/resolve';
import type { DemoSummary } from '../../shared/demo/demoWorkspace';
import { writeDemo } from '../demo/demoFixture';

describe('index scoped load', function () {
  this.timeout(600000);
  let dir: string;
  let tmp: string;
  let cache: string;
  let summary: DemoSummary;
  let full: RefIndex;
  /** Refs as written in the workspace (all forms, dangling ones too), run ids and run-state paths. */
  let refs: string[];

  before(async () => {
    // Enough runs that the audit log holds more events than a record keeps whole when filtered.
    ({ dir, tmp, summary } = writeDemo(['--runs', '400']));
    cache = path.join(tmp, 'cache');
    full = createIndex({ folders: [dir], cacheDir: cache });
    await full.build();
    const written = new Set<string>();
    for (const [file] of walk(dir)) for (const o of full.occurrences(file)) written.add(o.text);
    for (const r of full.runs()) {
      if (r.runId !== undefined) written.add(r.runId);
      written.add(r.path);
    }
    // A spread of every form (each is a whole trace twice over): every 24th in order, which mixes them.
    refs = [...written].sort().filter((_, i) => i % 24 === 0);
  });
  after(async () => {
    await full.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  function* walk(d: string): Iterable<[string]> {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) yield* walk(p);
      else yield [p];
    }
  }

  it('answers resolve, trace and diff exactly as the whole index does, for refs of every form written', async () => {
    const lazy = createIndex({ folders: [dir], cacheDir: cache, lazy: true });
    try {
      const stats = await lazy.build();
      assert.equal(stats.filesRead, 0, 'the workspace is unchanged: nothing is read');
      assert.ok(refs.length > 150, `${refs.length} refs`);
      for (const ref of refs) {
        assert.deepEqual(lazy.resolve(ref), full.resolve(ref), `resolve ${ref}`);
        assert.deepEqual(lazy.trace(ref), full.trace(ref), `trace ${ref}`);
      }
      assert.deepEqual(lazy.diff(refs[0], summary.newestRequest), full.diff(refs[0], summary.newestRequest));
      // Scoped loads never leave the index partial for the rest: references loads everything (in another file order).
      const places = (i: RefIndex) => i.references(summary.newestRequest).map((l) => `${l.path}:${l.line}:${l.col}`).sort();
      assert.deepEqual(places(lazy), places(full));
    } finally {
      await lazy.close();
    }
  });

  it('loads a small part of the saved records for one trace, and a large log only in part', async () => {
    await initReaders();
    const store = new MemoryIndex();
    const loader = new ScopedLoader(new SavedKeys(cache, recordsIn(cache)), store, []);
    const answered = loader.run(() => traceOf(store, summary.newestRequest));
    assert.ok(answered, 'a request trace needs no walk of the whole index');
    assert.deepEqual(answered.result, full.trace(summary.newestRequest));
    const total = [...walk(dir)].length;
    assert.ok(store.files.size < total / 20, `${store.files.size} of ${total} files loaded`);
    const audit = [...store.files.values()].find((f) => f.record.role === 'auditLog' && f.evCount > 0)!;
    assert.ok(audit, 'the audit log holds the trace events');
    assert.ok(audit.evCount < summary.events.audit / 10, `${audit.evCount} of ${summary.events.audit} audit events kept`);
  });

  it('keeps the rows of a filtered log that answer to each kind of key: run, payload, chain hash, ref, deletion, mention', async () => {
    await initReaders();
    // Every log filtered, whatever its size: the small ones hold the payload digests (the SQLite
    // store) and the `artifact.deleted` record (agent-b's plain log).
    const filtered = (query: (store: MemoryIndex) => unknown) => {
      const store = new MemoryIndex();
      return new ScopedLoader(new SavedKeys(cache, recordsIn(cache)), store, [], new Set(), 0).run(() => query(store))?.result;
    };
    const written = new Set([...walk(dir)].flatMap(([file]) => full.occurrences(file).map((o) => o.text)));
    // Three of each kind a filter keeps by something other than a ref or mention, with a spread of the other forms (run ids, refs).
    const byKind = new Map<string, string[]>();
    for (const r of written) {
      const kind = r.startsWith('blake3:') ? 'payload' : full.resolve(r).type;
      if (kind === 'payload' || kind === 'pruned' || kind === 'event') byKind.set(kind, (byKind.get(kind) ?? []).concat(r).slice(0, 3));
    }
    assert.deepEqual([...byKind.keys()].sort(), ['event', 'payload', 'pruned']);
    for (const ref of [...byKind.values()].flat().concat(refs.filter((_, i) => i % 8 === 0))) {
      assert.deepEqual(filtered((store) => resolve(store, ref)), full.resolve(ref), `resolve ${ref}`);
      assert.deepEqual(filtered((store) => traceOf(store, ref)), full.trace(ref), `trace ${ref}`);
    }
  });

  it('writes a missing key index again on the next start and answers meanwhile from the whole index', async () => {
    const copy = path.join(tmp, 'cache-copy');
    fs.cpSync(cache, copy, { recursive: true });
    fs.rmSync(path.join(copy, keysFileOf(recordsIn(copy))));
    const lazy = createIndex({ folders: [dir], cacheDir: copy, lazy: true });
    await lazy.build();
    assert.deepEqual(lazy.trace(summary.newestRequest), full.trace(summary.newestRequest));
    await lazy.close();
    assert.ok(fs.existsSync(path.join(copy, keysFileOf(recordsIn(copy)))), 'the key index is back');
  });

  /** The records file a save left (the cache holds one). */
  function recordsIn(cacheDir: string): string {
    const names = fs.readdirSync(cacheDir).filter((n) => /^records-[0-9a-f]{16}\.bin$/.test(n));
    assert.equal(names.length, 1, names.join(', '));
    return names[0];
  }
});
