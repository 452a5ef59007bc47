// The index host's wait for a build, on a real index of a real workspace: requests go on once
// the index is ready, while the end of its build (the first save) still runs, held here until
// the test lets it finish.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createIndex } from '../../../shared/index/workspaceIndex';
import type { IndexOptions, RefIndex } from '../../../shared/index/api';
import { IndexHost } from '../../../server/session/indexHost';
import { writeFixture } from '../fixture';

describe('server: index host', function () {
  this.timeout(30000);
  let dir: string;
  before(() => {
    dir = writeFixture().dir;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A real index whose build, once the index is ready, does not end until `finish` is called. */
  function heldAfterReady(): { factory: (o: IndexOptions) => RefIndex; finish: () => void } {
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const factory = (options: IndexOptions) => {
      const index = createIndex(options);
      const build = index.build.bind(index);
      index.build = async () => {
        const stats = await build();
        await held;
        return stats;
      };
      return index;
    };
    return { factory, finish };
  }

  it('answers once the index is ready, before its build (and first save) has ended', async () => {
    const { factory, finish } = heldAfterReady();
    const host = new IndexHost(factory, () => undefined);
    const built = host.start({ folders: [dir], cacheDir: path.join(dir, '.cache') });
    let buildEnded = false;
    void built.then(() => (buildEnded = true));
    // Longer than the test's timeout: a host that waited for the build's end would fail here.
    const index = await host.get(10 * 60_000);
    assert.equal(index.ready, true);
    assert.equal(buildEnded, false);
    assert.ok(index.stats().artifacts > 0);
    finish();
    await built;
    await host.close();
  });

  it("calls the caller's onReady (the server's warm-up) once the index is ready, before a waiting request goes on", async () => {
    const host = new IndexHost(createIndex, () => undefined);
    const calls: boolean[] = [];
    const built = host.start({ folders: [dir], cacheDir: path.join(dir, '.cache-ready'), onReady: () => calls.push(host.current()?.ready ?? false) });
    const answered = host.get(10 * 60_000).then(() => calls.length);
    assert.equal(await answered, 1, 'the request went on after onReady');
    assert.deepEqual(calls, [true]);
    await built;
    await host.close();
  });

  it('lets requests go on only once the warm-up given to start has ended, even after the build has ended', async () => {
    const host = new IndexHost(createIndex, () => undefined);
    let endWarmUp!: () => void;
    const warmUps: boolean[] = [];
    const built = host.start({ folders: [dir], cacheDir: path.join(dir, '.cache-warm') }, () => {
      warmUps.push(host.current()?.ready ?? false);
      return new Promise<void>((resolve) => (endWarmUp = resolve));
    });
    let answered = false;
    const request = host.get(10 * 60_000).then(() => (answered = true));
    await built;
    // Turns enough for a request that did not wait for the warm-up to have gone on.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warmUps, [true], 'the warm-up ran once, with the index ready');
    assert.equal(answered, false, 'the request waits for the warm-up');
    endWarmUp();
    await request;
    assert.equal(answered, true);
    await host.close();
  });

  it('logs a warm-up that fails and lets requests go on', async () => {
    const logged: string[] = [];
    const host = new IndexHost(createIndex, (m) => logged.push(m));
    const built = host.start({ folders: [dir], cacheDir: path.join(dir, '.cache-warm-fails') }, () => Promise.reject(new Error('no preview')));
    const index = await host.get(10 * 60_000);
    assert.equal(index.ready, true);
    assert.ok(logged.some((m) => m.includes('warming up failed: no preview')), logged.join('\n'));
    await built;
    await host.close();
  });
});
