// Types of the agent core: the pure brain that the agent process (and the simulator) drives.
import type {
  AgentEventName,
  AgentId,
  AgentMessage,
  Config,
  NodeId,
  NodeRole,
  VoterMessage,
} from '../../workers/protocol/index.js';

export interface AgentSettings {
  readonly agentId: AgentId;
  readonly group: string;
  /** Nodes on this agent's own box: it executes promotions, repoints and fencing on these only. */
  readonly localNodes: readonly NodeId[];
  /** Every node of the group this agent probes (its own and the others it can reach). */
  readonly nodes: readonly NodeId[];
  /** Number of voters V; a lease needs a majority of them. */
  readonly voterCount: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly infoIntervalMs: number;
  readonly downAfterMs: number;
  /** Keep `downAfterMs` even when the voters announce another (the agent file sets it). */
  readonly downAfterOverride?: boolean;
  /** How long the configured master may report `role:slave` before it counts as down. */
  readonly roleGraceMs: number;
  readonly fencing: boolean;
  /**
   * Failsafe: with fencing on, the master may stay writable on grants from the agents of every
   * other node when it cannot renew its lease from the voters (failsafe.ts).
   */
  readonly failsafe: boolean;
  readonly leaseMs: number;
  /** Bound on the relative clock-rate difference between this agent and any voter. */
  readonly clockDriftRatio: number;
  /** A gap between ticks longer than this is an event-loop stall: old probes stop counting. */
  readonly stallThresholdMs: number;
  /** Timeout handed to `FAILOVER TO ... TIMEOUT ms` for a coordinated switchover. */
  readonly handoffTimeoutMs: number;
  /** The agent's own Sentinel endpoint, announced to voters. */
  readonly sentinel: { readonly host: string; readonly port: number } | null;
}

/** What INFO (replication, server, keyspace) says about a node, already parsed and translated. */
export interface NodeInfo {
  readonly role: NodeRole;
  /** For a replica: its master's address as the replica reports it. */
  readonly masterNode: NodeId | null;
  readonly linkUp: boolean;
  readonly linkDownMs: number;
  readonly offsetBytes: number;
  readonly runId: string;
  readonly priority: number;
  /** Total keys over all databases (INFO keyspace), to spot a master that came back empty. */
  readonly keys: number;
  /** `CLIENT PAUSE WRITE` or the agent's write fence is in force. */
  readonly fenced: boolean;
  /** `replica_announced:0` in INFO (`replica-announced no`): Sentinel does not list the replica. Absent: announced. */
  readonly replicaAnnounced?: boolean;
}

/** What reconciliation (or a switchover) asks the agent to do to one of its local nodes. */
export type NodeAction =
  | { readonly kind: 'promote' }
  | { readonly kind: 'repoint'; readonly master: NodeId }
  | { readonly kind: 'demote'; readonly master: NodeId }
  | { readonly kind: 'handoff'; readonly to: NodeId; readonly timeoutMs: number };

export type ProbeOutcome = 'pong' | 'loading' | 'masterdown' | 'error' | 'timeout';

/**
 * An input that waited for a later step (`waitsForTick`), with the time it arrived: it is applied
 * at that time, as if it had been stepped then.
 */
export interface WaitedInput {
  readonly input: AgentInput;
  readonly atMs: number;
}

export type AgentInput =
  | { readonly kind: 'tick' }
  /**
   * This agent's probe and INFO periods changed while it runs (`SENTINEL DEBUG ping-period /
   * info-period`), with the stall threshold that goes with the probe period; in memory only.
   */
  | {
      readonly kind: 'timing';
      readonly probeIntervalMs: number;
      readonly infoIntervalMs: number;
      readonly stallThresholdMs: number;
    }
  | {
      readonly kind: 'probe-result';
      readonly node: NodeId;
      readonly sentAtMs: number;
      readonly outcome: ProbeOutcome;
    }
  | { readonly kind: 'info-result'; readonly node: NodeId; readonly info: NodeInfo | null }
  | { readonly kind: 'voter-connected'; readonly voter: number }
  | { readonly kind: 'voter-disconnected'; readonly voter: number }
  | { readonly kind: 'voter-message'; readonly voter: number; readonly message: VoterMessage }
  /** The voter's runtime answered the lease ping this agent sent at `pingSentAtMs`. */
  | { readonly kind: 'lease-pong'; readonly voter: number; readonly pingSentAtMs: number }
  /**
   * An authenticated grant request from the agent of node `from` (the shell checked its MAC and
   * its single-use challenge): "promise not to promote or unfence your node for `durationMs`".
   * `durationMs` 0 asks only whether this agent would grant (a readiness probe).
   */
  | {
      readonly kind: 'grant-request';
      readonly from: NodeId;
      readonly requestId: string;
      readonly epoch: number;
      readonly master: NodeId;
      readonly durationMs: number;
      /** The requester's node list, as `membershipOf` (a grant needs the same list on both sides). */
      readonly membership: string;
    }
  /**
   * The answer to this agent's `grant-request` effect sent at `sentAtMs` (agent clock) to the
   * agent of `from`, with the epoch and master it asked for.
   */
  | {
      readonly kind: 'grant-reply';
      readonly from: NodeId;
      readonly sentAtMs: number;
      readonly epoch: number;
      readonly master: NodeId;
      readonly granted: boolean;
      readonly durationMs: number;
      readonly reason: string;
    }
  /**
   * At start: the fence deadline the supervisor still enforces for a local node, set by this
   * agent's previous process from leases it held. Writes may go on until then, as they would have
   * had the old process lived; the first input, before any fence is decided.
   */
  | { readonly kind: 'fence-inherited'; readonly node: NodeId; readonly writableUntilMs: number }
  | {
      readonly kind: 'action-result';
      readonly node: NodeId;
      readonly epoch: number;
      readonly action: NodeAction;
      readonly ok: boolean;
      readonly detail: string;
    };

/**
 * Effects that only read the nodes or keep the fence owner's deadline equal to the core's: the
 * shell carries them out even when the step's `persist` failed (a probe the core counts as sent
 * must go out, or it times out as a failure; a fence is the safety net, never a promise).
 */
export type LocalEffect =
  | { readonly kind: 'probe'; readonly node: NodeId }
  | { readonly kind: 'info'; readonly node: NodeId }
  /**
   * Write fence of a local node: refuse writes from `writableUntilMs` on (agent clock; a time
   * in the past means fenced now); null means no fence (fencing off, or not the master).
   * `runId` is the Redis process the decision is about (`fenceRunId`); null before any INFO.
   */
  | {
      readonly kind: 'fence';
      readonly node: NodeId;
      readonly writableUntilMs: number | null;
      readonly runId: string | null;
    };

/**
 * Effects that tell or change the world on the strength of the step's new state (messages,
 * commands, grants, events): carried out only once the step's `persist` is durable.
 */
export type OutwardEffect =
  | { readonly kind: 'send'; readonly voter: number; readonly message: AgentMessage }
  | { readonly kind: 'lease-ping'; readonly voter: number }
  | { readonly kind: 'execute'; readonly node: NodeId; readonly epoch: number; readonly action: NodeAction }
  /** Ask the agent of `to` for a grant (the shell signs it and remembers the send time). */
  | {
      readonly kind: 'grant-request';
      readonly to: NodeId;
      readonly epoch: number;
      readonly master: NodeId;
      readonly durationMs: number;
      readonly membership: string;
    }
  /** Answer a `grant-request` input (a grant is sent only after the persist of its hold). */
  | {
      readonly kind: 'grant-reply';
      readonly to: NodeId;
      readonly requestId: string;
      readonly granted: boolean;
      readonly durationMs: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'event';
      readonly name: AgentEventName;
      readonly payload: string;
      readonly reason: string;
    };

export type AgentEffect = LocalEffect | OutwardEffect;

/** What the state file holds: only this survives a restart of the agent. */
export interface PersistedAgentState {
  readonly highestEpoch: number;
  readonly config: Config | null;
  /** The grants' hold horizon (agent clock), honoured after a restart; null = no grant given. */
  readonly holdUntilMs: number | null;
}

/**
 * One step's outcome, in the order the shell must carry it out: first `persist` (the state file,
 * written atomically and durably), then `effects` in list order. A step the state file does not
 * hold yet has not happened for the world: when the write fails, the shell carries out only the
 * step's `LocalEffect`s, and none of its `OutwardEffect`s.
 */
export interface AgentResult<S> {
  readonly state: S;
  /** The state file's new content, written before any effect; null when it did not change. */
  readonly persist: PersistedAgentState | null;
  readonly effects: readonly AgentEffect[];
  readonly reason: string;
  /** Step again at this time even if no tick falls there (`nextWakeMs`); null: the ticks will do. */
  readonly wakeAtMs: number | null;
}
