// The JSON paths whose values differ between two documents, with both values (CONTRACT 2,
// Compare). Objects are compared key by key and arrays index by index; a path on one side only
// has no value on the other. Iterative: parsed JSON may be 100k levels deep.
import type { DiffChange } from '../protocol';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function change(path: string, a: unknown, b: unknown): DiffChange {
  const c: DiffChange = { path };
  if (a !== undefined) c.a = a;
  if (b !== undefined) c.b = b;
  return c;
}

/** Up to `limit` changes, in document order; `more` counts those left out. */
export function jsonChanges(a: unknown, b: unknown, limit: number): { changes: DiffChange[]; more: number } {
  const changes: DiffChange[] = [];
  let more = 0;
  const stack: [string, unknown, unknown][] = [['$', a, b]];
  while (stack.length) {
    const [path, x, y] = stack.pop()!;
    const pending: [string, unknown, unknown][] = [];
    if (isObject(x) && isObject(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) pending.push([child(path, k), x[k], y[k]]);
    } else if (Array.isArray(x) && Array.isArray(y)) {
      const n = Math.max(x.length, y.length);
      for (let i = 0; i < n; i++) pending.push([child(path, i), x[i], y[i]]);
    } else if (x !== y) {
      if (changes.length < limit) changes.push(change(path, x, y));
      else more++;
      continue;
    }
    // Reversed onto the stack so the walk stays in document order.
    for (let i = pending.length - 1; i >= 0; i--) {
      const [p, u, w] = pending[i];
      if (u !== w) stack.push([p, u, w]);
    }
  }
  return { changes, more };
}
