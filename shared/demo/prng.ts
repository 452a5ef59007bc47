// Seeded randomness for the demo workspace: every name, id and number in it comes from here,
// so two runs with the same arguments write byte-identical files (tests and benchmarks
// compare against fixed expectations, and reviewers diff two demos).

/** sfc32: small, fast, and good enough to make demo data look varied. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 2^32). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + (this.next() % (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.next() % items.length];
  }

  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.next().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }

  /** A version-4-shaped UUID, as runtimes use for run and call ids. */
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.next();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

/** A clock that only moves forward, in whole milliseconds from a fixed start, so timestamps are realistic and reproducible. */
export class DemoClock {
  constructor(private ms: number) {}

  advance(seconds: number): this {
    this.ms += Math.round(seconds * 1000);
    return this;
  }

  /** ISO 8601 UTC with milliseconds, e.g. `2026-11-20T09:00:01.250Z`. */
  iso(): string {
    return new Date(this.ms).toISOString();
  }

  /** The SQLite / Python `str(datetime)` style: `2026-11-20 09:00:01.250000`. */
  sqlTime(): string {
    return this.iso().replace('T', ' ').replace('Z', '000');
  }

  /** Python `datetime.isoformat()` with an offset: `2026-11-20T09:00:01.250000+00:00`. */
  pythonIso(): string {
    return this.iso().replace('Z', '000+00:00');
  }

  get epochMs(): number {
    return this.ms;
  }
}

export const DEMO_EPOCH = Date.UTC(2026, 10, 20, 9, 0, 0);
