// Shared builders for the agent core tests: settings, INFO, views, configs and a small driver.
import { expect } from 'vitest';
import type { AgentState } from '../../../agent/core/agent-state.js';
import { createAgentState } from '../../../agent/core/agent-state.js';
import { stepAgent } from '../../../agent/core/agent-step.js';
import type {
  AgentEffect,
  AgentInput,
  AgentSettings,
  NodeInfo,
  PersistedAgentState,
} from '../../../agent/core/types.js';
import type { AgentMessage, Config, NodeView, VoterMessage } from '../../../workers/protocol/index.js';

export const A = '10.0.0.1:6379';
export const B = '10.0.0.2:6379';
export const C = '10.0.0.3:6379';

export function settings(overrides: Partial<AgentSettings> = {}): AgentSettings {
  return {
    agentId: 'agent-a',
    group: 'g1',
    localNodes: [A],
    nodes: [A, B, C],
    voterCount: 3,
    probeIntervalMs: 100,
    probeTimeoutMs: 500,
    infoIntervalMs: 1000,
    downAfterMs: 1000,
    roleGraceMs: 3000,
    fencing: true,
    // Off unless a test is about it: with it on, the master's agent also asks its peers for grants.
    failsafe: false,
    leaseMs: 2000,
    clockDriftRatio: 0.01,
    stallThresholdMs: 500,
    handoffTimeoutMs: 5000,
    sentinel: { host: '10.0.0.1', port: 26379 },
    ...overrides,
  };
}

export function info(overrides: Partial<NodeInfo> = {}): NodeInfo {
  return {
    role: 'master',
    masterNode: null,
    linkUp: false,
    linkDownMs: 0,
    offsetBytes: 1000,
    runId: 'run-1',
    priority: 100,
    keys: 100,
    fenced: false,
    ...overrides,
  };
}

export function replicaOf(master: string, overrides: Partial<NodeInfo> = {}): NodeInfo {
  return info({ role: 'replica', masterNode: master, linkUp: true, ...overrides });
}

export function view(overrides: Partial<NodeView> = {}): NodeView {
  return {
    node: A,
    sdown: false,
    role: 'replica',
    masterNode: B,
    linkUp: true,
    linkDownMs: 0,
    offsetBytes: 0,
    runId: 'run-1',
    priority: 100,
    rebooted: false,
    fenced: false,
    ...overrides,
  };
}

export function config(epoch: number, master: string, overrides: Partial<Config> = {}): Config {
  return { epoch, master, state: 'active', previousMaster: null, cause: 'failover', leader: 0, ...overrides };
}

export function push(voter: number, cfg: Config): AgentInput {
  const message: VoterMessage = { v: 1, kind: 'config', group: 'g1', voter, config: cfg };
  return { kind: 'voter-message', voter, message };
}

export function epochNotice(voter: number, epoch: number): AgentInput {
  return { kind: 'voter-message', voter, message: { v: 1, kind: 'epoch', group: 'g1', voter, epoch } };
}

/** A step's effect, or its `persist` listed first: the order the shell carries them out in. */
export type StepEffect = AgentEffect | ({ readonly kind: 'persist' } & PersistedAgentState);

/** Drives the core like a shell would, keeping every effect and reason for assertions. */
export class Driver {
  state: AgentState;
  nowMs: number;
  readonly log: { input: AgentInput; effects: readonly StepEffect[]; reason: string }[] = [];

  constructor(
    s: AgentSettings = settings(),
    persisted: { highestEpoch: number; config: Config | null; holdUntilMs?: number | null } | null = null,
    nowMs = 1000,
  ) {
    this.state = createAgentState(s, persisted === null ? null : { holdUntilMs: null, ...persisted }, nowMs);
    this.nowMs = nowMs;
  }

  step(input: AgentInput, atMs: number = this.nowMs): readonly StepEffect[] {
    this.nowMs = atMs;
    const result = stepAgent(this.state, input, atMs);
    this.state = result.state;
    const persist: StepEffect[] = result.persist === null ? [] : [{ kind: 'persist', ...result.persist }];
    const effects = [...persist, ...result.effects];
    this.log.push({ input, effects, reason: result.reason });
    expect(result.reason.length).toBeGreaterThan(0);
    return effects;
  }

  lastReason(): string {
    return this.log[this.log.length - 1]?.reason ?? '';
  }

  /** Ticks every `everyMs` until `untilMs`, letting `world` answer probes, INFO and actions. */
  run(untilMs: number, world: World, everyMs = 50): StepEffect[] {
    const all: StepEffect[] = [];
    while (this.nowMs + everyMs <= untilMs) {
      this.feed([{ kind: 'tick' }], world, this.nowMs + everyMs, all);
    }
    return all;
  }

  /** Feed inputs at `atMs`, then answer every probe, INFO and execute they cause, recursively. */
  feed(
    inputs: readonly AgentInput[],
    world: World,
    atMs: number = this.nowMs,
    into: StepEffect[] = [],
  ): StepEffect[] {
    const queue = [...inputs];
    for (let guard = 0; queue.length > 0 && guard < 1000; guard++) {
      const input = queue.shift();
      if (input === undefined) break;
      for (const effect of this.step(input, atMs)) {
        into.push(effect);
        queue.push(...answer(effect, world, atMs));
      }
    }
    return into;
  }
}

/** A tiny fake of the nodes: INFO answers, probe outcomes, and actions applied to the INFO. */
export interface World {
  readonly infos: Record<string, NodeInfo>;
  readonly down?: ReadonlySet<string>;
}

function answer(effect: StepEffect, world: World, at: number): AgentInput[] {
  const down = world.down?.has('node' in effect ? effect.node : '') ?? false;
  switch (effect.kind) {
    case 'probe':
      return [{ kind: 'probe-result', node: effect.node, sentAtMs: at, outcome: down ? 'timeout' : 'pong' }];
    case 'info':
      return [
        { kind: 'info-result', node: effect.node, info: down ? null : (world.infos[effect.node] ?? null) },
      ];
    case 'execute': {
      const current = world.infos[effect.node] ?? info();
      const action = effect.action;
      switch (action.kind) {
        case 'promote':
          world.infos[effect.node] = { ...current, role: 'master', masterNode: null, linkUp: false };
          break;
        case 'repoint':
        case 'demote':
          world.infos[effect.node] = { ...current, role: 'replica', masterNode: action.master, linkUp: true };
          break;
        case 'handoff':
          world.infos[effect.node] = { ...current, role: 'replica', masterNode: action.to, linkUp: true };
          break;
      }
      return [
        { kind: 'action-result', node: effect.node, epoch: effect.epoch, action, ok: true, detail: 'OK' },
      ];
    }
    default:
      return [];
  }
}

export function sends(effects: readonly StepEffect[], voter?: number): AgentMessage[] {
  return effects.flatMap((e) =>
    e.kind === 'send' && (voter === undefined || e.voter === voter) ? [e.message] : [],
  );
}

export function ofKind<K extends StepEffect['kind']>(
  effects: readonly StepEffect[],
  kind: K,
): Extract<StepEffect, { kind: K }>[] {
  return effects.filter((e): e is Extract<StepEffect, { kind: K }> => e.kind === kind);
}
