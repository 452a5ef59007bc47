// JSON as Python's `json.dumps` writes it, for the parts of the demo that come from Python
// runtimes (ledgers, the SQLite event store): `", "`/`": "` separators by default, non-ASCII
// escaped, and floats that keep their Python lexeme (`1.0`, which JavaScript would print as
// `1`). Record hashes over these records are only reproducible if those bytes are exact.
import { compareCodePoints } from '../canonicalJson';

/** A float as Python prints it. `new PyFloat(1)` writes `1.0`; `new PyFloat(0.25)` writes `0.25`. */
export class PyFloat {
  readonly lexeme: string;

  constructor(value: number) {
    if (!Number.isFinite(value) || Math.abs(value) >= 1e16 || (value !== 0 && Math.abs(value) < 1e-4)) {
      // Outside this range Python and JavaScript disagree on exponent notation; the demo never needs it.
      throw new RangeError(`PyFloat: ${value} has no shared plain notation`);
    }
    this.lexeme = Number.isInteger(value) ? value.toFixed(1) : String(value);
  }
}

export interface PythonDumpsOptions {
  /** `sort_keys=True` */
  sortKeys?: boolean;
  /** `separators=(",", ":")` instead of the default `(", ", ": ")`. */
  compact?: boolean;
}

/** Python's `ensure_ascii=True` escapes everything outside printable ASCII, in lower-case hex. */
function pyString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function pythonDumps(value: unknown, options: PythonDumpsOptions = {}): string {
  const item = options.compact ? ',' : ', ';
  const kv = options.compact ? ':' : ': ';
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof PyFloat) return v.lexeme;
    if (typeof v === 'string') return pyString(v);
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new TypeError(`pythonDumps: write the float ${v} as a PyFloat so its lexeme is explicit`);
      return String(v);
    }
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (Array.isArray(v)) return '[' + v.map(write).join(item) + ']';
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
    if (options.sortKeys) keys.sort(compareCodePoints);
    return '{' + keys.map((k) => pyString(k) + kv + write(obj[k])).join(item) + '}';
  };
  return write(value);
}
