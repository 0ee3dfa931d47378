// Durations derived from the group's settings, in one place.
import type { GroupSettings } from './types.js';

/** How long a candidate waits for votes before giving up its epoch. */
export function electionTimeoutMs(settings: GroupSettings): number {
  return Math.max(500, Math.min(settings.failoverTimeoutMs / 2, 5000));
}

/** Time a winner needs to reach its accept phase: votes, the old master's lease, fresh views. */
export function stickyMs(settings: GroupSettings): number {
  const { leaseMs, clockDriftRatio, freshObservationMs, failoverTimeoutMs } = settings;
  const leaseWaitMs = Math.ceil((leaseMs * (1 + clockDriftRatio)) / (1 - clockDriftRatio));
  return Math.min(failoverTimeoutMs, electionTimeoutMs(settings) + leaseWaitMs + freshObservationMs);
}
