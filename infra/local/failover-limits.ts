// The failover scenario's bounds and sizes, shared by `npm run demo -- --scenario failover` and its e2e test.

export const FAILOVER_LIMITS = {
  /** Generous on purpose: the tight goal lives in the benchmark. Measured here: about 1.3 s. */
  failoverBoundMs: 30_000,
  /** Writes acknowledged by the old master this long before its kill may not have reached a replica. */
  replicationLagWindowMs: 250,
  /** Acknowledged writes before the kill, so there is data to lose. */
  warmUpWrites: 200,
  warmUpMs: 20_000,
  /** Until the first write sent after the kill is acknowledged. */
  writesResumeMs: 15_000,
  /** Until each other replica replicates the new master. */
  replicaFollowMs: 15_000,
  /** Lets the failover's last events reach the timeline before the old master comes back. */
  settleBeforeRestartMs: 1000,
  /** Until the old master, restarted empty, replicates the new one. */
  rejoinMs: 30_000,
  /** Writes acknowledged after the rejoin, while every advertised master is still watched. */
  writesAfterRejoin: 100,
  writesAfterRejoinMs: 10_000,
  /** Until the rejoined old master holds the new master's data. */
  resyncMs: 10_000,
  /** How often the HTTP endpoint and every agent are asked for the master while the old one restarts. */
  watchIntervalMs: 25,
} as const;
