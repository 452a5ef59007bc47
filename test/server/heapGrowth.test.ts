import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

describe("V8's heap growth in a refscope process", () => {
  // ~40 MB live, then garbage that outlives the young generation (each batch kept for a few
  // rounds, as a build's records are), measured as the old space's largest size.
  const script = (setUp: string) => `
    const v8 = require('v8');
    const growth = require(${JSON.stringify(require.resolve('../../shared/heapGrowth'))});
    ${setUp};
    const live = [];
    for (let i = 0; i < 4e5; i++) live.push({ i, s: 'live' + i });
    const kept = [];
    let peak = 0;
    for (let round = 0; round < 120; round++) {
      const batch = [];
      for (let j = 0; j < 5e4; j++) batch.push({ j, s: 'g' + j });
      kept.push(batch);
      if (kept.length > 4) kept.shift();
      peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size);
    }
    console.log(peak, live.length);`;
  const oldSpacePeak = (setUp: string, nodeArgs: string[] = []) =>
    Number(execFileSync(process.execPath, ['--max-semi-space-size=4', ...nodeArgs, '-e', script(setUp)], { encoding: 'utf8' }).split(' ')[0]);
  const LIMIT = 'growth.limitHeapGrowth()';
  /**
   * The bytes of RSS given back 200 ms after `body` (run in a node of its own with `growth`, the
   * module, required) ends: V8 frees a dead array's memory on a helper thread just after the
   * collection. `body` leaves `held` (the RSS before the memory went dead) set.
   */
  const rssGivenBack = (body: string) =>
    Number(
      execFileSync(process.execPath, ['-e', `
        const growth = require(${JSON.stringify(require.resolve('../../shared/heapGrowth'))});
        let held;
        ${body};
        setTimeout(() => console.log(held - process.memoryUsage.rss()), 200);`], { encoding: 'utf8' }),
    );

  it('collects the old generation before its garbage outgrows what is live', function () {
    this.timeout(30000); // node starts on a loaded machine
    const limited = oldSpacePeak(LIMIT);
    const byDefault = oldSpacePeak('');
    assert.ok(limited * 2 < byDefault, `old space peaked at ${limited >> 20} MB limited, ${byDefault >> 20} MB by V8's own factor`);
  });

  it("keeps a growth factor the process was started with (the user's tuning)", function () {
    this.timeout(30000);
    const own = oldSpacePeak(LIMIT, ['--heap-growing-percent=300']);
    const limited = oldSpacePeak(LIMIT);
    assert.ok(limited * 2 < own, `old space peaked at ${limited >> 20} MB limited, ${own >> 20} MB with the process's own factor`);
  });

  it('gives the memory of a large dead array back at once when asked to collect (a log landing in a build)', function () {
    this.timeout(30000);
    // A column's old copy: its pages are touched, then it is dropped with nothing allocated after.
    const freed = (collect: string) =>
      rssGivenBack(`
        let column = new Int32Array(12 << 20).fill(7);
        held = process.memoryUsage.rss();
        column = undefined;
        ${collect}`);
    const collected = freed('growth.collectGarbage()');
    const left = freed('');
    assert.ok(collected > 40 << 20, `${collected >> 20} MB given back when collected`);
    assert.ok(left < 8 << 20, `${left >> 20} MB given back when left to V8`);
  });

  it("gives a grown column's old copy back once the memory outside the heap grew by tens of MB since the last look (an agent's rows), not for a few MB", function () {
    this.timeout(30000);
    // A 16 MB column held when the index looks first, then grown into a copy of `grownTo` int32s and dropped.
    const freed = (grownTo: number) =>
      rssGivenBack(`
        let column = new Int32Array(4 << 20).fill(7);
        growth.collectGrownBuffers();
        // Grown in a frame of its own, as the index grows a column: none of this one's registers holds the old copy after.
        const grow = () => {
          const next = new Int32Array(${grownTo});
          next.set(column);
          column = next;
        };
        grow();
        held = process.memoryUsage.rss();
        growth.collectGrownBuffers()`);
    const grownFar = freed(12 << 20); // 48 MB more outside the heap
    const grownLittle = freed(5 << 20); // 20 MB more
    assert.ok(grownFar > 12 << 20, `${grownFar >> 20} MB given back after the columns grew by 48 MB`);
    assert.ok(grownLittle < 8 << 20, `${grownLittle >> 20} MB given back after they grew by 20 MB`);
  });

  it("gives the factor back to V8 while relaxed (a build holding a large listing), and limits it again after", function () {
    this.timeout(30000);
    const relaxed = oldSpacePeak(`${LIMIT}; growth.relaxHeapGrowth()`);
    const limitedAgain = oldSpacePeak(`${LIMIT}; growth.relaxHeapGrowth()()`);
    assert.ok(limitedAgain * 2 < relaxed, `old space peaked at ${limitedAgain >> 20} MB limited again, ${relaxed >> 20} MB relaxed`);
  });
});

describe("a language server's worker threads' young generations", () => {
  // New space counts both semi-spaces once the allocations grew them: the main thread's and a worker's, after each allocated the same.
  const script = `
    const v8 = require('v8');
    const { Worker } = require('worker_threads');
    require(${JSON.stringify(require.resolve('../../shared/heapGrowth'))}).smallWorkerYoungGenerations();
    const allocate = "let kept = []; for (let i = 0; i < 2e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 2e4) kept = []; }";
    const newSpace = "require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size";
    eval(allocate);
    const main = eval(newSpace);
    new Worker(allocate + '; require("worker_threads").parentPort.postMessage(' + newSpace + ')', { eval: true }).on('message', (worker) => console.log(main, worker));`;
  const newSpaces = (nodeOptions: string) => {
    const [main, worker] = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' }).trim().split(' ').map(Number);
    return { main, worker };
  };
  const MB = 1024 * 1024;

  it("takes 1 MB semi-spaces in a worker while the server's own thread keeps serverEnv's 4 MB", function () {
    this.timeout(30000);
    const { main, worker } = newSpaces('--max-semi-space-size=4');
    assert.ok(worker <= 2 * MB, `a worker's new space ${worker / MB} MB`);
    assert.ok(main > 2 * MB && main <= 8 * MB, `the main thread's ${main / MB} MB`);
  });

  it("leaves a semi-space the user set in NODE_OPTIONS to every thread", function () {
    this.timeout(30000);
    const { worker } = newSpaces('--max-semi-space-size=8');
    assert.ok(worker > 2 * MB, `a worker's new space ${worker / MB} MB`);
  });
});
