// The agent's view of each node (what observations carry) and the fence of each local node.
import type { Config, NodeId, NodeView } from '../../workers/protocol/index.js';
import { type AgentState, allNodes, isLocal } from './agent-state.js';
import { type FenceDecision, fenceDecision, leaseValidUntil } from './lease.js';
import { sdownVerdict } from './sdown.js';

/** Only an `active` config expects its master to report master: while promoting it is still a replica. */
export function expectsMaster(config: Config | null, node: NodeId): boolean {
  return config !== null && config.state === 'active' && config.master === node;
}

export function currentLeaseValidUntil(state: AgentState): number | null {
  const { voters, leaseMs, clockDriftRatio } = state.settings;
  // With a voter count other than the voters' own, "a majority" would mean something else here
  // than there: hold no lease at all until the configuration is fixed.
  if (state.announced !== null && state.announced.voters !== voters) return null;
  return leaseValidUntil(
    state.voters.map((link) => link.lease.renewedAtMs),
    voters,
    leaseMs,
    clockDriftRatio,
  );
}

export function currentFence(state: AgentState, node: NodeId): FenceDecision {
  const ns = state.nodes[node];
  const role = ns?.info?.role ?? 'unknown';
  const rebooted = ns !== undefined && ns.rebootedAtEpoch !== null;
  return fenceDecision(
    state.settings.fencing,
    node,
    state.config,
    role,
    currentLeaseValidUntil(state),
    rebooted,
  );
}

export function fencedAt(decision: FenceDecision, nowMs: number): boolean {
  return decision.writableUntilMs !== null && nowMs >= decision.writableUntilMs;
}

export function computeView(state: AgentState, node: NodeId, nowMs: number): NodeView {
  const { settings } = state;
  const ns = state.nodes[node];
  const info = ns?.info ?? null;
  const role = info?.role ?? 'unknown';
  const sdown =
    ns !== undefined &&
    sdownVerdict(
      ns.detector,
      nowMs,
      settings.downAfterMs,
      expectsMaster(state.config, node),
      role,
      settings.roleGraceMs,
    ).sdown;
  // The agent knows its own fence better than the last INFO does; other nodes only via INFO.
  const fenced =
    isLocal(settings, node) && settings.fencing
      ? fencedAt(currentFence(state, node), nowMs)
      : (info?.fenced ?? false);
  return {
    node,
    sdown,
    role,
    masterNode: info?.masterNode ?? null,
    linkUp: info?.linkUp ?? false,
    linkDownMs: Math.max(0, Math.round(info?.linkDownMs ?? 0)),
    offsetBytes: Math.max(0, info?.offsetBytes ?? 0),
    runId: info?.runId ?? '',
    // Unknown priority reads as 0 (never promote) until INFO says otherwise.
    priority: info?.priority ?? 0,
    rebooted: ns?.rebootedAtEpoch !== null && ns?.rebootedAtEpoch !== undefined,
    fenced,
  };
}

export function computeViews(state: AgentState, nowMs: number): Record<NodeId, NodeView> {
  const views: Record<NodeId, NodeView> = {};
  for (const node of allNodes(state.settings)) views[node] = computeView(state, node, nowMs);
  return views;
}

/** Offsets and link-down durations move all the time; a change in them alone is not news. */
export function viewChanged(before: NodeView | undefined, after: NodeView): boolean {
  if (before === undefined) return true;
  return (
    before.sdown !== after.sdown ||
    before.role !== after.role ||
    before.masterNode !== after.masterNode ||
    before.linkUp !== after.linkUp ||
    before.runId !== after.runId ||
    before.priority !== after.priority ||
    before.rebooted !== after.rebooted ||
    before.fenced !== after.fenced
  );
}

export function viewList(views: Readonly<Record<NodeId, NodeView>>, nodes: readonly NodeId[]): NodeView[] {
  const list: NodeView[] = [];
  for (const node of nodes) {
    const view = views[node];
    if (view !== undefined) list.push(view);
  }
  return list;
}

/**
 * The replica a rebooted-empty local master should copy from: the most up-to-date healthy
 * other node, ranked like the voters rank (priority, then offset, then run id, then node id).
 */
export function bestReplicaFor(state: AgentState, localNode: NodeId, nowMs: number): NodeId | null {
  const candidates = allNodes(state.settings)
    .filter((node) => node !== localNode)
    .map((node) => computeView(state, node, nowMs))
    .filter((v) => !v.sdown && !v.rebooted && v.role === 'replica' && v.priority > 0);
  candidates.sort(
    (a, b) =>
      a.priority - b.priority ||
      b.offsetBytes - a.offsetBytes ||
      (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0) ||
      (a.node < b.node ? -1 : 1),
  );
  return candidates[0]?.node ?? null;
}
