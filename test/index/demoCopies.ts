// A suite's demo workspace, written once, and copies of it that tests change and index into a
// cache of their own: what the tests of lazy starts and of partial saves share.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RefIndex } from '../../shared/index/api';
import { writeDemo } from '../demo/demoFixture';

export interface DemoCopies {
  /** The demo as written; tests change only copies of it. */
  readonly dir: string;
  /** The demo's newest request ref (`sha256:…`). */
  readonly newestRequest: string;
  /** A fresh copy of the demo, and the path of a cache beside it (not created). */
  copy(): { ws: string; cache: string };
  /** Closes `index` once the running test is over (or at `closeTracked`, if sooner). */
  track<T extends RefIndex>(index: T): T;
  /** Closes every index tracked so far (a test that starts again over the same cache). */
  closeTracked(): Promise<void>;
}

/**
 * Registers the suite's hooks: the demo (`refscope demo --runs <runs>`) written in `before` and
 * removed in `after`, and the indexes tracked by a test closed after it.
 */
export function demoCopies(runs: number): DemoCopies {
  let tmp = '';
  let copies = 0;
  const open: RefIndex[] = [];
  const fixture = {
    dir: '',
    newestRequest: '',
    copy() {
      const ws = path.join(tmp, `ws-${++copies}`);
      fs.cpSync(fixture.dir, ws, { recursive: true });
      return { ws, cache: path.join(tmp, `cache-${copies}`) };
    },
    track<T extends RefIndex>(index: T): T {
      open.push(index);
      return index;
    },
    async closeTracked() {
      for (const index of open.splice(0)) await index.close();
    },
  };
  before(() => {
    const written = writeDemo(['--runs', String(runs)]);
    ({ tmp, dir: fixture.dir } = written);
    fixture.newestRequest = written.summary.newestRequest;
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => fixture.closeTracked());
  return fixture;
}
