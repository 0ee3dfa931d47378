// The voter's `status` answer: its durable state, role, agents (sorted by id) and cost counters.
import type { VoterState } from '../core/types.js';
import type { VoterCounters, VoterStatus } from './contract.js';

export function voterStatus(
  group: string,
  index: number,
  state: VoterState,
  counters: VoterCounters,
  lastEventId: number,
): VoterStatus {
  const role = state.role;
  return {
    group,
    index,
    durable: state.durable,
    role: role.kind === 'follower' ? 'follower' : role.kind,
    roleEpoch: role.kind === 'follower' ? null : role.epoch,
    odown: state.odownSinceMs !== null,
    agents: Object.values(state.agents)
      .sort((a, b) => (a.agentId < b.agentId ? -1 : 1))
      .map((a) => ({
        agentId: a.agentId,
        connected: a.connected,
        localNodes: a.localNodes,
        highestEpoch: a.highestEpoch,
        lastSeenMs: a.lastSeenMs,
        views: Object.values(a.views),
      })),
    counters: { ...counters },
    lastEventId,
  };
}
