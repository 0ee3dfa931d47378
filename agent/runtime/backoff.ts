// Jittered exponential back-off with a cap: the only retry schedule of the agent.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * Delay before attempt `attempt` (0 = first retry): "equal jitter", half fixed and half random,
 * so retries spread out but never collapse to zero.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  const half = exp / 2;
  return Math.round(half + random() * half);
}
