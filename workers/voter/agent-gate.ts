// Boundary checks on a decoded agent message before the core sees it; a refusal becomes an error notice.
import type { VoterState } from '../core/types.js';
import type { AgentId, AgentMessage } from '../protocol/index.js';

/**
 * The connection's agent id was authenticated by the Worker, so a message naming another agent or
 * group is refused. A command result for an epoch below the committed one is stale: wherever an
 * epoch arrives it is checked first, so nothing decided before the committed config is acted on.
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
  return null;
}
