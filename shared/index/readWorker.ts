// A read pool worker (see readPool.ts): reads the files of each batch it is sent with the
// same synchronous readers the main thread uses, and posts their FileRecords back in order.
// Asked to pack rows (the logs and event stores a CLI index reads here: see logReads.ts), it
// posts each record's rows as typed arrays, transferred, and no object per ref or event.
import { parentPort } from 'node:worker_threads';
import type { FileRecord } from '../records';
import { initReaders, readFileRecord } from '../readers';
import { keyRulesFor } from '../refs/refRole';
import { PackedRows, wireBuffers } from './packedRows';
import { requestedFiles, type BatchReply, type BatchRequest } from './readRequests';
import { leaveOutJobStrings } from './recordStrings';

const port = parentPort;
if (!port) throw new Error('readWorker runs as a worker thread');
// Started now, so the WASM modules load while the first batch is on its way.
const ready = initReaders();

port.on('message', (request: BatchRequest) => {
  void ready.then(() => {
    let reply: BatchReply;
    try {
      // Previews are not kept by the index (the hover reads a file's head on demand).
      const keyRules = keyRulesFor(request.keyLists);
      const { maxParseBytes, packRows } = request;
      const files = requestedFiles(request);
      const records = files.map(([path, role, root]) => readFileRecord(path, role, { root, maxParseBytes, keyRules, packRows }));
      // Packed first: the rows keep their events' file.
      const transfer = packRows ? records.flatMap(toWire) : [];
      files.forEach(([path, , root], i) => leaveOutJobStrings(records[i], path, root));
      reply = { id: request.id, records };
      port.postMessage(reply, transfer);
    } catch (err) {
      // Never expected (readers turn failures into problems): the pool reads this batch itself.
      reply = { id: request.id, error: (err as Error).message };
      port.postMessage(reply);
    }
  });
});

/**
 * Puts `record`'s rows in their wire form (those its reader left as objects packed first, as the
 * store would have appended them); returns the buffers to transfer.
 */
function toWire(record: FileRecord): ArrayBuffer[] {
  let rows = record.rows as PackedRows | undefined;
  if (!rows) {
    if (!record.occurrences.length && !record.events?.length) return [];
    rows = new PackedRows();
    rows.take(record);
  }
  const wire = rows.toWire();
  (record as { rows?: unknown }).rows = wire;
  return wireBuffers(wire);
}
