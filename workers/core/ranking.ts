// The deterministic replica ranking: exclusions, then the shared replica order (workers/protocol/replica-order.ts).
import { type AgentId, compareReplicas, type NodeId, type NodeView } from '../protocol/index.js';
import { knownNodes, odownOf, ownAgentOf } from './detection.js';
import type { VoterState } from './types.js';

export interface RankOptions {
  /** Nodes that may not be chosen (the master being failed over from). */
  readonly exclude: ReadonlySet<NodeId>;
  /** A node ranked last whatever its merits (a promotion that already failed to complete). */
  readonly deprioritize: NodeId | null;
  /** Agents that answered the leader's request for a fresh observation. */
  readonly freshAgents: ReadonlySet<AgentId>;
  /** How long the old master has been down; a replica's link may have been down that long too. */
  readonly masterDownMs: number;
}

export interface Ranking {
  readonly ranked: readonly NodeId[];
  readonly rejected: readonly { readonly node: NodeId; readonly why: string }[];
}

function rejection(
  state: VoterState,
  node: NodeId,
  view: NodeView | undefined,
  nowMs: number,
  opts: RankOptions,
) {
  if (opts.exclude.has(node)) return 'it is the master being replaced';
  const agent = ownAgentOf(state, node);
  if (agent === undefined) return 'its agent is not connected';
  if (!opts.freshAgents.has(agent.agentId)) return 'its agent sent no fresh observation';
  if (view === undefined) return 'its agent reports nothing about it';
  if (view.sdown) return 'its agent sees it down';
  if (view.rebooted) return 'it restarted with a much smaller dataset';
  if (view.role === 'unknown') return 'its role is unknown';
  if (view.priority === 0) return 'its replica-priority is 0';
  const maxLinkDownMs = 10 * state.settings.downAfterMs + opts.masterDownMs;
  if (view.role === 'replica' && !view.linkUp && view.linkDownMs > maxLinkDownMs) {
    return `its master link has been down ${view.linkDownMs} ms (limit ${maxLinkDownMs} ms)`;
  }
  if (odownOf(state, node, nowMs).odown) return 'a quorum of agents sees it down';
  return null;
}

/** Sorted "for deterministic behaviour": the same views always give the same order. */
export function rankReplicas(state: VoterState, nowMs: number, opts: RankOptions): Ranking {
  const eligible: { node: NodeId; view: NodeView }[] = [];
  const rejected: { node: NodeId; why: string }[] = [];
  for (const node of knownNodes(state)) {
    const view = ownAgentOf(state, node)?.views[node];
    const why = rejection(state, node, view, nowMs, opts);
    if (why !== null || view === undefined) rejected.push({ node, why: why ?? 'no view' });
    else eligible.push({ node, view });
  }
  eligible.sort((a, b) => {
    const last = Number(a.node === opts.deprioritize) - Number(b.node === opts.deprioritize);
    return last !== 0 ? last : compareReplicas(a.view, b.view);
  });
  return { ranked: eligible.map((e) => e.node), rejected };
}
