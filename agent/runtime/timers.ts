// Timers as the runtime uses them, injected so the simulator can drive the shipped runtime on virtual time.

/** Cancels a timer; calling it again, or after the timer fired, does nothing. */
export type Cancel = () => void;

export interface Timers {
  /** Run `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Cancel;
  /** Run `fn` every `ms` milliseconds until cancelled. */
  every(ms: number, fn: () => void): Cancel;
}

/** Node's timers. Unreferenced timers would let the process exit early; these keep it alive like any I/O. */
export const realTimers: Timers = {
  after(ms, fn) {
    const timer = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, Math.max(1, ms));
    return () => clearInterval(timer);
  },
};
