// The server's tree watcher through real files: a burst larger than the kernel's inotify queue,
// written while the watcher's thread is busy (so the kernel drops events), is reported whole
// once the folders are listed again; a log appended to in the burst is reported too.
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { TreeWatcher } from '../../../server/session/treeWatcher';
import { waitFor } from '../lspClient';

/** The fs module itself (an `import *` gives a copy of its bindings): where a spy on opendirSync must go. */
const nodeFs = createRequire(__filename)('node:fs') as typeof fs;

/** The kernel's queue per inotify instance (16,384 by default). */
function queuedEventsLimit(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'));
  } catch {
    return 16384;
  }
}

/**
 * Writes 4000 more artifacts into `folder` than the kernel's queue holds, in one synchronous loop
 * (a watcher reads nothing meanwhile, so the kernel drops the rest); returns their paths.
 */
function burstOfArtifacts(folder: string): string[] {
  const written: string[] = [];
  for (let i = 0; i < queuedEventsLimit() + 4000; i++) {
    const bytes = JSON.stringify({ i, schema: 'request/v1' });
    const file = path.join(folder, `${crypto.createHash('sha256').update(bytes).digest('hex')}.json`);
    fs.writeFileSync(file, bytes);
    written.push(file);
  }
  return written;
}

describe('server: tree watcher', function () {
  this.timeout(120_000);
  let dir: string;
  let watcher: TreeWatcher | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refscope-watch-'));
  });
  afterEach(() => {
    watcher?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports every file of a burst that overflows the kernel queue, and the log appended to in it', async function () {
    if (process.platform !== 'linux') this.skip(); // the queue and its overflow are inotify's
    const artifacts = path.join(dir, 'runtime', 'artifacts', 'requests');
    fs.mkdirSync(artifacts, { recursive: true });
    const log = path.join(dir, 'runtime', 'run.events.jsonl');
    fs.writeFileSync(log, '');
    const seen = new Set<string>();
    watcher = new TreeWatcher((paths) => paths.forEach((p) => seen.add(p)), () => undefined);
    watcher.watch([path.join(dir, 'runtime')]);
    const written = burstOfArtifacts(artifacts);
    const files = written.length;
    fs.appendFileSync(log, '{"event_type":"run_completed"}\n');
    await waitFor(() => written.every((f) => seen.has(f)) && seen.has(log), 30_000, `all ${files} files reported`);
  });

  it('after a burst, reports files changed in place in folders no entry came to or went from', async function () {
    if (process.platform !== 'linux') this.skip();
    const runtime = path.join(dir, 'runtime');
    const artifacts = path.join(runtime, 'artifacts', 'requests');
    fs.mkdirSync(artifacts, { recursive: true });
    const log = path.join(runtime, 'run.events.jsonl');
    fs.writeFileSync(log, '');
    const notes = path.join(dir, 'notes');
    fs.mkdirSync(notes);
    const note = path.join(notes, 'replay.md');
    fs.writeFileSync(note, '# Replay\n');
    // Folders that settled long ago: after the burst only the one written into is listed again.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const folder of [dir, runtime, path.dirname(artifacts), artifacts, notes]) fs.utimesSync(folder, hourAgo, hourAgo);
    const seen = new Set<string>();
    watcher = new TreeWatcher((paths) => paths.forEach((p) => seen.add(p)), () => undefined);
    watcher.watch([dir]);
    const written = burstOfArtifacts(artifacts);
    // With the kernel's queue full, these changes raise no event the watcher reads: only a look at the files finds them.
    fs.appendFileSync(log, '{"event_type":"run_completed"}\n');
    fs.appendFileSync(note, '- step 1 replayed\n');
    await waitFor(() => written.every((f) => seen.has(f)) && seen.has(log) && seen.has(note), 30_000, 'the burst, the log and the note reported');
  });

  it('does not list a folder the index listed as it is now; after a burst past the queue there, reports the folder for the index to list, and files one by one again', async function () {
    if (process.platform !== 'linux') this.skip();
    const artifacts = path.join(dir, 'runtime', 'artifacts', 'requests');
    fs.mkdirSync(artifacts, { recursive: true });
    fs.writeFileSync(path.join(artifacts, `${'a'.repeat(64)}.json`), '{}');
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const folder of [artifacts, path.dirname(artifacts), path.join(dir, 'runtime')]) fs.utimesSync(folder, hourAgo, hourAgo);
    const known = [{ path: artifacts, mtimeMs: fs.statSync(artifacts).mtimeMs, artifactsOnly: true }];
    const listed: string[] = [];
    const real = nodeFs.opendirSync;
    nodeFs.opendirSync = function (this: unknown, ...args: Parameters<typeof fs.opendirSync>) {
      listed.push(String(args[0]));
      return real.apply(this, args);
    } as typeof fs.opendirSync;
    const seen = new Set<string>();
    try {
      watcher = new TreeWatcher((paths) => paths.forEach((p) => seen.add(p)), () => undefined);
      watcher.watch([path.join(dir, 'runtime')], Date.now() - 60_000, known);
      assert.deepEqual(listed.sort(), [path.join(dir, 'runtime'), path.dirname(artifacts)]);
      burstOfArtifacts(artifacts);
      await waitFor(() => seen.has(artifacts), 30_000, 'the folder reported');
      assert.ok(listed.includes(artifacts), 'listed once its time moved');
      const later = path.join(artifacts, `${'b'.repeat(64)}.json`);
      fs.writeFileSync(later, '{}');
      await waitFor(() => seen.has(later), 10_000, 'a file written after its listing');
    } finally {
      nodeFs.opendirSync = real;
    }
  });

  it('reports what was modified since a given time when it starts watching, and nothing older', () => {
    const old = path.join(dir, 'old.json');
    fs.writeFileSync(old, '{}');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(old, hourAgo, hourAgo);
    fs.utimesSync(dir, hourAgo, hourAgo);
    const fresh = path.join(dir, 'fresh.json');
    fs.writeFileSync(fresh, '{}');
    fs.utimesSync(dir, hourAgo, hourAgo);
    const seen: string[] = [];
    watcher = new TreeWatcher((paths) => seen.push(...paths), () => undefined);
    watcher.watch([dir], Date.now() - 60_000);
    assert.deepEqual(seen, [fresh]);
  });

  it('when it starts watching, finds new content-addressed files by their folder having changed', () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const name = (c: string) => `${c.repeat(64)}.json`;
    const quiet = path.join(dir, 'quiet');
    const busy = path.join(dir, 'busy');
    for (const folder of [quiet, busy]) fs.mkdirSync(folder);
    fs.writeFileSync(path.join(quiet, name('a')), '{}');
    fs.utimesSync(quiet, hourAgo, hourAgo);
    fs.writeFileSync(path.join(busy, name('b')), '{}');
    // Written once (CONTRACT 1.3): in a folder with no new entry, an artifact is not even stat'ed.
    const seen: string[] = [];
    watcher = new TreeWatcher((paths) => seen.push(...paths), () => undefined);
    watcher.watch([dir], Date.now() - 60_000);
    assert.deepEqual(seen, [path.join(busy, name('b'))]);
  });

  it('reports a deleted file and watches a folder made after it started', async function () {
    if (process.platform !== 'linux') this.skip();
    const kept = path.join(dir, 'old.json');
    fs.writeFileSync(kept, '{}');
    const seen = new Set<string>();
    // Every event counts as a burst here: the listing is compared after each pause.
    watcher = new TreeWatcher((paths) => paths.forEach((p) => seen.add(p)), () => undefined, 1);
    watcher.watch([dir]);
    fs.rmSync(kept);
    const sub = path.join(dir, 'new-kind');
    fs.mkdirSync(sub);
    await waitFor(() => seen.has(kept) && seen.has(sub), 5000, 'the deletion and the new folder');
    // The new folder is watched from now on.
    const inside = path.join(sub, 'a.json');
    fs.writeFileSync(inside, '{}');
    await waitFor(() => seen.has(inside), 5000, 'a file in the new folder');
  });
});
