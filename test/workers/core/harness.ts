// A tiny in-memory cluster for voter-core tests: instant, ordered delivery, a hand-driven clock.

import {
  createVoterState,
  type DurableState,
  type GroupSettings,
  stepVoter,
  type VoterEffect,
  type VoterEvent,
  type VoterInput,
  type VoterState,
} from '../../../workers/core/index.js';
import type {
  AgentId,
  AgentMessage,
  Config,
  NodeView,
  VoterMessage,
} from '../../../workers/protocol/index.js';
import { NODES, view } from '../node-views.js';

export const SETTINGS: GroupSettings = {
  name: 'mymaster',
  voters: 3,
  quorum: 2,
  initialMaster: '10.0.0.1:6379',
  downAfterMs: 1000,
  failoverTimeoutMs: 5000,
  fencing: true,
  leaseMs: 1000,
  clockDriftRatio: 0.01,
  restartGraceMs: 0,
  agentTtlMs: 60_000,
  freshObservationMs: 300,
  electionBackoffMs: 1000,
  parallelSyncs: 1,
  masterRebootDownAfterMs: 0,
};

export const AGENTS: readonly AgentId[] = ['a1', 'a2', 'a3'];

export { NODES, view };

export interface Delivery {
  readonly to: AgentId;
  readonly message: VoterMessage;
}

/** Voters wired together; messages to voters are delivered at once unless a voter is cut off. */
export class Cluster {
  voters: VoterState[];
  disk: (DurableState | null)[];
  nowMs = 0;
  cut = new Set<number>();
  toAgents: Delivery[] = [];
  events: VoterEvent[] = [];
  persists = 0;
  steps = 0;
  /** Crash this voter (restart from its disk) right after the given step number. */
  crashAt: { step: number; voter: number } | null = null;
  private seed = 1;

  constructor(readonly settings: GroupSettings = SETTINGS) {
    this.voters = [];
    this.disk = [];
    for (let i = 0; i < settings.voters; i++) {
      this.voters.push(createVoterState(settings, i, null, 0));
      this.disk.push(null);
    }
  }

  rng = () => {
    this.seed = (this.seed * 48271) % 2147483647;
    return this.seed / 2147483647;
  };

  step(i: number, input: VoterInput): void {
    if (this.cut.has(i)) return;
    const voter = this.voters[i];
    if (voter === undefined) throw new Error(`no voter ${i}`);
    const result = stepVoter(voter, input, { nowMs: this.nowMs, rng: this.rng, autoResponseAtMs: {} });
    this.voters[i] = result.state;
    this.steps++;
    const queue: [number, VoterInput][] = [];
    if (result.persist !== null) {
      this.disk[i] = result.persist;
      this.persists++;
    }
    for (const effect of result.effects) this.apply(i, effect, queue);
    if (this.crashAt !== null && this.steps === this.crashAt.step) this.restart(this.crashAt.voter);
    for (const [to, next] of queue) this.step(to, next);
  }

  /** A crash loses everything but the disk; the restarted voter's agents reconnect at once. */
  restart(i: number): void {
    this.voters[i] = createVoterState(this.settings, i, this.disk[i] ?? null, this.nowMs);
    this.restarted.push(i);
  }

  restarted: number[] = [];

  private apply(from: number, effect: VoterEffect, queue: [number, VoterInput][]): void {
    switch (effect.kind) {
      case 'send-peer':
        if (!this.cut.has(effect.to))
          queue.push([effect.to, { kind: 'peer-message', from, message: effect.message }]);
        return;
      case 'send-agent':
        this.toAgents.push({ to: effect.to, message: effect.message });
        return;
      case 'set-alarm':
        return;
      case 'emit':
        this.events.push(effect.event);
    }
  }

  /** Every voter hears from every agent: connected, hello, and the given views. */
  connectAgents(viewsFor: (agent: AgentId) => NodeView[]): void {
    for (let i = 0; i < this.voters.length; i++) {
      AGENTS.forEach((agentId, k) => {
        this.step(i, { kind: 'agent-connected', agentId });
        const localNode = NODES[k] ?? '';
        this.step(i, {
          kind: 'agent-message',
          agentId,
          message: {
            v: 1,
            kind: 'hello',
            agentId,
            group: 'mymaster',
            localNodes: [localNode],
            highestEpoch: 0,
            sentinel: null,
          },
        });
        this.observe(i, agentId, viewsFor(agentId), null);
      });
    }
  }

  private seq = 0;
  observe(i: number, agentId: AgentId, views: NodeView[], inReplyTo: string | null, highestEpoch = 0): void {
    this.seq++;
    this.step(i, {
      kind: 'agent-message',
      agentId,
      message: {
        v: 1,
        kind: 'observation',
        agentId,
        group: 'mymaster',
        seq: this.seq,
        highestEpoch,
        inReplyTo,
        views,
      },
    });
  }

  /** Advance the clock and fire every voter's alarm. */
  tick(ms: number): void {
    this.nowMs += ms;
    for (let i = 0; i < this.voters.length; i++) this.step(i, { kind: 'alarm' });
  }

  committed(i: number): Config {
    const v = this.voters[i];
    if (v === undefined) throw new Error(`no voter ${i}`);
    return v.durable.committed;
  }

  eventNames(): string[] {
    return this.events.map((e) => e.name);
  }
}

/**
 * One voter stepped by hand with agents' messages (hello, observations), at one instant: the
 * events it emits whose name `wanted` accepts, in order.
 */
export class EventDriver {
  readonly emitted: VoterEvent[] = [];
  private readonly seq: Record<string, number> = {};

  constructor(
    public state: VoterState,
    /** The highestEpoch the agents announce. */
    private readonly highestEpoch: number,
    private readonly wanted: (name: string) => boolean,
  ) {}

  step(input: VoterInput): void {
    const result = stepVoter(this.state, input, { nowMs: 1000, rng: () => 0.5, autoResponseAtMs: {} });
    this.state = result.state;
    for (const e of result.effects) {
      if (e.kind === 'emit' && this.wanted(e.event.name)) this.emitted.push(e.event);
    }
  }

  message(agentId: string, message: AgentMessage): void {
    this.step({ kind: 'agent-message', agentId, message });
  }

  connect(agentId: string, localNodes: string[]): void {
    this.step({ kind: 'agent-connected', agentId });
    this.message(agentId, {
      v: 1,
      kind: 'hello',
      agentId,
      group: SETTINGS.name,
      localNodes,
      highestEpoch: this.highestEpoch,
      sentinel: null,
    });
  }

  observe(agentId: string, views: NodeView[]): void {
    const seq = (this.seq[agentId] ?? 0) + 1;
    this.seq[agentId] = seq;
    this.message(agentId, {
      v: 1,
      kind: 'observation',
      agentId,
      group: SETTINGS.name,
      seq,
      highestEpoch: this.highestEpoch,
      inReplyTo: null,
      views,
    });
  }
}
