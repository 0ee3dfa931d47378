// Boundary checks on a decoded agent message before the core sees it; a refusal becomes an error notice.
import type { VoterState } from '../core/types.js';
import type { AgentId, AgentMessage } from '../protocol/index.js';

/**
 * The connection's agent id was authenticated by the Worker, so a message naming another agent or
 * group is refused. A command result for an epoch below the committed one is stale, one above
 * every epoch this voter promised or knows committed is unknown: wherever an epoch arrives it is
 * checked first, so nothing decided before the committed config is acted on and no made-up epoch
 * reaches the event log.
 */
export function refuseAgentMessage(
  state: VoterState,
  agentId: AgentId,
  message: AgentMessage,
): string | null {
  if (message.group !== state.settings.name) {
    return `message names group ${message.group}; this connection is for ${state.settings.name}`;
  }
  if (message.agentId !== agentId) {
    return `message names agent ${message.agentId}; this connection is agent ${agentId}`;
  }
  const committed = state.durable.committed.epoch;
  if (message.kind === 'command-result' && message.epoch < committed) {
    return `stale epoch ${message.epoch}: the committed epoch is ${committed}`;
  }
  // A command of epoch E comes from E's leader, which a majority promised E to. Above what this
  // voter promised or knows committed, a result is either forged or this voter is behind: it is
  // not stored or served as an event either way (the leader and the majority that promised record it).
  const known = Math.max(committed, state.durable.promisedEpoch);
  if (message.kind === 'command-result' && message.epoch > known) {
    return `epoch ${message.epoch} is above any this voter promised or knows committed (${known})`;
  }
  return null;
}
