// The agent's monotonic clock: milliseconds since process start, never affected by wall-clock changes.
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Whole monotonic milliseconds: the `nowMs` every core step and timer is computed from. */
  nowMs(): number;
}

export const monotonicClock: Clock = {
  nowMs: () => Math.floor(performance.now()),
};
