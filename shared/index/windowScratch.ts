// The arrays a window of placed rows is read into (placedRows.ts), the same ones from one window
// to the next. Each window read into arrays of its own left them for the garbage collector, and
// a window's appending allocates almost no JS objects, so V8 seldom collected meanwhile: a cold
// build's 1M-artifact audit log (68 windows, 257 MB of rows read back from its spilled file)
// rose ~170 MB over what its rows took once they had landed, the peak of the build.
import type { Column } from './columnRoom';

export class WindowScratch {
  private readonly arrays = new Map<string, Column>();

  /**
   * `length` elements of `like`'s type for column `name`: a view of the array the last window
   * had for it (whatever it held), grown when too short. Valid until the next call for `name`.
   */
  of<T extends Column>(name: string, like: T, length: number): T {
    let a = this.arrays.get(name);
    if (!a || a.constructor !== like.constructor || a.length < length) {
      a = new (like.constructor as new (n: number) => T)(length);
      this.arrays.set(name, a);
    }
    return a.subarray(0, length) as T;
  }
}
