// The ports a GroupRunner drives (nodes, commands, the state file, voter links, the failsafe) and the core it steps.
import type { AgentEventName, AgentMessage, NodeId, VoterMessage } from '../../workers/protocol/index.js';
import {
  type AgentInput,
  type AgentResult,
  type AgentSettings,
  type AgentState,
  createAgentState,
  type NodeAction,
  type PersistedAgentState,
  type ProbeOutcome,
  stepAgent,
  type WaitedInput,
  waitsForTick,
} from '../core/index.js';
import type { Clock } from './clock.js';
import type { FencePort } from './fence-owner.js';
import type { ParseInfo } from './info-memo.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import type { PeerPort } from './peer-channel.js';
import type { Timers } from './timers.js';

export interface GroupEvent {
  readonly group: string;
  readonly name: AgentEventName;
  readonly payload: string;
  readonly reason: string;
}

/** PING and INFO of one node (an ioredis link in production). */
export interface NodePort {
  start(): void;
  /** Never rejects. */
  probe(): Promise<ProbeOutcome>;
  /** INFO text, or null when it failed. Never rejects. */
  info(): Promise<string | null>;
  close(): Promise<void>;
}

export interface ActionOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

/** Carries out `execute` effects (the Executor in production). Never rejects. */
export interface ActionRunner {
  execute(node: NodeId, epoch: number, action: NodeAction): Promise<ActionOutcome>;
  /** Commands still running (graceful shutdown waits for them, bounded). */
  inFlight(): Promise<unknown>[];
}

/** The group's state file. Rejects when the write did not become durable. */
export interface StateStore {
  write(state: PersistedAgentState): Promise<void>;
}

export interface VoterEvents {
  readonly onOpen: () => void;
  readonly onClose: () => void;
  readonly onMessage: (message: VoterMessage) => void;
  readonly onLeasePong: (pingSentAtMs: number) => void;
  readonly onBadFrame: () => void;
  readonly onAuthFailure: (status: number) => void;
  readonly onDropped: () => void;
}

/** One voter link (a WebSocket in production). */
export interface VoterPort {
  readonly status: string;
  readonly consecutiveAuthFailures: number;
  start(): void;
  send(message: AgentMessage): void;
  leasePing(sentAtMs: number): void;
  close(): Promise<void>;
}

/** The pure core the runner drives: the real one, or (in the simulator's teeth tests) a deliberately unsafe variant. */
export interface AgentCore {
  createAgentState(settings: AgentSettings, persisted: PersistedAgentState | null, nowMs: number): AgentState;
  stepAgent(
    state: AgentState,
    input: AgentInput,
    nowMs: number,
    waited: readonly WaitedInput[],
  ): AgentResult<AgentState>;
  waitsForTick(state: AgentState, input: AgentInput, nowMs: number): boolean;
}

export const REAL_AGENT_CORE: AgentCore = { createAgentState, stepAgent, waitsForTick };

export interface GroupRunnerDeps {
  readonly core?: AgentCore;
  readonly settings: AgentSettings;
  readonly persisted: PersistedAgentState | null;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly nodes: ReadonlyMap<NodeId, NodePort>;
  /** INFO text to NodeInfo; default `parseNodeInfo` (the agent shares a memo of it between groups). */
  readonly parseInfo?: ParseInfo;
  readonly executor: ActionRunner;
  /** The agent's fence owner (shared by its groups): the supervisor's, through IPC, in production. */
  readonly fence: FencePort;
  /** The local node's deadline the owner still enforces from this agent's previous process. */
  readonly inheritedFence?: number | null;
  readonly store: StateStore;
  readonly openVoter: (voter: number, events: VoterEvents) => VoterPort;
  /** The failsafe link, or null when this agent's failsafe is off. */
  readonly openPeers: (onInput: (input: AgentInput) => void) => PeerPort | null;
  readonly onEvent: (event: GroupEvent) => void;
  /** A broken core invariant: the process must stop (its supervisor restarts it from the state file). */
  readonly onFatal: (error: unknown) => void;
}
