// The byte prefetch worker (see bytePrefetch.ts): reads each chunk of files it is sent with
// readFileBytes, as the calling thread would, and posts their bytes back in one transferred
// buffer (one the calling thread handed back when it fits). Files too large to hold ahead, and
// any failure that is not an UnreadableError, are left for the calling thread to read.
import { parentPort } from 'node:worker_threads';
import { readFileBytes, UnreadableError } from '../readers/fileBytes';
import { DIGEST_BYTES, Fetched, META_FIELDS, prefetchLimits, type PrefetchReply, type PrefetchRequest } from './bytePrefetch';

const port = parentPort;
if (!port) throw new Error('prefetchWorker runs as a worker thread');

/** A new buffer holds at least this much, so that most chunks fit a handed-back one. */
const MIN_BUFFER = 1024 * 1024;
const spares: ArrayBuffer[] = [];

function bufferFor(total: number): ArrayBuffer {
  const i = spares.findIndex((b) => b.byteLength >= total);
  if (i >= 0) return spares.splice(i, 1)[0];
  spares.length = 0; // too small for this chunk: let them go rather than keep more and more buffers
  return new ArrayBuffer(Math.max(total, MIN_BUFFER));
}

port.on('message', (request: PrefetchRequest) => {
  if (request.spare) spares.push(request.spare);
  const paths = request.paths.split('\0');
  const { fileCap, chunkBytes } = prefetchLimits(request.cap);
  const meta = new Float64Array(paths.length * META_FIELDS);
  const digests = Buffer.alloc(request.hashAll ? paths.length * DIGEST_BYTES : 0);
  const read: Buffer[] = [];
  const errors: string[] = [];
  let total = 0;
  paths.forEach((path, i) => {
    const m = i * META_FIELDS;
    if (total >= chunkBytes) return; // Fetched.ReadHere (0)
    try {
      // Within fileCap (<= the caller's cap), this is what readFileBytes(path, cap, opts) reads.
      const got = readFileBytes(path, fileCap, { hashAll: request.hashAll });
      if (!got.bytes) return; // above fileCap: the calling thread reads (or hashes) it
      meta.set([Fetched.Bytes, got.size, got.mtimeMs, total, got.bytes.length], m);
      if (got.sha256) digests.write(got.sha256, i * DIGEST_BYTES, 'hex');
      read.push(got.bytes);
      total += got.bytes.length;
    } catch (err) {
      if (!(err instanceof UnreadableError)) return;
      meta[m] = err.gone ? Fetched.Gone : Fetched.Unreadable;
      errors.push(err.message);
    }
  });
  const bytes = bufferFor(total);
  const view = new Uint8Array(bytes);
  let at = 0;
  for (const b of read) {
    view.set(b, at);
    at += b.length;
  }
  const reply: PrefetchReply = { id: request.id, meta, bytes, digests, errors: errors.join('\0') };
  port.postMessage(reply, [bytes, meta.buffer]);
});
