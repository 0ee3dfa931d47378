// Back-off and jitter, the one retry schedule of agents and voters (reconnects, restarts, elections, webhooks).

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** `initialMs` doubled per attempt (0 = the first retry), at most `maxMs`. */
export function doubledMs(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
}

/**
 * "Equal jitter": half of `baseMs` fixed and half random, rounded to whole milliseconds, so
 * retries spread out but never collapse to zero and never wait longer than `baseMs`.
 */
export function jitterMs(baseMs: number, random: () => number): number {
  const half = baseMs / 2;
  return Math.round(half + random() * half);
}

/** The delay before attempt `attempt`: the doubled step with equal jitter. */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number): number {
  return jitterMs(doubledMs(policy, attempt), random);
}
