// Durations derived from the group's settings, in one place.
import { leaderWaitMs, leaseSpanMs } from './lease-view.js';
import type { GroupSettings } from './types.js';

/** How long a candidate waits for votes before giving up its epoch. */
export function electionTimeoutMs(settings: GroupSettings): number {
  return Math.max(500, Math.min(settings.failoverTimeoutMs / 2, 5000));
}

/** Time a winner needs to reach its accept phase: votes, the old master's lease, fresh views. */
export function stickyMs(settings: GroupSettings): number {
  const { clockDriftRatio, freshObservationMs, failoverTimeoutMs } = settings;
  // The longest wait a granting voter can ask for: a whole lease span, as leadership.ts waits it.
  const leaseWaitMs = leaderWaitMs(leaseSpanMs(settings), clockDriftRatio);
  return Math.min(failoverTimeoutMs, electionTimeoutMs(settings) + leaseWaitMs + freshObservationMs);
}
