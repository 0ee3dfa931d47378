// Types of the voter core: settings, state (durable and volatile), inputs, effects, results.
import type {
  AgentId,
  AgentMessage,
  Config,
  ElectionPurpose,
  NodeId,
  NodeView,
  PeerMessage,
  StepResult,
  VoteReply,
  VoterEventName,
  VoterMessage,
} from '../protocol/index.js';

/** What the core needs to know about its group (validated from wrangler.toml by the shell). */
export interface GroupSettings {
  readonly name: string;
  /** Number of voters V (1, 3 or 5); a majority is floor(V/2)+1. */
  readonly voters: number;
  /** Distinct live agents that must report the master SDOWN for ODOWN. */
  readonly quorum: number;
  readonly initialMaster: NodeId;
  readonly downAfterMs: number;
  readonly failoverTimeoutMs: number;
  readonly fencing: boolean;
  readonly leaseMs: number;
  /** Bound on the relative clock-rate difference between any agent and voter (e.g. 0.01). */
  readonly clockDriftRatio: number;
  /** After a voter (re)starts it believes nothing is down for this long, so agents can reconnect. */
  readonly restartGraceMs: number;
  /** A disconnected agent is forgotten after this long. */
  readonly agentTtlMs: number;
  /** How long a leader waits for fresh observations before ranking replicas. */
  readonly freshObservationMs: number;
  /** Upper bound of the jittered back-off between election attempts. */
  readonly electionBackoffMs: number;
  /**
   * Sentinel's parallel-syncs, announced to the agents: each replica's agent repoints its node to a
   * new master only in turn, at most this many syncing at once (agent/core/parallel-syncs.ts).
   */
  readonly parallelSyncs: number;
  /**
   * Sentinel's master-reboot-down-after-period, announced to the agents: the configured master,
   * once seen with a new run id, is SDOWN when it has not answered PONG for this long (it stays
   * LOADING). 0 turns it off (agent/core/sdown.ts).
   */
  readonly masterRebootDownAfterMs: number;
  /**
   * Which agent may speak for which node (`agents` in GROUPS); absent: the first agent to claim a
   * node holds it (workers/core/node-claims.ts).
   */
  readonly agentNodes?: Readonly<Record<AgentId, readonly NodeId[]>>;
}

/** What the core asks to persist; a restarted voter gets exactly the last one back. */
export interface DurableState {
  /** Highest epoch this voter promised (voted in or accepted at). */
  readonly promisedEpoch: number;
  /** The one vote of `promisedEpoch`, if cast. */
  readonly vote: { readonly epoch: number; readonly candidate: number } | null;
  /** Highest config this voter accepted. */
  readonly accepted: Config;
  /** Highest config this voter knows to be committed. */
  readonly committed: Config;
  /** Highest committed config in state `active`: the master this voter tells clients about. */
  readonly published: Config;
  readonly paused: boolean;
  /** The runtime override of the group's settings this voter holds (settings-override.ts). */
  readonly settingsOverride: SettingsOverride | null;
}

/** Values an operator set at runtime; a field left out keeps wrangler.toml's value. */
export interface SettingsValues {
  readonly quorum?: number;
  readonly downAfterMs?: number;
  readonly failoverTimeoutMs?: number;
  readonly parallelSyncs?: number;
  readonly masterRebootDownAfterMs?: number;
}

/** One value of the settings register: `version` only grows; `writer` orders two writes of one version. */
export interface SettingsOverride {
  readonly version: number;
  readonly writer: string;
  readonly values: SettingsValues;
}

export interface AgentRecord {
  readonly agentId: AgentId;
  readonly connected: boolean;
  readonly localNodes: readonly NodeId[];
  readonly views: Readonly<Record<NodeId, NodeView>>;
  readonly seq: number;
  readonly highestEpoch: number;
  /** Last time this voter heard from the agent or saw it (dis)connect. */
  readonly lastSeenMs: number;
  /**
   * Latest lease renewal (auto-response) this voter counts for the agent. It stops moving while
   * the voter has promised an epoch above its committed one (the agent was told, on the same
   * socket, to stop counting this voter's pongs), and is set to the disconnect time on disconnect
   * because renewals answered after the last step are not visible to the core.
   */
  readonly leaseSeenMs: number;
}

/** What an election is for: its purpose, the master it is about, and what an operator asked. */
export interface ElectionRequest {
  readonly purpose: ElectionPurpose;
  readonly subject: NodeId;
  /** The replica an operator named, if any. */
  readonly target: NodeId | null;
  /** A switchover's FAILOVER TIMEOUT from the operator, carried into the proposal. */
  readonly handoffTimeoutMs: number | null;
}

export interface Candidacy extends ElectionRequest {
  readonly kind: 'candidate';
  readonly epoch: number;
  readonly replies: Readonly<Record<number, VoteReply>>;
  readonly deadlineMs: number;
}

/**
 * The leader of an epoch:
 * - `preparing`: waiting for the old master's lease to expire at the majority and for fresh observations;
 * - `accepting`: accept(E, proposal) sent, counting accept replies;
 * - `confirming`: the proposal is committed; waiting for its master to report `role:master`
 *   (or, for a hand-off, for the hand-off to complete);
 * - `activating`: accept(E, proposal with state active) sent, counting replies.
 */
export interface Leadership extends ElectionRequest {
  readonly kind: 'leader';
  readonly epoch: number;
  readonly phase: 'preparing' | 'accepting' | 'confirming' | 'activating';
  /** The highest config among the grants: the one this leader fails over from. */
  readonly from: Config;
  readonly proposal: Config | null;
  readonly acceptedBy: readonly number[];
  /** Voters that refused the current proposal because they promised a higher epoch. */
  readonly refusedBy: readonly number[];
  readonly leaseWaitUntilMs: number;
  readonly freshUntilMs: number;
  readonly freshFrom: readonly AgentId[];
  readonly observeRequestId: string;
  /**
   * When fresh observations were last requested. Offsets are asked for again once the old
   * master's lease has expired: until then it may legitimately accept writes, and a replica
   * still reaching it keeps receiving them, so earlier offsets could rank the wrong replica.
   */
  readonly observedAtMs: number;
  /** When the current phase gives up (failover timeout). */
  readonly deadlineMs: number;
}

export type Role = { readonly kind: 'follower' } | Candidacy | Leadership;

export interface VoterState {
  /** The effective settings: `baseline` with the runtime override on top. */
  readonly settings: GroupSettings;
  /** The settings declared in wrangler.toml. */
  readonly baseline: GroupSettings;
  readonly index: number;
  readonly durable: DurableState;
  readonly startedAtMs: number;
  readonly agents: Readonly<Record<AgentId, AgentRecord>>;
  readonly role: Role;
  /** Whether this voter currently sees ODOWN of the published master, and since when. */
  readonly odownSinceMs: number | null;
  /** No new candidacy before this time (jitter before the first try, back-off after a loss). */
  readonly nextElectionAtMs: number;
  /** An operator request waiting for this voter to run its election. */
  readonly pendingRequest:
    | (Omit<ElectionRequest, 'purpose' | 'subject'> & { readonly purpose: 'manual' | 'switchover' })
    | null;
  /** Counter for request ids, so they stay unique across leaderships without randomness. */
  readonly requestCounter: number;
  /** When this voter learned that the committed config is not `active` yet (null when it is). */
  readonly unfinishedSinceMs: number | null;
  /**
   * After voting for another candidate, this voter refuses other automatic candidacies until
   * then (the winner needs election, lease wait and fresh observations), so a second candidate
   * cannot preempt a winner that is still preparing. Operator requests are not held back.
   */
  readonly stickyUntilMs: number;
  /**
   * Elections this voter led that aborted in a row (no promotable replica, timeouts...). Each one
   * doubles its back-off before the next candidacy, up to the failover timeout, so a group that
   * cannot fail over yet is not re-elected (a new epoch, rows written) every half second. A
   * committed config resets it.
   */
  readonly abortStreak: number;
  /**
   * Replicas whose move to the committed master this voter reported `+slave-reconf-inprog` for and
   * not yet `+slave-reconf-done` (reconf-events.ts); volatile, not stored.
   */
  readonly reconfInProgress: { readonly master: NodeId; readonly nodes: readonly NodeId[] } | null;
  /** The alarm the shell currently has set, so the core only asks for changes. */
  readonly alarmAtMs: number | null;
}

/** Inputs the shell feeds to the core, one at a time. */
export type VoterInput =
  | { readonly kind: 'agent-connected'; readonly agentId: AgentId }
  | { readonly kind: 'agent-disconnected'; readonly agentId: AgentId }
  | { readonly kind: 'agent-message'; readonly agentId: AgentId; readonly message: AgentMessage }
  | { readonly kind: 'peer-message'; readonly from: number; readonly message: PeerMessage }
  | { readonly kind: 'alarm' }
  | { readonly kind: 'admin'; readonly action: AdminAction }
  | { readonly kind: 'settings-override'; readonly override: SettingsOverride };

export type AdminAction =
  | { readonly kind: 'failover'; readonly target: NodeId | null }
  | { readonly kind: 'switchover'; readonly target: NodeId | null; readonly timeoutMs: number | null }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  | { readonly kind: 'reset' };

/** A Sentinel-style event (`+odown`, `+switch-master`, ...) with the sentence that explains it. */
export interface VoterEvent {
  readonly name: VoterEventName;
  readonly payload: string;
  readonly epoch: number;
  readonly reason: string;
}

/**
 * What the shell must do after the step's `persist` is durable, in this order: send messages,
 * then set the alarm, then record events.
 */
export type VoterEffect =
  | { readonly kind: 'send-peer'; readonly to: number; readonly message: PeerMessage }
  | { readonly kind: 'send-agent'; readonly to: AgentId; readonly message: VoterMessage }
  | { readonly kind: 'set-alarm'; readonly atMs: number | null }
  | { readonly kind: 'emit'; readonly event: VoterEvent };

export interface VoterContext {
  readonly nowMs: number;
  /** Uniform in [0, 1); seeded in the simulation, crypto-backed in production. */
  readonly rng: () => number;
  /** Last WebSocket auto-response (lease pong) time per connected agent, as the runtime recorded it. */
  readonly autoResponseAtMs: Readonly<Record<AgentId, number>>;
}

/** Why an operator's failover or switchover was refused, as `SENTINEL FAILOVER` would answer. */
export type AdminRefusalCode = 'INPROG' | 'NOGOODSLAVE' | 'REFUSED';

export interface AdminRefusal {
  readonly ok: false;
  readonly code: AdminRefusalCode;
  readonly reason: string;
}

/**
 * What the operator is told about an `admin` input: refused (with the code and why), or `ok`,
 * which for a failover or switchover means the election has started (its outcome arrives as events).
 */
export type AdminAnswer = { readonly ok: true; readonly reason: string } | AdminRefusal;

/** One step of the voter core; `persist` is the durable state to save (one transaction) before any effect. */
export interface VoterResult extends StepResult<VoterState, DurableState, VoterEffect> {
  /** The operator's answer: set exactly when the input was `admin`, null otherwise. */
  readonly answer: AdminAnswer | null;
}
