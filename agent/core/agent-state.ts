// The agent core's state, its creation from settings and the state file, and recommended timings.
import type { AnnouncedSettings, Config, NodeId, NodeView } from '../../workers/protocol/index.js';
import { createFailsafe, type FailsafeState } from './failsafe.js';
import { createVoterLease, type VoterLease } from './lease.js';
import type { SyncTurns } from './parallel-syncs.js';
import { createDetector, type NodeDetector } from './sdown.js';
import type { AgentSettings, NodeAction, NodeInfo, PersistedAgentState } from './types.js';

/** An action handed to the shell and not yet confirmed by INFO. */
export interface InFlightAction {
  readonly epoch: number;
  readonly action: NodeAction;
  /** The same action at the same epoch is not sent again before this time. */
  readonly retryAtMs: number;
}

export interface NodeState {
  readonly detector: NodeDetector;
  /** Last successful INFO; a failed INFO keeps the previous one. */
  readonly info: NodeInfo | null;
  /**
   * The node answered again after failures and no INFO has come back since: `info` may describe
   * another time (before a partition from this agent), so a parallel-syncs turn waits for it.
   */
  readonly infoOutdated: boolean;
  readonly lastInfoRequestMs: number | null;
  /** Highest epoch known when a reboot with data loss was seen; cleared by a higher config. */
  readonly rebootedAtEpoch: number | null;
  /**
   * The INFO from before a restart whose dataset is not judged yet (the node was loading, or not
   * answering, when its new run id was seen: reboot.ts `checkRunId`); null otherwise.
   */
  readonly rebootBaseline: NodeInfo | null;
  /** Local nodes only. */
  readonly inFlight: InFlightAction | null;
  /** The last fence effect sent for a local node; `undefined` until the first one. */
  readonly fenceSent: { readonly writableUntilMs: number | null; readonly runId: string | null } | undefined;
}

/** An `observe` request waiting for fresh INFO before it is answered. */
export interface PendingObserve {
  readonly requestId: string;
  readonly askedAtMs: number;
  readonly waitingFor: readonly NodeId[];
}

export interface VoterLink {
  readonly connected: boolean;
  readonly lease: VoterLease;
  readonly observe: PendingObserve | null;
}

export interface AgentState {
  readonly settings: AgentSettings;
  /** Highest config epoch ever seen (persisted); no command below it is executed. */
  readonly highestEpoch: number;
  /** Highest committed config seen (persisted). */
  readonly config: Config | null;
  readonly nodes: Readonly<Record<NodeId, NodeState>>;
  /** Indexed by voter index 0..V-1. */
  readonly voters: readonly VoterLink[];
  readonly lastTickMs: number;
  /** Sequence number of the last observation sent. */
  readonly seq: number;
  /** The views as last reported (observation broadcast and events); null before the first. */
  readonly reported: Readonly<Record<NodeId, NodeView>> | null;
  /** The group's settings as the voters announced them (quorum, timeouts for the Sentinel surface). */
  readonly announced: AnnouncedSettings | null;
  /** The runtime-override version of `announced` (0: the deployed settings); older pushes are ignored. */
  readonly announcedVersion: number;
  /** Grants asked of the other nodes' agents, and the hold this agent promised them (failsafe.ts). */
  readonly failsafe: FailsafeState;
  /** Fence deadlines of local nodes inherited from this agent's previous process (`fence-inherited`). */
  readonly inherited: Readonly<Record<NodeId, number>>;
  /** The replicas' turns to resync from the configured master (parallel-syncs.ts); null before a config. */
  readonly syncTurns: SyncTurns | null;
}

/**
 * Timings recommended for a LAN deployment: SDOWN in about a second, a lease that a majority
 * renews five times per period, and a stall threshold well above the tick period (50 ms).
 */
export const RECOMMENDED_TIMINGS = {
  probeIntervalMs: 100,
  probeTimeoutMs: 500,
  infoIntervalMs: 1000,
  downAfterMs: 1000,
  roleGraceMs: 3000,
  leaseMs: 2000,
  clockDriftRatio: 0.01,
  stallThresholdMs: 500,
  handoffTimeoutMs: 5000,
} as const;

export function createNodeState(nowMs: number): NodeState {
  return {
    detector: createDetector(nowMs),
    info: null,
    infoOutdated: false,
    lastInfoRequestMs: null,
    rebootedAtEpoch: null,
    rebootBaseline: null,
    inFlight: null,
    fenceSent: undefined,
  };
}

/** Fresh state after a (re)start: only the persisted epoch, config and grant hold survive a restart. */
export function createAgentState(
  settings: AgentSettings,
  persisted: PersistedAgentState | null,
  nowMs: number,
): AgentState {
  const config = persisted?.config ?? null;
  const highestEpoch = Math.max(persisted?.highestEpoch ?? 0, config?.epoch ?? 0);
  const nodes: Record<NodeId, NodeState> = {};
  for (const node of allNodes(settings)) nodes[node] = createNodeState(nowMs);
  const voters: VoterLink[] = [];
  for (let i = 0; i < settings.voterCount; i++) {
    voters.push({ connected: false, lease: createVoterLease(), observe: null });
  }
  return {
    settings,
    highestEpoch,
    config,
    nodes,
    voters,
    lastTickMs: nowMs,
    seq: 0,
    reported: null,
    announced: null,
    announcedVersion: 0,
    failsafe: createFailsafe(peerNodes(settings), persisted?.holdUntilMs ?? null),
    inherited: {},
    syncTurns: null,
  };
}

/** What the state file must hold for this state: its epoch, config and the grants' hold horizon. */
export function persistedOf(state: AgentState): PersistedAgentState {
  return {
    highestEpoch: state.highestEpoch,
    config: state.config,
    holdUntilMs: state.failsafe.persistedHoldUntilMs,
  };
}

/**
 * A list derived from the settings, computed once per settings object: settings are immutable, and
 * these are asked for many times in every step.
 */
function perSettings(
  derive: (settings: AgentSettings) => NodeId[],
): (settings: AgentSettings) => readonly NodeId[] {
  const cache = new WeakMap<AgentSettings, readonly NodeId[]>();
  return (settings) => {
    let nodes = cache.get(settings);
    if (nodes === undefined) {
      nodes = Object.freeze(derive(settings));
      cache.set(settings, nodes);
    }
    return nodes;
  };
}

/** Every probed node, local nodes included even if the settings forgot to list them, sorted. */
export const allNodes = perSettings((settings) =>
  [...new Set([...settings.nodes, ...settings.localNodes])].sort(),
);

/** The other nodes, whose agents must all grant for the failsafe to hold. */
export const peerNodes = perSettings((settings) =>
  allNodes(settings).filter((node) => !settings.localNodes.includes(node)),
);

/** This agent's own nodes, sorted (the order their commands are decided in). */
export const sortedLocalNodes = perSettings((settings) => [...settings.localNodes].sort());

export function isLocal(settings: AgentSettings, node: NodeId): boolean {
  return settings.localNodes.includes(node);
}

export function withNode(state: AgentState, node: NodeId, next: NodeState): AgentState {
  return { ...state, nodes: { ...state.nodes, [node]: next } };
}

export function withVoter(state: AgentState, voter: number, next: VoterLink): AgentState {
  return { ...state, voters: state.voters.map((link, i) => (i === voter ? next : link)) };
}

/** How many voters this agent is connected to now. */
export function connectedCount(state: AgentState): number {
  return state.voters.filter((link) => link.connected).length;
}
