// Which agent speaks for which node. An agent's hello claims its local nodes; the voter accepts a
// claim only when the group declares that agent for the node (`agents` in GROUPS) or, without a
// declaration, when no other agent this voter still keeps a record of already holds the node
// (first claim wins until that agent is forgotten after agentTtlMs or by a reset). A refused claim
// is dropped from the agent's local nodes and reported: the node's real agent keeps being the
// one whose observations rank it and whose freshness a switchover waits for.
import type { AgentId, NodeId } from '../protocol/index.js';
import type { VoterState } from './types.js';

export interface ClaimVerdict {
  readonly accepted: readonly NodeId[];
  readonly refused: readonly { readonly node: NodeId; readonly reason: string }[];
}

export function judgeClaims(state: VoterState, agentId: AgentId, claimed: readonly NodeId[]): ClaimVerdict {
  const declared = state.settings.agentNodes;
  const accepted: NodeId[] = [];
  const refused: { node: NodeId; reason: string }[] = [];
  for (const node of claimed) {
    if (declared !== undefined) {
      const owner = Object.entries(declared).find(([, nodes]) => nodes.includes(node))?.[0];
      if (owner === agentId) accepted.push(node);
      else
        refused.push({
          node,
          reason:
            owner === undefined
              ? `${node} is not declared for any agent of ${state.settings.name} (GROUPS agents)`
              : `${node} is declared for agent ${owner} (GROUPS agents)`,
        });
      continue;
    }
    const holder = Object.values(state.agents).find(
      (a) => a.agentId !== agentId && a.localNodes.includes(node),
    );
    if (holder === undefined) accepted.push(node);
    else
      refused.push({
        node,
        reason: `${node} is agent ${holder.agentId}'s (${holder.connected ? 'connected' : 'disconnected, kept until agentTtlMs or a reset'})`,
      });
  }
  return { accepted, refused };
}
