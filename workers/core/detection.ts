// ODOWN: a quorum of distinct live agents report a node SDOWN (or rebooted empty), after the restart grace.
import type { AgentId, NodeId, NodeView } from '../protocol/index.js';
import type { AgentRecord, VoterState } from './types.js';

export interface OdownVerdict {
  readonly odown: boolean;
  readonly reporters: readonly AgentId[];
  readonly reason: string;
}

export function liveAgents(state: VoterState): AgentRecord[] {
  return Object.values(state.agents)
    .filter((a) => a.connected)
    .sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
}

/** A master that restarted with an empty or much smaller dataset is treated as failed (`+reboot`). */
function reportsDown(view: NodeView | undefined): boolean {
  return view !== undefined && (view.sdown || view.rebooted);
}

export function odownOf(state: VoterState, node: NodeId, nowMs: number): OdownVerdict {
  const { quorum, restartGraceMs } = state.settings;
  const reporters = liveAgents(state)
    .filter((a) => reportsDown(a.views[node]))
    .map((a) => a.agentId);
  if (nowMs < state.startedAtMs + restartGraceMs) {
    return { odown: false, reporters, reason: `${node} not judged during the restart grace` };
  }
  const odown = reporters.length >= quorum;
  const reason = odown
    ? `${node} is ODOWN: ${reporters.length}/${quorum} agents report it down (${reporters.join(', ')})`
    : `${node} is not ODOWN: ${reporters.length}/${quorum} agents report it down`;
  return { odown, reporters, reason };
}

/** The agent that runs on the node's box, if it is connected to this voter. */
export function ownAgentOf(state: VoterState, node: NodeId): AgentRecord | undefined {
  return liveAgents(state).find((a) => a.localNodes.includes(node));
}

/** Every node this voter has heard of: agents' own nodes and every node in their views. */
export function knownNodes(state: VoterState): NodeId[] {
  const nodes = new Set<NodeId>();
  for (const agent of Object.values(state.agents)) {
    for (const node of agent.localNodes) nodes.add(node);
    for (const node of Object.keys(agent.views)) nodes.add(node);
  }
  return [...nodes].sort();
}
