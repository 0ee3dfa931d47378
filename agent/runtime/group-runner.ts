// Drives one group's agent core: serial input queue, the step's persist then its effects in order, ticks, and the ports to the world.

import type { AgentEventName, AgentMessage, NodeId, VoterMessage } from '../../workers/protocol/index.js';
import {
  type AgentEffect,
  type AgentInput,
  type AgentResult,
  type AgentSettings,
  type AgentState,
  createAgentState,
  isLocalEffect,
  type NodeAction,
  type PersistedAgentState,
  type ProbeOutcome,
  parseNodeInfo,
  publishedMaster,
  type SentinelGroupView,
  sentinelGroupView,
  stepAgent,
} from '../core/index.js';
import type { Clock } from './clock.js';
import type { FencePort } from './fence-owner.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import type { PeerPort } from './peer-channel.js';
import type { Cancel, Timers } from './timers.js';

/** Inputs are small and handled in microseconds; a backlog this long means something is wrong. */
const MAX_QUEUED_INPUTS = 10_000;
const PERSIST_ATTEMPTS = 3;

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
  stepAgent(state: AgentState, input: AgentInput, nowMs: number): AgentResult<AgentState>;
}

export const REAL_AGENT_CORE: AgentCore = { createAgentState, stepAgent };

export interface GroupRunnerDeps {
  readonly core?: AgentCore;
  readonly settings: AgentSettings;
  readonly persisted: PersistedAgentState | null;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly nodes: ReadonlyMap<NodeId, NodePort>;
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

export class GroupRunner {
  readonly name: string;
  private state: AgentState;
  private readonly voters: VoterPort[] = [];
  private readonly peers: PeerPort | null;
  private readonly log: Logger;
  private readonly queue: AgentInput[] = [];
  private pumping: Promise<void> | null = null;
  private tickQueued = false;
  private stopTicks: Cancel | null = null;
  private stopping = false;
  private persistedEpoch: number;
  /** A state that failed to persist: retried on every tick; executes stay refused meanwhile. */
  private unpersisted: PersistedAgentState | null = null;
  private readonly core: AgentCore;

  constructor(private readonly deps: GroupRunnerDeps) {
    const { settings, clock, logger } = deps;
    this.name = settings.group;
    this.log = logger.child({ group: settings.group });
    this.core = deps.core ?? REAL_AGENT_CORE;
    this.state = this.core.createAgentState(settings, deps.persisted, clock.nowMs());
    this.persistedEpoch = this.state.highestEpoch;
    for (let voter = 0; voter < settings.voters; voter++) this.voters.push(this.openVoter(voter));
    this.peers = deps.openPeers((input) => this.enqueue(input));
    deps.metrics.epoch.set({ group: this.name }, this.state.highestEpoch);
  }

  start(): void {
    this.log.info(
      {
        highestEpoch: this.state.highestEpoch,
        config: this.state.config,
        nodes: [...this.deps.nodes.keys()],
        holdUntilMs: this.state.failsafe.holdUntilMs,
      },
      'group starting',
    );
    // First, before any fence is decided: the deadline the previous process left stands.
    const inherited = this.deps.inheritedFence ?? null;
    const local = this.state.settings.localNodes[0];
    if (inherited !== null && local !== undefined) {
      this.enqueue({ kind: 'fence-inherited', node: local, writableUntilMs: inherited });
    }
    for (const node of this.deps.nodes.values()) node.start();
    for (const voter of this.voters) voter.start();
    // Ticks at half the probe interval: the core sends each probe when its interval is up.
    const periodMs = Math.max(5, Math.floor(this.state.settings.probeIntervalMs / 2));
    this.stopTicks = this.deps.timers.every(periodMs, () => this.enqueueTick());
    this.enqueueTick();
  }

  /** The core state (read-only use: Sentinel surface, health, tests). */
  get current(): AgentState {
    return this.state;
  }

  get voterStatus(): string[] {
    return this.voters.map((s) => s.status);
  }

  get authFailures(): number {
    return Math.max(0, ...this.voters.map((s) => s.consecutiveAuthFailures));
  }

  /** What the fence of a local node has applied on Redis (`fenced`, `unfenced`, `unknown`); null for other nodes. */
  fenceApplied(node: NodeId): string | null {
    return this.state.settings.localNodes.includes(node) ? this.deps.fence.applied(node) : null;
  }

  /** What clients are told is the master (`publishedMaster`); null before any config. */
  get publishedMaster(): NodeId | null {
    return publishedMaster(this.state.config);
  }

  /** What the Sentinel surface shows of this group now; null before any config. */
  sentinelView(): SentinelGroupView | null {
    return sentinelGroupView(this.state, this.deps.clock.nowMs());
  }

  /**
   * Graceful stop: no new probes or commands, a running command may finish (bounded), the
   * input queue drains (so a pending persist lands), then links close. The fence deadlines
   * already handed over stay with their owner, which applies them when they pass.
   */
  async stop(commandGraceMs: number): Promise<void> {
    this.stopping = true;
    this.stopTicks?.();
    this.stopTicks = null;
    const running = this.deps.executor.inFlight();
    if (running.length > 0) {
      this.log.info({ count: running.length }, 'waiting for a running command to finish');
      await Promise.race([
        Promise.allSettled(running),
        new Promise<void>((resolve) => this.deps.timers.after(commandGraceMs, resolve)),
      ]);
    }
    await this.pumping;
    if (this.unpersisted !== null) await this.persist(this.unpersisted);
    await Promise.all(this.voters.map((s) => s.close()));
    this.peers?.close();
    await Promise.all([...this.deps.nodes.values()].map((l) => l.close()));
    this.log.info('group stopped');
  }

  enqueue(input: AgentInput): void {
    if (this.stopping && input.kind !== 'action-result') return;
    if (this.queue.length >= MAX_QUEUED_INPUTS) {
      this.deps.metrics.droppedInputs.inc({ group: this.name });
      this.log.error({ input: input.kind }, 'input queue full: input dropped');
      return;
    }
    this.queue.push(input);
    if (this.pumping === null) this.pumping = this.pump();
  }

  private enqueueTick(): void {
    // At most one tick waits in the queue: a late tick carries the same news as two.
    if (this.tickQueued) return;
    this.tickQueued = true;
    this.enqueue({ kind: 'tick' });
  }

  private async pump(): Promise<void> {
    try {
      for (let input = this.queue.shift(); input !== undefined; input = this.queue.shift()) {
        if (input.kind === 'tick') {
          this.tickQueued = false;
          if (this.unpersisted !== null) await this.persist(this.unpersisted);
        }
        await this.step(input);
      }
    } finally {
      this.pumping = null;
    }
  }

  private async step(input: AgentInput): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    let result: AgentResult<AgentState>;
    try {
      result = this.core.stepAgent(this.state, input, nowMs);
    } catch (error) {
      this.log.fatal({ err: String(error), input: input.kind }, 'agent core invariant broken');
      this.deps.onFatal(error);
      return;
    }
    const previous = this.state;
    this.state = result.state;
    // A grant given is a decision; a readiness probe's answer (every few seconds) is not.
    const decisive =
      result.persist !== null ||
      result.effects.some(
        (e) => e.kind === 'execute' || e.kind === 'event' || (e.kind === 'grant-reply' && e.durationMs > 0),
      );
    if (decisive) this.log.info({ input: input.kind }, result.reason);
    else if (this.log.isLevelEnabled('debug')) this.log.debug({ input: input.kind }, result.reason);
    // The step happens for the world only once the state file holds it: if the write failed, only
    // its local effects (probes, INFO, fences) are carried out, and the write is retried on every
    // tick. Stepping on meanwhile is safe: the executor refuses a command whose epoch is not the
    // file's, and no grant goes out while a write is pending.
    const durable = result.persist === null || (await this.persist(result.persist));
    if (!durable) {
      const withheld = result.effects.filter((e) => !isLocalEffect(e)).map((e) => e.kind);
      this.deps.metrics.stateWriteFailures.inc({ group: this.name });
      this.log.error({ input: input.kind, withheld }, 'the state file write failed: the step sends nothing');
    }
    for (const effect of result.effects) {
      if (!durable && !isLocalEffect(effect)) continue;
      // A grant within the hold horizon the core believes persisted: while that write is still
      // failing, the promise is not durable, so it is not given.
      if (this.unpersisted !== null && effect.kind === 'grant-reply' && effect.durationMs > 0) {
        this.log.warn('grant not sent: its hold is not in the state file yet');
        continue;
      }
      this.apply(effect, nowMs);
    }
    this.afterStep(previous);
  }

  /** True once the state is durable; false after the attempts failed (retried on every tick). */
  private async persist(state: PersistedAgentState): Promise<boolean> {
    for (let attempt = 1; attempt <= PERSIST_ATTEMPTS; attempt++) {
      try {
        await this.deps.store.write(state);
        this.persistedEpoch = Math.max(this.persistedEpoch, state.highestEpoch);
        this.unpersisted = null;
        this.log.info(
          { highestEpoch: state.highestEpoch, config: state.config, holdUntilMs: state.holdUntilMs },
          'state file written',
        );
        return true;
      } catch (error) {
        this.log.error({ err: String(error), attempt }, 'writing the state file failed');
      }
    }
    // Commands at the new epoch are refused (the executor checks the file's epoch) until it lands.
    this.unpersisted = state;
    return false;
  }

  /** Highest epoch durably in the state file: a command must be at exactly this epoch (the executor checks). */
  get durableEpoch(): number {
    return this.persistedEpoch;
  }

  private apply(effect: AgentEffect, nowMs: number): void {
    switch (effect.kind) {
      case 'probe':
        if (!this.stopping) this.probe(effect.node, nowMs);
        return;
      case 'info':
        if (!this.stopping) this.info(effect.node);
        return;
      case 'send':
        this.voters[effect.voter]?.send(effect.message);
        return;
      case 'lease-ping':
        this.voters[effect.voter]?.leasePing(nowMs);
        return;
      case 'grant-request':
        this.peers?.request(effect, nowMs);
        return;
      case 'grant-reply':
        this.peers?.reply(effect);
        return;
      case 'execute': {
        if (this.stopping) return;
        const { node, epoch, action } = effect;
        void this.deps.executor.execute(node, epoch, action).then((outcome) =>
          this.enqueue({
            kind: 'action-result',
            node,
            epoch,
            action,
            ok: outcome.ok,
            detail: outcome.detail.slice(0, 480),
          }),
        );
        return;
      }
      case 'fence':
        this.deps.fence.set(effect.node, effect.writableUntilMs);
        return;
      case 'event':
        this.log.info(
          { event: effect.name, payload: effect.payload },
          `${effect.name} ${effect.payload}: ${effect.reason}`,
        );
        this.deps.onEvent({
          group: this.name,
          name: effect.name,
          payload: effect.payload,
          reason: effect.reason,
        });
        return;
    }
  }

  private probe(node: NodeId, sentAtMs: number): void {
    const port = this.deps.nodes.get(node);
    if (port === undefined) return;
    void port.probe().then((outcome) => {
      const latencyS = (this.deps.clock.nowMs() - sentAtMs) / 1000;
      this.deps.metrics.probeLatency.observe({ group: this.name, node, outcome }, latencyS);
      this.enqueue({ kind: 'probe-result', node, sentAtMs, outcome });
    });
  }

  private info(node: NodeId): void {
    const port = this.deps.nodes.get(node);
    if (port === undefined) return;
    void port.info().then((text) => {
      // Local nodes: the agent's own fence state; other nodes: unknown from here, reported unfenced.
      const local = this.state.settings.localNodes.includes(node);
      const parsed =
        text === null ? null : parseNodeInfo(text, { fenced: local && this.deps.fence.fencedNow(node) });
      if (parsed !== null && !parsed.ok)
        this.log.warn({ node, error: parsed.error }, 'INFO reply did not parse');
      this.enqueue({ kind: 'info-result', node, info: parsed?.ok ? parsed.value : null });
    });
  }

  /** The metrics of what the step changed. */
  private afterStep(previous: AgentState): void {
    const { metrics } = this.deps;
    // Only what changed: most steps are ticks and probe results that change neither.
    if (this.state.highestEpoch !== previous.highestEpoch) {
      metrics.epoch.set({ group: this.name }, this.state.highestEpoch);
    }
    const reported = this.state.reported;
    if (reported !== null && reported !== previous.reported) {
      for (const view of Object.values(reported))
        metrics.sdown.set({ group: this.name, node: view.node }, view.sdown ? 1 : 0);
    }
  }

  private openVoter(voter: number): VoterPort {
    const { metrics } = this.deps;
    const labels = { group: this.name, voter: String(voter) };
    metrics.voterLink.set(labels, 0);
    return this.deps.openVoter(voter, {
      onOpen: () => {
        metrics.voterLink.set(labels, 1);
        this.enqueue({ kind: 'voter-connected', voter });
      },
      onClose: () => {
        metrics.voterLink.set(labels, 0);
        this.enqueue({ kind: 'voter-disconnected', voter });
      },
      onMessage: (message) => this.enqueue({ kind: 'voter-message', voter, message }),
      onLeasePong: (pingSentAtMs) => this.enqueue({ kind: 'lease-pong', voter, pingSentAtMs }),
      onBadFrame: () => metrics.badFrames.inc(labels),
      onAuthFailure: () => metrics.voterAuthFailures.inc(labels),
      onDropped: () => metrics.outboundDropped.inc(labels),
    });
  }
}
