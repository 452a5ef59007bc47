// The byte prefetch worker (see bytePrefetch.ts): reads each chunk of files it is sent with
// readFileBytes, as the calling thread would, and posts their bytes back in one transferred
// buffer. Files too large to hold ahead, and any failure that is not an UnreadableError, are
// left for the calling thread to read.
import { parentPort } from 'node:worker_threads';
import { readFileBytes, UnreadableError } from '../readers/fileBytes';
import { Fetched, META_FIELDS, NO_HASH, prefetchLimits, type PrefetchReply, type PrefetchRequest } from './bytePrefetch';

const port = parentPort;
if (!port) throw new Error('prefetchWorker runs as a worker thread');

port.on('message', (request: PrefetchRequest) => {
  const paths = request.paths.split('\0');
  const { fileCap, chunkBytes } = prefetchLimits(request.cap);
  const meta = new Float64Array(paths.length * META_FIELDS);
  const read: Buffer[] = [];
  const hashes: string[] = [];
  const errors: string[] = [];
  let total = 0;
  paths.forEach((path, i) => {
    const m = i * META_FIELDS;
    hashes.push(NO_HASH);
    if (total >= chunkBytes) return; // Fetched.ReadHere (0)
    try {
      // Within fileCap (<= the caller's cap), this is what readFileBytes(path, cap, opts) reads.
      const got = readFileBytes(path, fileCap, { hashAll: request.hashAll });
      if (!got.bytes) return; // above fileCap: the calling thread reads (or hashes) it
      meta.set([Fetched.Bytes, got.size, got.mtimeMs, total, got.bytes.length], m);
      if (got.sha256) hashes[i] = got.sha256;
      read.push(got.bytes);
      total += got.bytes.length;
    } catch (err) {
      if (!(err instanceof UnreadableError)) return;
      meta[m] = err.gone ? Fetched.Gone : Fetched.Unreadable;
      errors.push(err.message);
    }
  });
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  let at = 0;
  for (const b of read) {
    view.set(b, at);
    at += b.length;
  }
  const reply: PrefetchReply = { id: request.id, meta, bytes, hashes: hashes.join(''), errors: errors.join('\0') };
  port.postMessage(reply, [bytes, meta.buffer]);
});
