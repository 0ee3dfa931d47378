// Drives one group's agent core: serial input queue, effects applied in order (persist first), timers and links.

import type { Config, NodeId, NodeView } from '../../workers/protocol/index.js';
import type { AgentConfig, GroupConfig } from '../config/load.js';
import {
  type AgentEffect,
  type AgentInput,
  type AgentState,
  computeView,
  createAgentState,
  type PersistedAgentState,
  parseNodeInfo,
  stepAgent,
} from '../core/index.js';
import type { Clock } from './clock.js';
import { Executor } from './executor.js';
import { NodeFence } from './fence.js';
import { agentSettings, nodeEndpoints, voterUrl } from './group-settings.js';
import type { Logger } from './logger.js';
import type { AgentMetrics } from './metrics.js';
import { NodeLink } from './node-link.js';
import { writeStateFile } from './state-file.js';
import { VoterSocket } from './voter-socket.js';

/** Inputs are small and handled in microseconds; a backlog this long means something is wrong. */
const MAX_QUEUED_INPUTS = 10_000;
const PERSIST_ATTEMPTS = 3;

export interface GroupEvent {
  readonly group: string;
  readonly name: string;
  readonly payload: string;
  readonly reason: string;
}

export interface GroupRunnerDeps {
  readonly config: AgentConfig;
  readonly group: GroupConfig;
  readonly persisted: PersistedAgentState | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  readonly onEvent: (event: GroupEvent) => void;
  /** A broken core invariant: the process must stop (systemd restarts it from the state file). */
  readonly onFatal: (error: unknown) => void;
}

export class GroupRunner {
  readonly name: string;
  private state: AgentState;
  private readonly links = new Map<NodeId, NodeLink>();
  private readonly fences = new Map<NodeId, NodeFence>();
  private readonly sockets: VoterSocket[] = [];
  private readonly executor: Executor;
  private readonly log: Logger;
  private readonly queue: AgentInput[] = [];
  private pumping: Promise<void> | null = null;
  private tickQueued = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private persistedEpoch: number;
  /** A state that failed to persist: retried on every tick; executes stay refused meanwhile. */
  private unpersisted: PersistedAgentState | null = null;
  private published: NodeId | null;

  constructor(private readonly deps: GroupRunnerDeps) {
    const { config, group, clock, logger } = deps;
    this.name = group.name;
    this.log = logger.child({ group: group.name });
    const settings = agentSettings(config, group);
    this.state = createAgentState(settings, deps.persisted, clock.nowMs());
    this.persistedEpoch = this.state.highestEpoch;
    this.published = publishedMaster(this.state.config);
    for (const [node, endpoint] of nodeEndpoints(group)) {
      const local = node === group.local.announce;
      const link = new NodeLink(
        node,
        endpoint,
        group.probeTimeoutMs,
        `edge-sentinel-agent:${config.agentId}`,
        this.log,
        () => this.fences.get(node)?.onReady(),
      );
      this.links.set(node, link);
      if (local) {
        const fence = new NodeFence(
          node,
          link,
          clock,
          this.log,
          group.local.minReplicasToWrite,
          (n, fenced) => deps.metrics.fenced.set({ group: group.name, node: n }, fenced ? 1 : 0),
        );
        this.fences.set(node, fence);
      }
    }
    this.executor = new Executor({
      links: this.links,
      persistedEpoch: () => this.persistedEpoch,
      logger: this.log,
      onResult: (kind, ok) =>
        deps.metrics.commands.inc({ group: group.name, kind, result: ok ? 'ok' : 'failed' }),
    });
    for (let voter = 0; voter < config.voters; voter++) this.sockets.push(this.createSocket(voter));
    deps.metrics.epoch.set({ group: group.name }, this.state.highestEpoch);
  }

  start(): void {
    this.log.info(
      { highestEpoch: this.state.highestEpoch, config: this.state.config, nodes: [...this.links.keys()] },
      'group starting',
    );
    for (const link of this.links.values()) link.start();
    for (const socket of this.sockets) socket.start();
    // Ticks at half the probe interval: the core sends each probe when its interval is up.
    const periodMs = Math.max(5, Math.floor(this.state.settings.probeIntervalMs / 2));
    this.tickTimer = setInterval(() => this.enqueueTick(), periodMs);
    this.enqueueTick();
  }

  /** The core state (read-only use: Sentinel surface, health, tests). */
  get current(): AgentState {
    return this.state;
  }

  get voterStatus(): string[] {
    return this.sockets.map((s) => s.status);
  }

  get authFailures(): number {
    return Math.max(0, ...this.sockets.map((s) => s.consecutiveAuthFailures));
  }

  /** What the fence of a local node has applied on Redis (`fenced`, `unfenced`, `unknown`); null for other nodes. */
  fenceApplied(node: NodeId): string | null {
    return this.fences.get(node)?.appliedState ?? null;
  }

  view(node: NodeId): NodeView {
    return computeView(this.state, node, this.deps.clock.nowMs());
  }

  /**
   * Graceful stop: no new probes or commands, a running command may finish (bounded), the
   * input queue drains (so a pending persist lands), then links close. The node keeps its
   * role and fence as they are: stopping the agent changes nothing on Redis.
   */
  async stop(commandGraceMs: number): Promise<void> {
    this.stopping = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    this.tickTimer = null;
    const running = this.executor.inFlight();
    if (running.length > 0) {
      this.log.info({ count: running.length }, 'waiting for a running command to finish');
      await Promise.race([Promise.allSettled(running), sleep(commandGraceMs)]);
    }
    await this.pumping;
    if (this.unpersisted !== null) await this.persist(this.unpersisted);
    await Promise.all(this.sockets.map((s) => s.close()));
    for (const fence of this.fences.values()) fence.close();
    await Promise.all([...this.links.values()].map((l) => l.close()));
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
          for (const fence of this.fences.values()) fence.onTick();
        }
        await this.step(input);
      }
    } finally {
      this.pumping = null;
    }
  }

  private async step(input: AgentInput): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    let result: ReturnType<typeof stepAgent>;
    try {
      result = stepAgent(this.state, input, nowMs);
    } catch (error) {
      this.log.fatal({ err: String(error), input: input.kind }, 'agent core invariant broken');
      this.deps.onFatal(error);
      return;
    }
    this.state = result.state;
    const decisive = result.effects.some(
      (e) => e.kind === 'execute' || e.kind === 'persist' || e.kind === 'event',
    );
    if (decisive) this.log.info({ input: input.kind }, result.reason);
    else if (this.log.isLevelEnabled('debug')) this.log.debug({ input: input.kind }, result.reason);
    for (const effect of result.effects) {
      if (effect.kind === 'persist') {
        await this.persist({ highestEpoch: effect.highestEpoch, config: effect.config });
        continue;
      }
      this.apply(effect, nowMs);
    }
    this.afterStep();
  }

  private async persist(state: PersistedAgentState): Promise<void> {
    for (let attempt = 1; attempt <= PERSIST_ATTEMPTS; attempt++) {
      try {
        await writeStateFile(this.deps.config.stateDir, this.name, state);
        this.persistedEpoch = Math.max(this.persistedEpoch, state.highestEpoch);
        this.unpersisted = null;
        this.log.info({ highestEpoch: state.highestEpoch, config: state.config }, 'state file written');
        return;
      } catch (error) {
        this.log.error({ err: String(error), attempt }, 'writing the state file failed');
      }
    }
    // Commands at the new epoch are refused (the executor checks the file's epoch) until it lands.
    this.unpersisted = state;
  }

  private apply(effect: Exclude<AgentEffect, { kind: 'persist' }>, nowMs: number): void {
    switch (effect.kind) {
      case 'probe':
        if (!this.stopping) this.probe(effect.node, nowMs);
        return;
      case 'info':
        if (!this.stopping) this.info(effect.node);
        return;
      case 'send':
        this.sockets[effect.voter]?.send(effect.message);
        return;
      case 'lease-ping':
        this.sockets[effect.voter]?.leasePing(nowMs);
        return;
      case 'execute': {
        if (this.stopping) return;
        const { node, epoch, action } = effect;
        void this.executor.execute(node, epoch, action).then((outcome) =>
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
        this.fences.get(effect.node)?.set(effect.writableUntilMs);
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
    const link = this.links.get(node);
    if (link === undefined) return;
    void link.probe().then((outcome) => {
      const latencyS = (this.deps.clock.nowMs() - sentAtMs) / 1000;
      this.deps.metrics.probeLatency.observe({ group: this.name, node, outcome }, latencyS);
      this.enqueue({ kind: 'probe-result', node, sentAtMs, outcome });
    });
  }

  private info(node: NodeId): void {
    const link = this.links.get(node);
    if (link === undefined) return;
    void link.info().then((text) => {
      const fence = this.fences.get(node);
      // Local nodes: the agent's own fence state; other nodes: unknown from here, reported unfenced.
      const parsed = text === null ? null : parseNodeInfo(text, fence?.fencedNow() ?? false);
      if (parsed !== null && !parsed.ok)
        this.log.warn({ node, error: parsed.error }, 'INFO reply did not parse');
      this.enqueue({ kind: 'info-result', node, info: parsed?.ok ? parsed.value : null });
    });
  }

  /** Metrics and the `+switch-master` event when the published (last active) master changes. */
  private afterStep(): void {
    const { metrics } = this.deps;
    metrics.epoch.set({ group: this.name }, this.state.highestEpoch);
    const reported = this.state.reported;
    if (reported !== null) {
      for (const view of Object.values(reported))
        metrics.sdown.set({ group: this.name, node: view.node }, view.sdown ? 1 : 0);
    }
    const next = publishedMaster(this.state.config);
    if (next !== null && next !== this.published) {
      const before = this.published;
      this.published = next;
      if (before !== null) {
        const payload = `${this.name} ${spaced(before)} ${spaced(next)}`;
        const reason = `epoch ${this.state.config?.epoch} is active with master ${next}`;
        this.log.info({ event: '+switch-master', payload }, `+switch-master ${payload}: ${reason}`);
        this.deps.onEvent({ group: this.name, name: '+switch-master', payload, reason });
      }
    }
  }

  private createSocket(voter: number): VoterSocket {
    const { config, group, clock, metrics } = this.deps;
    const labels = { group: group.name, voter: String(voter) };
    metrics.voterLink.set(labels, 0);
    return new VoterSocket({
      url: voterUrl(config.coordinator.url, group.name, voter),
      token: group.token,
      agentId: config.agentId,
      voter,
      clock,
      logger: this.log.child({ voter }),
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

/** What clients are told: the master of the last active config (while a change is pending, the previous one). */
export function publishedMaster(config: Config | null): NodeId | null {
  if (config === null) return null;
  if (config.state === 'active') return config.master;
  return config.previousMaster ?? config.master;
}

function spaced(node: NodeId): string {
  const colon = node.lastIndexOf(':');
  const host = node.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return `${host} ${node.slice(colon + 1)}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
