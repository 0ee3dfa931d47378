// Long-poll waiters: callers parked until the published epoch passes theirs, or their timeout.
import type { Config } from '../protocol/index.js';

export const MAX_WAIT_MS = 60_000;
/** Parked callers per voter; one more is answered at once with the current config. */
export const MAX_WAITERS = 1_000;

interface Waiter {
  readonly afterEpoch: number;
  readonly resolve: (config: Config) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class EpochWaiters {
  private readonly waiters = new Set<Waiter>();

  /**
   * Note that a parked call keeps the voter awake (it cannot hibernate with a request open), so
   * the API should keep `timeoutMs` modest; it is clamped to MAX_WAIT_MS here.
   */
  wait(afterEpoch: number, timeoutMs: number, current: () => Config): Promise<Config> {
    const now = current();
    if (now.epoch > afterEpoch || this.waiters.size >= MAX_WAITERS || timeoutMs <= 0) {
      return Promise.resolve(now);
    }
    return new Promise<Config>((resolve) => {
      const waiter: Waiter = {
        afterEpoch,
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

  /** Called after every step that changed the published config. */
  publish(config: Config): void {
    for (const waiter of this.waiters) {
      if (config.epoch <= waiter.afterEpoch) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(config);
    }
  }

  get size(): number {
    return this.waiters.size;
  }
}
