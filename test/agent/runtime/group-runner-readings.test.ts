// The group runner steps the readings of one turn together and every other input alone, in arrival order; a stop steps what is still waiting.
import { describe, expect, it } from 'vitest';
import type { AgentInput } from '../../../agent/core/index.js';
import type { FencePort } from '../../../agent/runtime/fence-owner.js';
import { type AgentCore, REAL_AGENT_CORE } from '../../../agent/runtime/group-ports.js';
import { GroupRunner } from '../../../agent/runtime/group-runner.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { AgentMetrics } from '../../../agent/runtime/metrics.js';
import type { Timers } from '../../../agent/runtime/timers.js';
import { A, B, C, config, push, settings } from '../core/helpers.js';

const stillTimers: Timers = { after: () => () => {}, every: () => () => {} };

const fence: FencePort = {
  configure: () => Promise.resolve(new Map()),
  set: () => {},
  fencedNow: () => false,
  applied: () => 'unknown',
  subscribe: () => {},
  close: () => {},
};

/** A runner on the real core whose steps are recorded, and whose end-of-turn the test runs by hand. */
function rig(options: { readonly deferred: boolean; readonly batching?: boolean }) {
  const steps: string[][] = [];
  const turnEnds: (() => void)[] = [];
  const core: AgentCore = {
    createAgentState: REAL_AGENT_CORE.createAgentState,
    stepAgent: (state, input, nowMs) => {
      steps.push([input.kind]);
      return REAL_AGENT_CORE.stepAgent(state, input, nowMs);
    },
    ...(options.batching === false
      ? {}
      : {
          stepAgentReadings: (state, readings, nowMs) => {
            steps.push(readings.map((r) => r.kind));
            return REAL_AGENT_CORE.stepAgentReadings?.(state, readings, nowMs) as never;
          },
        }),
  };
  const runner = new GroupRunner({
    core,
    settings: settings(),
    persisted: null,
    clock: { nowMs: () => 1000 },
    timers: stillTimers,
    ...(options.deferred ? { defer: (fn: () => void) => turnEnds.push(fn) } : {}),
    logger: silentLogger(),
    metrics: new AgentMetrics({ defaultMetrics: false }),
    nodes: new Map(),
    executor: { execute: () => Promise.resolve({ ok: true, detail: '' }), inFlight: () => [] },
    fence,
    store: { write: () => Promise.resolve() },
    openVoter: () => ({
      status: 'waiting',
      consecutiveAuthFailures: 0,
      start: () => {},
      send: () => {},
      leasePing: () => {},
      close: () => Promise.resolve(),
    }),
    openPeers: () => null,
    onEvent: () => {},
    onFatal: (error) => {
      throw error;
    },
  });
  const endTurn = async () => {
    for (const fn of turnEnds.splice(0)) fn();
    // Let the pump's awaits (the state file's write of a config) run.
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { runner, steps, endTurn, turnEnds };
}

const turn: AgentInput[] = [
  { kind: 'probe-result', node: A, sentAtMs: 990, outcome: 'pong' },
  { kind: 'probe-result', node: B, sentAtMs: 990, outcome: 'pong' },
  push(0, config(1, A)),
  { kind: 'lease-pong', voter: 0, pingSentAtMs: 990 },
  { kind: 'probe-result', node: C, sentAtMs: 990, outcome: 'pong' },
];

describe('GroupRunner and readings', () => {
  it('steps the readings of one turn together and any other input alone, in arrival order', async () => {
    const { runner, steps, endTurn } = rig({ deferred: true });
    for (const input of turn) runner.enqueue(input);
    expect(steps).toEqual([]);
    await endTurn();
    expect(steps).toEqual([
      ['probe-result', 'probe-result'],
      ['voter-message'],
      ['lease-pong', 'probe-result'],
    ]);
    expect(runner.current.config?.epoch).toBe(1);
  });

  it('without a defer steps an input as it arrives (readings queued meanwhile still go together)', () => {
    const { runner, steps } = rig({ deferred: false });
    runner.enqueue({ kind: 'tick' });
    expect(steps).toEqual([['tick']]);
  });

  it('steps one input at a time with a core that cannot step readings together', async () => {
    const { runner, steps, endTurn } = rig({ deferred: true, batching: false });
    for (const input of turn) runner.enqueue(input);
    await endTurn();
    expect(steps).toEqual(turn.map((input) => [input.kind]));
  });

  it('steps the inputs a pump still waits for when the group stops', async () => {
    const { runner, steps, turnEnds } = rig({ deferred: true });
    runner.enqueue(push(0, config(1, A)));
    await runner.stop(0);
    expect(steps).toEqual([['voter-message']]);
    expect(runner.current.config?.epoch).toBe(1);
    // The end of the turn comes later and finds nothing left.
    for (const fn of turnEnds.splice(0)) fn();
    expect(steps).toHaveLength(1);
  });
});
