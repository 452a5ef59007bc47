// In-process single-flight: concurrent callers for one key share one run. Every caller sees
// the run's progress; a caller cancelling leaves the others running, and the run itself is
// aborted only when its last caller has gone.
import { PullError } from './errors';

interface Flight<T, P> {
  controller: AbortController;
  listeners: Set<(p: P) => void>;
  promise: Promise<T>;
}

export class SingleFlight<T, P> {
  private readonly flights = new Map<string, Flight<T, P>>();

  /** How many runs are under way (for tests and status displays). */
  get size(): number {
    return this.flights.size;
  }

  join(key: string, start: (signal: AbortSignal, emit: (p: P) => void) => Promise<T>, signal?: AbortSignal, onProgress?: (p: P) => void): Promise<T> {
    if (signal?.aborted) return Promise.reject(new PullError('cancelled', 'pull cancelled'));
    // A fresh function per caller: the set counts callers, even two passing the same handler.
    const listener = (p: P) => onProgress?.(p);
    let flight = this.flights.get(key);
    if (flight) flight.listeners.add(listener);
    else {
      // Listen before starting: the run reports its first statuses synchronously.
      const controller = new AbortController();
      const listeners = new Set<(p: P) => void>([listener]);
      const emit = (p: P) => {
        for (const l of listeners) {
          try {
            l(p);
          } catch {
            // One caller's failing progress handler must not break the shared run.
          }
        }
      };
      const created: Flight<T, P> = { controller, listeners, promise: start(controller.signal, emit) };
      this.flights.set(key, created);
      created.promise.then(
        () => this.flights.delete(key),
        () => this.flights.delete(key),
      );
      flight = created;
    }
    const joined = flight;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        joined.listeners.delete(listener);
        if (joined.listeners.size === 0) joined.controller.abort();
        reject(new PullError('cancelled', 'pull cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (v) => {
          signal?.removeEventListener('abort', onAbort);
          joined.listeners.delete(listener);
          resolve(v);
        },
        (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          joined.listeners.delete(listener);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}
