// The single alarm: the earliest time at which the core has something to decide; none when idle.
import { odownOf } from './detection.js';
import { wantedElection } from './triggers.js';
import type { VoterState } from './types.js';

export function nextAlarmMs(state: VoterState, nowMs: number): number | null {
  const times: number[] = [];
  const role = state.role;
  const { durable, settings } = state;
  if (role.kind === 'candidate') times.push(role.deadlineMs);
  if (role.kind === 'leader') {
    times.push(role.deadlineMs);
    // Preparing: first the end of the lease wait (fresh observations are asked for then), after it
    // the end of the wait for them; each observation that arrives steps the leader anyway.
    if (role.phase === 'preparing')
      times.push(
        nowMs < role.leaseWaitUntilMs ? role.leaseWaitUntilMs : Math.min(role.freshUntilMs, role.deadlineMs),
      );
  }
  if (role.kind === 'follower') {
    if (wantedElection(state, nowMs) !== null) times.push(state.nextElectionAtMs);
    else if (state.unfinishedSinceMs !== null)
      times.push(state.unfinishedSinceMs + settings.failoverTimeoutMs);
  }
  // Reports of a down master that arrived during the restart grace are judged when it ends.
  const graceEndMs = state.startedAtMs + settings.restartGraceMs;
  if (nowMs < graceEndMs && odownOf(state, durable.published.master, nowMs).reporters.length > 0)
    times.push(graceEndMs);
  for (const agent of Object.values(state.agents)) {
    if (!agent.connected) times.push(agent.lastSeenMs + settings.agentTtlMs);
  }
  if (times.length === 0) return null;
  return Math.max(nowMs + 1, Math.min(...times));
}
