// What the Sentinel surface shows of a group, projected from the core state: the published master, the snapshot, `+switch-master`.
import {
  type Config,
  type NodeId,
  type NodeView,
  switchMasterPayload,
} from '../../workers/protocol/index.js';
import { type AgentState, connectedCount } from './agent-state.js';
import { computeView } from './agent-views.js';
import { masterRebootDownAfterMs } from './announced.js';
import { type AgentOut, effect } from './out.js';

/** Sentinel's defaults, shown until the voters announce the group's own. */
export const SENTINEL_DEFAULTS = { quorum: 2, failoverTimeoutMs: 6000, parallelSyncs: 1 } as const;

/**
 * What clients are told: the master of the last active config; while a committed change is
 * pending, the previous master, until this agent sees the change done (`changeSeenDone`).
 */
export function publishedMaster(
  config: Config | null,
  views: Readonly<Record<NodeId, NodeView>> | null = null,
): NodeId | null {
  if (config === null) return null;
  if (config.state === 'active' || changeSeenDone(config, views)) return config.master;
  return config.previousMaster ?? config.master;
}

/**
 * The committed change has happened as far as this agent sees, before the voters confirm it:
 * the new master reports master, or (a hand-off) the old master replicates it. Telling clients
 * then saves them the voters' confirmation round; it is safe because the config naming the new
 * master is committed and writes are governed by the fence, not by what clients are told: only
 * the configured master, under its lease, accepts them, and an abort is a newer config.
 */
function changeSeenDone(config: Config, views: Readonly<Record<NodeId, NodeView>> | null): boolean {
  if (views === null) return false;
  const target = views[config.master];
  if (target?.role === 'master' && !target.sdown) return true;
  const source = config.previousMaster === null ? undefined : views[config.previousMaster];
  return config.state === 'handoff' && source?.role === 'replica' && source.masterNode === config.master;
}

/**
 * `+switch-master` when the step changed the published master: the event clients follow a
 * failover by. Not at the first config the agent learns (it names no previous master).
 */
export function announceMaster(before: AgentState, after: AgentState, out: AgentOut): AgentState {
  const from = publishedMaster(before.config, before.reported);
  const to = publishedMaster(after.config, after.reported);
  if (from === null || to === null || from === to) return after;
  const payload = switchMasterPayload(after.settings.group, from, to);
  const epoch = after.config?.epoch;
  const reason =
    after.config?.state === 'active'
      ? `epoch ${epoch} is active with master ${to}`
      : `epoch ${epoch}'s change to ${to} is seen done here (the voters confirm it next)`;
  effect(out, { kind: 'event', name: '+switch-master', payload, reason });
  return after;
}

/** One node as this agent sees it, for `SENTINEL master` / `replicas` instance maps. */
export interface SentinelNodeView {
  readonly node: NodeId;
  /** This agent's current view; null if it has never probed the node or read its INFO. */
  readonly view: NodeView | null;
  /** Milliseconds since the last probe sent and the last valid reply (Sentinel's last-ping fields). */
  readonly lastPingSentMsAgo: number;
  readonly lastOkPingReplyMsAgo: number;
  /** False when the node's INFO says `replica_announced:0`: SENTINEL REPLICAS does not list it. */
  readonly replicaAnnounced: boolean;
  /** Sentinel's `master_reboot` flag: seen restarting, no PONG since (master-reboot-down-after-period). */
  readonly masterReboot: boolean;
}

/** The voters' announced settings; Sentinel's defaults before they speak. */
export interface SentinelSettings {
  readonly quorum: number;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly parallelSyncs: number;
  /** Sentinel's master-reboot-down-after-period; 0 (off) before the voters speak. */
  readonly masterRebootDownAfterMs: number;
}

/** A group as the Sentinel surface shows it; the runtime adds its name and the other agents. */
export interface SentinelGroupView extends SentinelSettings {
  /** The published master (`publishedMaster`). */
  readonly master: SentinelNodeView;
  readonly epoch: number;
  /** A committed change is not active yet (Sentinel's `failover_in_progress`). */
  readonly failoverInProgress: boolean;
  /** Every other node of the group, sorted. */
  readonly replicas: readonly SentinelNodeView[];
  readonly votersConnected: number;
  readonly voterCount: number;
}

/** The group's Sentinel view, or null while the agent knows no config (it cannot name a master yet). */
export function sentinelGroupView(state: AgentState, nowMs: number): SentinelGroupView | null {
  const master = publishedMaster(state.config, state.reported);
  if (master === null || state.config === null) return null;
  return {
    master: sentinelNodeView(state, master, nowMs),
    epoch: state.highestEpoch,
    failoverInProgress: state.config.state !== 'active',
    replicas: Object.keys(state.nodes)
      .sort()
      .filter((node) => node !== master)
      .map((node) => sentinelNodeView(state, node, nowMs)),
    ...sentinelSettings(state),
    votersConnected: connectedCount(state),
    voterCount: state.voters.length,
  };
}

/** The settings the Sentinel surface shows (SENTINEL MASTER, `+set`): the voters' announced ones, Sentinel's defaults before they speak. */
export function sentinelSettings(state: AgentState): SentinelSettings {
  const announced = state.announced;
  return {
    quorum: announced?.quorum ?? SENTINEL_DEFAULTS.quorum,
    downAfterMs: state.settings.downAfterMs,
    failoverTimeoutMs: announced?.failoverTimeoutMs ?? SENTINEL_DEFAULTS.failoverTimeoutMs,
    parallelSyncs: announced?.parallelSyncs ?? SENTINEL_DEFAULTS.parallelSyncs,
    masterRebootDownAfterMs: masterRebootDownAfterMs(state),
  };
}

export function sentinelNodeView(state: AgentState, node: NodeId, nowMs: number): SentinelNodeView {
  const ns = state.nodes[node];
  if (ns === undefined) {
    return {
      node,
      view: null,
      lastPingSentMsAgo: 0,
      lastOkPingReplyMsAgo: 0,
      replicaAnnounced: true,
      masterReboot: false,
    };
  }
  const heard = ns.info !== null || ns.detector.lastProbeSentMs !== null;
  return {
    node,
    view: heard ? computeView(state, node, nowMs) : null,
    lastPingSentMsAgo: Math.max(0, nowMs - (ns.detector.lastProbeSentMs ?? nowMs)),
    lastOkPingReplyMsAgo: Math.max(0, nowMs - ns.detector.lastValidReplyMs),
    replicaAnnounced: ns.info?.replicaAnnounced !== false,
    masterReboot: ns.detector.rebootSinceMs !== null,
  };
}

/**
 * The nodes still listed after `SENTINEL RESET` at `resetAtMs` (null: never reset): those that
 * have answered a probe since. Sentinel forgets every replica on reset and relearns the live ones
 * from the master's next INFO; the agent relearns them from its next probe of each node.
 */
export function afterReset<T extends { readonly lastOkPingReplyMsAgo: number }>(
  nodes: readonly T[],
  resetAtMs: number | null,
  nowMs: number,
): T[] {
  if (resetAtMs === null) return [...nodes];
  return nodes.filter((node) => nowMs - node.lastOkPingReplyMsAgo >= resetAtMs);
}
