// Long-poll waiters: callers parked until the value they wait for (a newer epoch, newer events) or their timeout.

export const MAX_WAIT_MS = 60_000;
/** Parked callers per waiter set; one more is answered at once with the current value. */
export const MAX_WAITERS = 1_000;

interface Waiter<T> {
  readonly ready: (value: T) => boolean;
  readonly resolve: (value: T) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * One set of parked callers. Note that a parked call keeps the voter awake (it cannot hibernate
 * with a request open), so callers should keep `timeoutMs` modest; it is clamped to MAX_WAIT_MS.
 */
export class Waiters<T> {
  private readonly waiters = new Set<Waiter<T>>();

  /** Resolves with the first value `ready` accepts, or with `current()` at the timeout. */
  wait(ready: (value: T) => boolean, timeoutMs: number, current: () => T): Promise<T> {
    const now = current();
    if (ready(now) || this.waiters.size >= MAX_WAITERS || timeoutMs <= 0) return Promise.resolve(now);
    return new Promise<T>((resolve) => {
      const waiter: Waiter<T> = {
        ready,
        resolve,
        timer: setTimeout(
          () => {
            this.waiters.delete(waiter);
            resolve(current());
          },
          Math.min(timeoutMs, MAX_WAIT_MS),
        ),
      };
      this.waiters.add(waiter);
    });
  }

  /** Called with every new value (a newly published config, the newest stored event id). */
  notify(value: T): void {
    for (const waiter of this.waiters) {
      if (!waiter.ready(value)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(value);
    }
  }

  get size(): number {
    return this.waiters.size;
  }
}
