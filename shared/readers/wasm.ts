// The two WASM modules readers need, loaded once before indexing (their init is async, the
// readers are sync): sql.js for SQLite event stores, hash-wasm's BLAKE3 for payload digests.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import initSqlJs, { type SqlJsStatic } from 'sql.js';
import { createBLAKE3, type IHasher } from 'hash-wasm';

let sql: SqlJsStatic | undefined;
let blake3: IHasher | undefined;
let loading: Promise<void> | undefined;
/** Why loading failed: SQLite files then get this as their problem instead of the run crashing. */
let loadError: string | undefined;

/** sql-wasm.wasm beside the bundle (dist/), else from node_modules (the out/ test build). */
function locateSqlWasm(file: string): string {
  const beside = nodePath.join(__dirname, file);
  return fs.existsSync(beside) ? beside : require.resolve(`sql.js/dist/${file}`);
}

/** Loads sql.js and BLAKE3; call (and await) once before reading SQLite files. Never rejects. */
export function initReaders(): Promise<void> {
  loading ??= (async () => {
    try {
      const [s, b] = await Promise.all([initSqlJs({ locateFile: locateSqlWasm }), createBLAKE3()]);
      sql = s;
      blake3 = b;
    } catch (err) {
      loadError = (err as Error).message;
    }
  })();
  return loading;
}

/** Why SQLite files cannot be read now, or undefined when they can. */
export function sqliteUnavailable(): string | undefined {
  if (sql && blake3) return undefined;
  return loadError ? `SQLite support failed to load (${loadError})` : 'SQLite support is not loaded (initReaders() was not awaited)';
}

/** The loaded sql.js, or undefined when initReaders() has not finished. */
export function loadedSqlJs(): SqlJsStatic | undefined {
  return sql;
}

/** BLAKE3-256 hex of `data`, or undefined when initReaders() has not finished. */
export function blake3Hex(data: Uint8Array | string): string | undefined {
  if (!blake3) return undefined;
  blake3.init();
  blake3.update(data);
  return blake3.digest('hex');
}
