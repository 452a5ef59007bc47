// Locations kept as columns until they are written. A references answer that is not streamed
// held 100k Location objects (four objects each, ~160 bytes) from the search until the answer
// was written: 16 MB that outlived the young generation and stayed until the next full GC, one
// more 16 MB for each such answer. Packed, a location is 20 bytes and one string per file; its
// objects are made as the writer reads each element and die young.
import type { Location } from 'vscode-languageserver';
import { grown } from '../../shared/index/columnRoom';

/** Columns per location: uri (index into the file's uris), start line, start character, end line, end character. */
const COLUMNS = 5;

/**
 * `locations` packed, as a read-only array that makes each element when it is read (a proxy:
 * the connection serialises whatever array the handler returns). Its length, indices,
 * iteration and JSON are those of the plain array.
 */
export function packedLocations(locations: Iterable<Location>): Location[] {
  const uris: string[] = [];
  const uriIds = new Map<string, number>();
  let rows = new Int32Array(1024 * COLUMNS);
  let length = 0;
  for (const l of locations) {
    let uri = uriIds.get(l.uri);
    if (uri === undefined) uriIds.set(l.uri, (uri = uris.push(l.uri) - 1));
    if ((length + 1) * COLUMNS > rows.length) rows = grown(rows, rows.length * 2);
    const r = length++ * COLUMNS;
    rows[r] = uri;
    rows[r + 1] = l.range.start.line;
    rows[r + 2] = l.range.start.character;
    rows[r + 3] = l.range.end.line;
    rows[r + 4] = l.range.end.character;
  }
  const at = (i: number): Location => {
    const r = i * COLUMNS;
    return { uri: uris[rows[r]], range: { start: { line: rows[r + 1], character: rows[r + 2] }, end: { line: rows[r + 3], character: rows[r + 4] } } };
  };
  return new Proxy([] as Location[], {
    get(target, key, receiver) {
      if (key === 'length') return length;
      const i = indexOf(key, length);
      return i === undefined ? Reflect.get(target, key, receiver) : at(i);
    },
    has(target, key) {
      return indexOf(key, length) !== undefined || Reflect.has(target, key);
    },
  });
}

/** The array index `key` names, if it is one below `length`. */
function indexOf(key: string | symbol, length: number): number | undefined {
  if (typeof key !== 'string') return undefined;
  const i = Number(key);
  return Number.isInteger(i) && i >= 0 && i < length && String(i) === key ? i : undefined;
}
