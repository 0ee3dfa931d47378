// The agent's monotonic clock: CLOCK_MONOTONIC in milliseconds, the same reading in every process of the box.

export interface Clock {
  /** Whole monotonic milliseconds: the `nowMs` every core step and timer is computed from. */
  nowMs(): number;
}

/**
 * `process.hrtime` reads CLOCK_MONOTONIC, which counts from boot and is shared by every process of
 * the box: the agent hands fence deadlines to its supervisor, and persists its grants' hold
 * across its own restarts, in this time. Wall-clock changes never move it.
 */
export const monotonicClock: Clock = {
  nowMs: () => Number(process.hrtime.bigint() / 1_000_000n),
};
