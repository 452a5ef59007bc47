// A read pool worker (see readPool.ts): reads the files of each batch it is sent with the
// same synchronous readers the main thread uses, and posts their FileRecords back in order.
import { parentPort } from 'node:worker_threads';
import { initReaders, readFileRecord } from '../readers';
import { keyRulesFor } from '../refs/refRole';
import { requestedFiles, type BatchReply, type BatchRequest } from './readPool';

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
      const records = requestedFiles(request).map(([path, role, root]) => readFileRecord(path, role, { root, maxParseBytes: request.maxParseBytes, keyRules }));
      reply = { id: request.id, records };
      port.postMessage(reply);
    } catch (err) {
      // Never expected (readers turn failures into problems): the pool reads this batch itself.
      reply = { id: request.id, error: (err as Error).message };
      port.postMessage(reply);
    }
  });
});
