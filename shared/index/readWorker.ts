// A read pool worker (see readPool.ts): reads the files of each batch it is sent with the
// same synchronous readers the main thread uses, and posts their FileRecords back in order.
// Asked to pack rows (the store takes them: a log worker's logs, logReads.ts, and the record
// workers' batches), it posts the rows as typed arrays, transferred, and no object per ref or event.
import { parentPort } from 'node:worker_threads';
import type { FileRecord } from '../records';
import { initReaders, readFileRecord } from '../readers';
import { keyRulesFor } from '../refs/refRole';
import { collectGarbage } from '../heapGrowth';
import { PackedRows, wireBuffers, type PackedRowsWire, type RowsWindow, type SpilledRowsWire } from './packedRows';
import { requestedFiles, type BatchReply, type BatchRequest } from './readRequests';
import { leaveOutJobStrings } from './recordStrings';

/**
 * Rows of this many bytes posted at once (a log's) leave their garbage here: the columns they
 * grew in and the copies that fit them before posting (packedRows.ts toWire), ~45 MB for the
 * bench's 62 MB audit log, held until this thread's next full collection while it read the logs
 * after it. Collected right after the post (a few ms: this heap holds little else).
 */
const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('readWorker runs as a worker thread');
/**
 * The WASM modules (sql.js, BLAKE3), loaded by the first request holding an SQLite store: only
 * those need them, and the record workers the language server keeps for its updates never read
 * one (logs and stores are read apart: readPool.ts), where loading them at the start was ~8 MB
 * more resident in each worker for as long as it lived.
 */
let readers: Promise<void> | undefined;

port.on('message', (request: BatchRequest) => {
  const files = filesOf(request);
  const ready = files?.some(([, role]) => role === 'sqlite') ? (readers ??= initReaders()) : Promise.resolve();
  void ready.then(() => {
    let reply: BatchReply;
    try {
      if (!files) throw new Error('a request without its files');
      // Previews are not kept by the index (the hover reads a file's head on demand).
      const keyRules = keyRulesFor(request.keyLists);
      const { maxParseBytes, packRows } = request;
      const records = files.map(([path, role, root]) => readFileRecord(path, role, { root, maxParseBytes, keyRules, packRows, spillFd: request.spillFd }));
      // Packed first: the rows keep their events' file.
      const { rows, transfer } = packRows ? packBatch(records) : { rows: undefined, transfer: [] };
      files.forEach(([path, , root], i) => leaveOutJobStrings(records[i], path, root));
      reply = { id: request.id, records, rows };
      // Counted before the post, which detaches them.
      const posted = bytesOf(transfer);
      port.postMessage(reply, transfer);
      if (posted >= COLLECT_AFTER_BYTES) collectGarbage();
    } catch (err) {
      // Never expected (readers turn failures into problems): the pool reads this batch itself.
      reply = { id: request.id, error: (err as Error).message };
      port.postMessage(reply);
    }
  });
});

/** The files a request asks for, undefined when it names none readably (answered as an error). */
function filesOf(request: BatchRequest): ReturnType<typeof requestedFiles> | undefined {
  try {
    return requestedFiles(request);
  } catch {
    return undefined;
  }
}

/**
 * Puts the records' rows in their wire form: those their reader packed (a log's) each whole,
 * those it left as objects into one PackedRows for the batch, each record given its window of
 * them (BatchRows; packed per record, a table each, they cost more than the clone they spared).
 * A log's own rows its reader wrote out (the request's `spillFd`) stay where they are (PackedRows.toSpilled).
 * Returns the batch's rows and the buffers to transfer.
 */
function packBatch(records: FileRecord[]): { rows: PackedRowsWire | undefined; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  let batch: PackedRows | undefined;
  for (const record of records) {
    const own = record.rows as PackedRows | undefined;
    let wire: PackedRowsWire | SpilledRowsWire | RowsWindow;
    if (own) {
      wire = own.toSpilled() ?? own.toWire();
      for (const b of wireBuffers(wire)) transfer.push(b);
    } else if (record.occurrences.length || record.events?.length) wire = (batch ??= new PackedRows()).takeWindow(record);
    else continue;
    (record as { rows?: unknown }).rows = wire;
  }
  const rows = batch?.toWire();
  for (const b of rows ? wireBuffers(rows) : []) transfer.push(b);
  return { rows, transfer };
}

function bytesOf(buffers: readonly ArrayBuffer[]): number {
  let n = 0;
  for (const b of buffers) n += b.byteLength;
  return n;
}
