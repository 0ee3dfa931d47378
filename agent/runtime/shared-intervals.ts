// Timers whose repeating callbacks of one period share one interval: every group's tick fires in the same turn.
import type { Cancel, Timers } from './timers.js';

/**
 * Groups tick on one interval per period instead of one each: their probes of a shared node then
 * fall in the same turn and go out as one PING (`NodePool`), and the process wakes once per
 * period rather than once per group. One-shot timers are the underlying ones.
 */
export function sharedIntervals(timers: Timers): Timers {
  const byPeriod = new Map<number, { readonly callbacks: Set<() => void>; readonly cancel: Cancel }>();
  return {
    after: (ms, fn) => timers.after(ms, fn),
    every(ms, fn) {
      let shared = byPeriod.get(ms);
      if (shared === undefined) {
        const callbacks = new Set<() => void>();
        // Over a copy, skipping any cancelled meanwhile: a callback may cancel itself or another.
        const cancel = timers.every(ms, () => {
          for (const callback of [...callbacks]) if (callbacks.has(callback)) callback();
        });
        shared = { callbacks, cancel };
        byPeriod.set(ms, shared);
      }
      const entry = shared;
      // A wrapper of its own: the same function registered twice is two registrations.
      const callback = () => fn();
      entry.callbacks.add(callback);
      return () => {
        if (!entry.callbacks.delete(callback) || entry.callbacks.size > 0) return;
        entry.cancel();
        byPeriod.delete(ms);
      };
    },
  };
}
