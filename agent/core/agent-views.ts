// The agent's view of each node (what observations carry) and the fence of each local node.
import { type Config, compareReplicas, type NodeId, type NodeView } from '../../workers/protocol/index.js';
import { type AgentState, allNodes, isLocal, peerNodes } from './agent-state.js';
import { masterRebootDownAfterMs } from './announced.js';
import { failsafeValidUntil, heldAt, holdReason, READINESS_FRESH_MS } from './failsafe.js';
import { type FenceDecision, fenceDecision, leaseValidUntil } from './lease.js';
import { downForMs, type SdownRule, sdownVerdict } from './sdown.js';

/** Only an `active` config expects its master to report master: while promoting it is still a replica. */
export function expectsMaster(config: Config | null, node: NodeId): boolean {
  return config !== null && config.state === 'active' && config.master === node;
}

export function currentLeaseValidUntil(state: AgentState): number | null {
  const { voterCount, leaseMs, clockDriftRatio } = state.settings;
  // With a voter count other than the voters' own, "a majority" would mean something else here
  // than there: hold no lease at all until the configuration is fixed.
  if (state.announced !== null && state.announced.voters !== voterCount) return null;
  return leaseValidUntil(
    state.voters.map((link) => link.lease.renewedAtMs),
    voterCount,
    leaseMs,
    clockDriftRatio,
  );
}

/** Until when the peers' grants let the master write; null with the failsafe off or a grant missing. */
export function currentFailsafeUntil(state: AgentState): number | null {
  if (!state.settings.failsafe) return null;
  return failsafeValidUntil(state.failsafe, peerNodes(state.settings));
}

export function currentFence(state: AgentState, node: NodeId, nowMs: number): FenceDecision {
  const ns = state.nodes[node];
  const held = heldAt(state.failsafe, nowMs) ? holdReason(state.failsafe) : null;
  return fenceDecision({
    // A grant given while fencing was on outlives fencing being turned off (announced by the
    // voters, or in the agent's file at a restart): the node stays fenced until the hold ends.
    fencing: state.settings.fencing || held !== null,
    node,
    config: state.config,
    role: ns?.info?.role ?? 'unknown',
    voterLeaseUntilMs: currentLeaseValidUntil(state),
    failsafeUntilMs: currentFailsafeUntil(state),
    inheritedUntilMs: state.inherited[node] ?? null,
    held,
    rebooted: ns !== undefined && ns.rebootedAtEpoch !== null,
  });
}

/** A local node that may accept writes right now (the agent cannot promise to keep it fenced). */
export function writableLocalNode(state: AgentState, nowMs: number): NodeId | null {
  for (const node of state.settings.localNodes) {
    if (!fencedAt(currentFence(state, node, nowMs), nowMs)) return node;
  }
  return null;
}

export function fencedAt(decision: FenceDecision, nowMs: number): boolean {
  return decision.writableUntilMs !== null && nowMs >= decision.writableUntilMs;
}

/** The SDOWN rule of `node` as this state applies it (sdown.ts). */
export function sdownRuleOf(state: AgentState, node: NodeId, role: NodeView['role']): SdownRule {
  return {
    downAfterMs: state.settings.downAfterMs,
    expectMaster: expectsMaster(state.config, node),
    role,
    roleGraceMs: state.settings.roleGraceMs,
    masterRebootDownAfterMs: masterRebootDownAfterMs(state),
  };
}

export function computeView(state: AgentState, node: NodeId, nowMs: number): NodeView {
  const { settings } = state;
  const ns = state.nodes[node];
  const info = ns?.info ?? null;
  const role = info?.role ?? 'unknown';
  const rule = sdownRuleOf(state, node, role);
  const sdown = ns !== undefined && sdownVerdict(ns.detector, nowMs, rule).sdown;
  // The agent knows its own fence better than the last INFO does; other nodes only via INFO.
  const fenced =
    isLocal(settings, node) && settings.fencing
      ? fencedAt(currentFence(state, node, nowMs), nowMs)
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
    // Only while down: it moves every millisecond, and is not news (viewChanged ignores it).
    downMs: sdown && ns !== undefined ? Math.round(downForMs(ns.detector, nowMs, rule)) : 0,
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
 * other node, in the voters' replica order (compareReplicas).
 */
export function bestReplicaFor(
  views: Readonly<Record<NodeId, NodeView>>,
  nodes: readonly NodeId[],
  localNode: NodeId,
  /** Nodes that answered again and whose INFO is not read since (`infoOutdated`): their view may be from before a restart. */
  outdated: readonly NodeId[] = [],
): NodeId | null {
  const candidates = viewList(views, nodes).filter(
    (v) =>
      v.node !== localNode &&
      !v.sdown &&
      !v.rebooted &&
      v.role === 'replica' &&
      v.priority > 0 &&
      !outdated.includes(v.node),
  );
  candidates.sort(compareReplicas);
  return candidates[0]?.node ?? null;
}

export interface FailsafeStatus {
  readonly enabled: boolean;
  /** The local master writes on the peers' grants right now (its voters' lease has ended). */
  readonly active: boolean;
  /** Until when (ms from now) the grants cover the local master; null without every grant. */
  readonly coveredForMs: number | null;
  /** Grantor side: how long this agent still holds its node fenced for a peer (0: no hold). */
  readonly holdForMs: number;
  readonly peers: readonly {
    readonly node: NodeId;
    /** Answered "granted" or "would grant" within READINESS_FRESH_MS. */
    readonly ready: boolean;
    readonly lastAnswerAgoMs: number | null;
    readonly lastAnswer: string | null;
  }[];
}

/** For health and metrics: whether the failsafe would hold, and whether it is holding. */
export function failsafeStatus(state: AgentState, nowMs: number): FailsafeStatus {
  const leaseUntil = currentLeaseValidUntil(state);
  const grantsUntil = currentFailsafeUntil(state);
  const master = state.config !== null && isLocal(state.settings, state.config.master);
  const hold = state.failsafe.holdUntilMs;
  return {
    enabled: state.settings.failsafe && state.settings.fencing,
    active:
      master && grantsUntil !== null && grantsUntil > nowMs && (leaseUntil === null || leaseUntil <= nowMs),
    coveredForMs: grantsUntil === null ? null : Math.max(0, Math.round(grantsUntil - nowMs)),
    holdForMs: hold === null ? 0 : Math.max(0, Math.round(hold - nowMs)),
    peers: peerNodes(state.settings).map((node) => {
      const answer = state.failsafe.peers[node]?.lastAnswer ?? null;
      const ago = answer === null ? null : nowMs - answer.atMs;
      return {
        node,
        ready: answer?.granted === true && (ago ?? Number.POSITIVE_INFINITY) <= READINESS_FRESH_MS,
        lastAnswerAgoMs: ago,
        lastAnswer: answer === null ? null : `${answer.granted ? 'granted' : 'refused'}: ${answer.reason}`,
      };
    }),
  };
}
