// A read pool worker (see readPool.ts): reads the files of each batch it is sent with the
// same synchronous readers the main thread uses, and posts their FileRecords back in order.
// Asked to pack rows (the store takes them: a log worker's logs, logReads.ts, and the record
// workers' batches), it posts the rows as typed arrays, transferred, and no object per ref or event.
import { parentPort } from 'node:worker_threads';
import type { FileRecord } from '../records';
import { initReaders, readFileRecord } from '../readers';
import { keyRulesFor } from '../refs/refRole';
import { PackedRows, wireBuffers, type PackedRowsWire, type RowsWindow, type SpilledRowsWire } from './packedRows';
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
      const { rows, transfer } = packRows ? packBatch(records, request.spillFd) : { rows: undefined, transfer: [] };
      files.forEach(([path, , root], i) => leaveOutJobStrings(records[i], path, root));
      reply = { id: request.id, records, rows };
      port.postMessage(reply, transfer);
    } catch (err) {
      // Never expected (readers turn failures into problems): the pool reads this batch itself.
      reply = { id: request.id, error: (err as Error).message };
      port.postMessage(reply);
    }
  });
});

/**
 * Puts the records' rows in their wire form: those their reader packed (a log's) each whole,
 * those it left as objects into one PackedRows for the batch, each record given its window of
 * them (BatchRows; packed per record, a table each, they cost more than the clone they spared).
 * With `spillFd`, a log's own rows are written there when they are many (PackedRows.toSpilled).
 * Returns the batch's rows and the buffers to transfer.
 */
function packBatch(records: FileRecord[], spillFd: number | undefined): { rows: PackedRowsWire | undefined; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  let batch: PackedRows | undefined;
  for (const record of records) {
    const own = record.rows as PackedRows | undefined;
    let wire: PackedRowsWire | SpilledRowsWire | RowsWindow;
    if (own) {
      wire = (spillFd !== undefined ? own.toSpilled(spillFd) : undefined) ?? own.toWire();
      for (const b of wireBuffers(wire)) transfer.push(b);
    } else if (record.occurrences.length || record.events?.length) wire = (batch ??= new PackedRows()).takeWindow(record);
    else continue;
    (record as { rows?: unknown }).rows = wire;
  }
  const rows = batch?.toWire();
  for (const b of rows ? wireBuffers(rows) : []) transfer.push(b);
  return { rows, transfer };
}
