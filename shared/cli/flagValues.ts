// Typed access to parsed flags (node's parseArgs types values loosely when the option table
// is built at runtime), and the non-negative numbers that pull and gc take.
import { UsageError } from './args';

export type FlagValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function booleanFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** A non-negative number, or undefined when the flag is absent; anything else is a usage error. */
export function numberFlag(values: FlagValues, name: string): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number (got '${raw}')`);
  return n;
}
