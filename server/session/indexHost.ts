// Owns the workspace index for the server's lifetime: builds it in the background, lets
// requests wait for it (bounded: past the wait they answer from what is indexed so far),
// and funnels file changes into serialized `update` calls.
import type { IndexChange, IndexOptions, RefIndex } from '../../shared/index/api';
import type { StatsResult } from '../../shared/protocol';

export type IndexFactory = (options: IndexOptions) => RefIndex;

/** How long a request waits for a running build before answering from the partial index. */
const DEFAULT_WAIT_MS = 10_000;

export class IndexHost {
  private index: RefIndex | undefined;
  /** Resolves when the index is ready and warmed up (or its build failed); the save that ends a build may still run. */
  private readyToAnswer: Promise<void> | undefined;
  /** Set once readyToAnswer of the current start has resolved: requests then go on without waiting. */
  private answering = false;
  private resolveStarted!: (index: RefIndex) => void;
  private readonly started: Promise<RefIndex>;
  /** Serializes build, updates and rebuilds: the index is never written by two at once. */
  private queue: Promise<unknown> = Promise.resolve();
  private changeSubscription: { dispose(): void } | undefined;
  private readonly changeListeners: ((change: IndexChange) => void)[] = [];
  /** The update queued and not started yet, which later paths join. */
  private waiting: { paths: Set<string>; done: Promise<void> } | undefined;

  constructor(
    private readonly factory: IndexFactory,
    private readonly log: (message: string) => void,
  ) {
    this.started = new Promise((resolve) => (this.resolveStarted = resolve));
  }

  /**
   * Creates the index and starts building it; returns when the build has finished. `warmUp`
   * runs once the index is ready, and requests wait for it as they wait for the index: the
   * server's warm-up masks and hovers over a few turns, and a first hover let in before it ended
   * waited behind its last turns (5-8 ms of masking in the lsp bench's hover #0).
   */
  start(options: IndexOptions, warmUp?: () => Promise<void>): Promise<StatsResult | undefined> {
    const previous = this.index;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const index = this.factory({
      ...options,
      onReady: () => {
        options.onReady?.();
        if (!warmUp) return markReady();
        warmUp()
          .catch((err: unknown) => this.log(`refscope: warming up failed: ${(err as Error)?.message ?? err}`))
          .finally(markReady);
      },
    });
    this.index = index;
    this.changeSubscription?.dispose();
    this.changeSubscription = index.onDidChange((change) => this.changeListeners.forEach((l) => l(change)));
    // The queue moves on once the build has begun: updates queue up inside the index behind it,
    // where the save that ends a build gives way to them (an agent writing does not wait for it).
    let building: Promise<StatsResult> | undefined;
    const begun = this.enqueue(async () => {
      if (previous) await previous.close();
      building = index.build();
    });
    const build = begun.then(() => building?.catch((err: unknown) => this.failed(err)));
    // Requests wait for the index to be ready, not for the save that ends its build: in a
    // profiled cold start (141k artifacts) the first save was a quarter of the time to ready.
    // A build that ended ready (a warm start has no save to end it) still waits for the warm-up.
    const readyToAnswer = Promise.race([build.then(() => (index.ready ? ready : undefined)), ready]);
    this.readyToAnswer = readyToAnswer;
    this.answering = false;
    void readyToAnswer.then(() => {
      if (this.readyToAnswer === readyToAnswer) this.answering = true;
    });
    this.resolveStarted(index);
    return build;
  }

  get isReady(): boolean {
    return this.index?.ready ?? false;
  }

  /** The index once ready and warmed up (its first save may still run); after `waitMs` of building, the index as far as it got. */
  async get(waitMs = DEFAULT_WAIT_MS): Promise<RefIndex> {
    const index = await this.started;
    if (!this.answering && this.readyToAnswer) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
      await Promise.race([this.readyToAnswer, timeout]);
      clearTimeout(timer);
    }
    return this.index ?? index;
  }

  /** The index without waiting, when it exists (for work that must not block, like publishing). */
  current(): RefIndex | undefined {
    return this.index;
  }

  /**
   * Re-reads `paths`. Paths that arrive while an update waits its turn join it: an agent writing
   * steadily makes one update per turn of the queue, not a backlog of small ones.
   */
  update(paths: string[]): Promise<void> {
    if (this.waiting) {
      for (const p of paths) this.waiting.paths.add(p);
      return this.waiting.done;
    }
    const batch = new Set(paths);
    const done = this.enqueue(async () => {
      this.waiting = undefined;
      await this.started;
      await this.index?.update([...batch]);
    }).then(() => undefined);
    this.waiting = { paths: batch, done };
    return done;
  }

  rebuild(): Promise<StatsResult | undefined> {
    return this.enqueue(async () => (await this.started, this.index?.rebuild()));
  }

  onDidChange(listener: (change: IndexChange) => void): void {
    this.changeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.changeSubscription?.dispose();
    await this.queue;
    await this.index?.close();
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T | undefined> {
    const settled = this.queue.then(work).catch((err: unknown) => this.failed(err));
    this.queue = settled;
    return settled;
  }

  private failed(err: unknown): undefined {
    this.log(`refscope: index work failed: ${(err as Error)?.stack ?? err}`);
    return undefined;
  }
}
