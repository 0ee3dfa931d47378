// Drives one group's agent core: serial input queue, the step's persist then its effects in order, ticks, and the ports to the world.

import type { NodeId } from '../../workers/protocol/index.js';
import {
  type AgentEffect,
  type AgentInput,
  type AgentResult,
  type AgentState,
  isLocalEffect,
  publishedMaster,
  type SentinelGroupView,
  sentinelGroupView,
  tickPeriodMs,
  type WaitedInput,
} from '../core/index.js';
import { type AgentCore, type GroupRunnerDeps, REAL_AGENT_CORE, type VoterPort } from './group-ports.js';
import { timingSettings } from './group-settings.js';
import type { Logger } from './logger.js';
import type { PeerPort } from './peer-channel.js';
import { type InfoText, RoundTrips } from './round-trips.js';
import { StateWriter } from './state-writer.js';
import type { Cancel } from './timers.js';

/** Inputs are small and handled in microseconds; a backlog this long means something is wrong. */
const MAX_QUEUED_INPUTS = 10_000;
/** Held inputs go with the next step; ticks come every few tens of ms, so this is never reached but bounds it. */
const MAX_WAITING_INPUTS = 1_000;

export class GroupRunner {
  readonly name: string;
  private state: AgentState;
  private readonly voters: VoterPort[] = [];
  private readonly peers: PeerPort | null;
  private readonly log: Logger;
  private readonly queue: WaitedInput[] = [];
  /**
   * Inputs that only refresh what the core knows (`waitsForTick`): handed to the next step, at the
   * time they arrived, so a tick folds in the probe results and lease pongs since the last one.
   */
  private readonly waiting: WaitedInput[] = [];
  /** The latest pump, which `stop` waits for. */
  private pumping: Promise<void> | null = null;
  private pumpRunning = false;
  private tickQueued = false;
  private stopTicks: Cancel | null = null;
  /** A tick asked for between the periodic ones (the step's `wakeAtMs`), and when. */
  private wake: { readonly atMs: number; readonly cancel: Cancel } | null = null;
  /** The probe and INFO periods in effect, the latest asked for (the core adopts them in order). */
  private timing: { readonly probeIntervalMs: number; readonly infoIntervalMs: number };
  private stopping = false;
  private readonly stateFile: StateWriter;
  private readonly roundTrips: RoundTrips;
  private readonly core: AgentCore;

  constructor(private readonly deps: GroupRunnerDeps) {
    const { settings, clock, logger } = deps;
    this.name = settings.group;
    this.log = logger.child({ group: settings.group });
    this.core = deps.core ?? REAL_AGENT_CORE;
    this.state = this.core.createAgentState(settings, deps.persisted, clock.nowMs());
    this.timing = { probeIntervalMs: settings.probeIntervalMs, infoIntervalMs: settings.infoIntervalMs };
    this.stateFile = new StateWriter(deps.store, this.log, this.state.highestEpoch);
    this.roundTrips = new RoundTrips({
      ...deps,
      group: this.name,
      localNodes: settings.localNodes,
      log: this.log,
      enqueue: (input) => this.enqueue(input),
    });
    for (let voter = 0; voter < settings.voterCount; voter++) this.voters.push(this.openVoter(voter));
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
    this.armTicks();
    this.enqueueTick();
  }

  private armTicks(): void {
    const { probeIntervalMs, infoIntervalMs } = this.timing;
    this.stopTicks?.();
    this.stopTicks = this.deps.timers.every(tickPeriodMs({ probeIntervalMs, infoIntervalMs }), () =>
      this.enqueueTick(),
    );
  }

  /**
   * `SENTINEL DEBUG ping-period / info-period`: this group's probe and INFO periods, in memory
   * until the agent restarts (the file keeps its own). The core adopts them at its next step; the
   * ticks (tickPeriodMs) are re-armed now.
   */
  setTiming(change: { readonly probeIntervalMs?: number; readonly infoIntervalMs?: number }): void {
    const before = this.timing;
    this.timing = { ...before, ...change };
    const { probeIntervalMs, infoIntervalMs } = this.timing;
    this.log.info(
      { probeIntervalMs, infoIntervalMs, before },
      'probe and INFO periods changed (SENTINEL DEBUG)',
    );
    this.enqueue({ kind: 'timing', ...timingSettings(probeIntervalMs, infoIntervalMs) });
    if (this.stopTicks !== null && !this.stopping && tickPeriodMs(this.timing) !== tickPeriodMs(before)) {
      this.armTicks();
    }
  }

  /** The probe and INFO periods in effect: the file's, or the last SENTINEL DEBUG (before the core's next step too). */
  get periods(): { readonly probeIntervalMs: number; readonly infoIntervalMs: number } {
    return this.timing;
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
    return publishedMaster(this.state.config, this.state.reported);
  }

  /** The node's last INFO reply (SENTINEL INFO-CACHE); null if it never answered one. */
  infoText(node: NodeId): InfoText | null {
    return this.roundTrips.infoText(node);
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
    this.wake?.cancel();
    this.wake = null;
    const running = this.deps.executor.inFlight();
    if (running.length > 0) {
      this.log.info({ count: running.length }, 'waiting for a running command to finish');
      await Promise.race([
        Promise.allSettled(running),
        new Promise<void>((resolve) => this.deps.timers.after(commandGraceMs, resolve)),
      ]);
    }
    await this.pumping;
    await this.stateFile.retry();
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
    this.queue.push({ input, atMs: this.deps.clock.nowMs() });
    if (!this.pumpRunning) this.pumping = this.pump();
  }

  private enqueueTick(): void {
    // At most one tick waits in the queue: a late tick carries the same news as two.
    if (this.tickQueued) return;
    this.tickQueued = true;
    this.enqueue({ kind: 'tick' });
  }

  private async pump(): Promise<void> {
    // A flag, not `pumping`: a pump that holds every input ends before its promise is assigned.
    this.pumpRunning = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        const { input, atMs } = next;
        if (input.kind === 'tick') {
          this.tickQueued = false;
          if (this.stateFile.failing) await this.stateFile.retry();
        } else if (
          this.waiting.length < MAX_WAITING_INPUTS &&
          this.core.waitsForTick(this.state, input, atMs)
        ) {
          this.waiting.push(next);
          continue;
        }
        // In arrival order: what waited goes first, so nothing overtakes an input that came before it.
        await this.step(input, this.waiting.splice(0));
      }
    } finally {
      this.pumpRunning = false;
    }
  }

  private async step(input: AgentInput, waited: readonly WaitedInput[]): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    let result: AgentResult<AgentState>;
    try {
      result = this.core.stepAgent(this.state, input, nowMs, waited);
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
    const durable = result.persist === null || (await this.stateFile.write(result.persist));
    if (!durable) {
      const withheld = result.effects.filter((e) => !isLocalEffect(e)).map((e) => e.kind);
      this.deps.metrics.stateWriteFailures.inc({ group: this.name });
      this.log.error({ input: input.kind, withheld }, 'the state file write failed: the step sends nothing');
    }
    for (const effect of result.effects) {
      if (!durable && !isLocalEffect(effect)) continue;
      // A grant within the hold horizon the core believes persisted: while that write is still
      // failing, the promise is not durable, so it is not given.
      if (this.stateFile.failing && effect.kind === 'grant-reply' && effect.durationMs > 0) {
        this.log.warn('grant not sent: its hold is not in the state file yet');
        continue;
      }
      this.apply(effect, nowMs);
    }
    this.afterStep(previous);
    this.wakeAt(result.wakeAtMs, nowMs);
  }

  /**
   * A tick at `atMs` (a node's SDOWN due then) when the periodic ticks may come later: one wake
   * armed at a time, the earliest asked for. Healthy nodes ask for one a down-after period ahead,
   * which a periodic tick always precedes, so a healthy group arms none.
   */
  private wakeAt(atMs: number | null, nowMs: number): void {
    if (atMs === null || this.stopping || atMs - nowMs >= tickPeriodMs(this.timing)) return;
    if (this.wake !== null && this.wake.atMs <= atMs) return;
    this.wake?.cancel();
    const cancel = this.deps.timers.after(Math.max(0, atMs - nowMs), () => {
      this.wake = null;
      this.enqueueTick();
    });
    this.wake = { atMs, cancel };
  }

  /** Highest epoch durably in the state file: a command must be at exactly this epoch (the executor checks). */
  get durableEpoch(): number {
    return this.stateFile.durableEpoch;
  }

  private apply(effect: AgentEffect, nowMs: number): void {
    switch (effect.kind) {
      case 'probe':
        if (!this.stopping) this.roundTrips.probe(effect.node, nowMs);
        return;
      case 'info':
        if (!this.stopping) this.roundTrips.info(effect.node);
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
      case 'execute':
        if (!this.stopping) this.roundTrips.execute(effect);
        return;
      case 'fence':
        this.deps.fence.set(effect.node, effect.writableUntilMs, effect.runId);
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
