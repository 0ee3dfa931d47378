// How long the master's agent may still hold its lease, as this voter sees it.
import type { AgentId, NodeId } from '../protocol/index.js';
import type { AgentRecord, GroupSettings, VoterState } from './types.js';

/** While an election is open this voter does not count new renewals (see AgentRecord.leaseSeenMs). */
export function leaseFrozen(state: VoterState): boolean {
  return state.durable.promisedEpoch > state.durable.committed.epoch;
}

/** Fold the runtime's auto-response times into the agents' records, unless frozen. */
export function observeRenewals(
  state: VoterState,
  autoResponseAtMs: Readonly<Record<AgentId, number>>,
): VoterState {
  if (leaseFrozen(state)) return state;
  let agents: Record<AgentId, AgentRecord> | null = null;
  for (const [agentId, atMs] of Object.entries(autoResponseAtMs)) {
    const record = state.agents[agentId];
    if (record === undefined || !record.connected || atMs <= record.leaseSeenMs) continue;
    agents ??= { ...state.agents };
    agents[agentId] = { ...record, leaseSeenMs: atMs };
  }
  return agents === null ? state : { ...state, agents };
}

/**
 * The agent measured its lease as (its renewal time t) + leaseMs*(1-ρ) on its clock; this voter
 * saw the ping at or after t and waits leaseMs*(1+ρ) on its own, so with rates within ±ρ the
 * agent's lease ends first. A voter that restarted cannot know what it answered before, so every
 * lease counts as live for leaseMs*(1+ρ) after its start.
 */
export function leaseRemainingMs(state: VoterState, master: NodeId, nowMs: number): number {
  if (!state.settings.fencing) return 0;
  const span = leaseSpanMs(state.settings);
  let expiresAtMs = state.startedAtMs + span;
  for (const agent of Object.values(state.agents)) {
    if (agent.localNodes.includes(master)) expiresAtMs = Math.max(expiresAtMs, agent.leaseSeenMs + span);
  }
  return Math.max(0, expiresAtMs - nowMs);
}

/** How long a voter counts a lease as live after the renewal it saw: leaseMs*(1+ρ). */
export function leaseSpanMs(settings: Pick<GroupSettings, 'leaseMs' | 'clockDriftRatio'>): number {
  return Math.ceil(settings.leaseMs * (1 + settings.clockDriftRatio));
}

/**
 * The leader waits a granting voter's remaining lease on its own clock; scaling by
 * (1+ρ)/(1-ρ) keeps the wait long enough even if the two clocks drift apart.
 */
export function leaderWaitMs(remainingMs: number, clockDriftRatio: number): number {
  return Math.ceil((remainingMs * (1 + clockDriftRatio)) / (1 - clockDriftRatio));
}
