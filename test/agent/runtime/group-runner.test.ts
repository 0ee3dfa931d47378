// The group runner with fake ports: nothing of a step goes out before the state file holds it; no grant while it cannot hold its promise.
import { describe, expect, it } from 'vitest';
import type { AgentEffect, AgentInput, PersistedAgentState } from '../../../agent/core/index.js';
import { membershipOf } from '../../../agent/core/index.js';
import type { FencePort } from '../../../agent/runtime/fence-owner.js';
import { type AgentCore, REAL_AGENT_CORE, type VoterPort } from '../../../agent/runtime/group-ports.js';
import { GroupRunner } from '../../../agent/runtime/group-runner.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { AgentMetrics } from '../../../agent/runtime/metrics.js';
import type { Timers } from '../../../agent/runtime/timers.js';
import { A, B, C, config, push, settings } from '../core/helpers.js';

/** Timers that never fire: the test feeds every input itself. */
const stillTimers: Timers = { after: () => () => {}, every: () => () => {} };

const fence: FencePort = {
  configure: () => Promise.resolve(new Map()),
  set: () => {},
  fencedNow: () => true,
  applied: () => 'unknown',
  subscribe: () => {},
  close: () => {},
};

/** What went out to the voters, the executor and the event listeners. */
interface Outbound {
  readonly voters: string[];
  readonly executed: string[];
  readonly events: string[];
}

function recordingVoter(voter: number, out: Outbound): VoterPort {
  return {
    status: 'waiting',
    consecutiveAuthFailures: 0,
    start: () => {},
    send: (message) => out.voters.push(`${voter} ${message.kind}`),
    leasePing: () => out.voters.push(`${voter} lease-ping`),
    close: () => Promise.resolve(),
  };
}

function rig(core?: AgentCore, timers: Timers = stillTimers) {
  let nowMs = 1000;
  let diskFails = true;
  let writes = 0;
  const written: PersistedAgentState[] = [];
  const sent: AgentEffect[] = [];
  const out: Outbound = { voters: [], executed: [], events: [] };
  const metrics = new AgentMetrics({ defaultMetrics: false });
  const runner = new GroupRunner({
    core,
    settings: settings({ agentId: 'agent-b', localNodes: [B], failsafe: true, sentinel: null }),
    persisted: { highestEpoch: 1, config: config(1, A), holdUntilMs: null },
    clock: { nowMs: () => nowMs },
    timers,
    logger: silentLogger(),
    metrics,
    nodes: new Map(),
    executor: {
      execute: (node, epoch, action) => {
        out.executed.push(`${action.kind} ${node} at ${epoch}`);
        return Promise.resolve({ ok: true, detail: '' });
      },
      inFlight: () => [],
    },
    fence,
    store: {
      write: (state) => {
        writes++;
        if (diskFails) return Promise.reject(new Error('ENOSPC: no space left on device'));
        written.push(state);
        return Promise.resolve();
      },
    },
    openVoter: (voter) => recordingVoter(voter, out),
    openPeers: () => ({ request: () => {}, reply: (e) => sent.push(e), close: () => {} }),
    onEvent: (event) => out.events.push(`${event.name} ${event.payload}`),
    onFatal: (error) => {
      throw error;
    },
  });
  let seq = 0;
  const ask = async (atMs: number) => {
    nowMs = atMs;
    const input: AgentInput = {
      kind: 'grant-request',
      from: A,
      requestId: `r${++seq}`,
      epoch: 1,
      master: A,
      durationMs: 2000,
      membership: membershipOf([A, B, C]),
    };
    runner.enqueue(input);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const feed = async (input: AgentInput, atMs: number) => {
    nowMs = atMs;
    runner.enqueue(input);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    runner,
    written,
    sent,
    out,
    metrics,
    writes: () => writes,
    ask,
    feed,
    heal: () => {
      diskFails = false;
    },
    tick: async (atMs: number) => {
      nowMs = atMs;
      runner.enqueue({ kind: 'tick' });
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the group runner and the state file', () => {
  it('sends no grant whose hold could not be written, nor one within that unwritten horizon', async () => {
    const r = rig();
    // The first grant needs its hold on disk: the write fails three times, the grant is dropped.
    await r.ask(1000);
    expect(r.sent).toEqual([]);
    // The core now believes the horizon persisted; the next grant falls within it, and it is still
    // not durable: dropped too.
    await r.ask(1400);
    expect(r.sent).toEqual([]);
    // The disk recovers: the next tick writes the pending state, and grants go out again.
    r.heal();
    await r.tick(1500);
    expect(r.written.at(-1)?.holdUntilMs).toBeGreaterThan(1000 + 2000);
    await r.ask(1600);
    expect(r.sent).toMatchObject([{ kind: 'grant-reply', to: A, granted: true, durationMs: 2000 }]);
  });
});

describe('a step the state file does not hold', () => {
  it('sends, pings, executes and announces nothing of it, counts it, and goes out once the write lands', async () => {
    const r = rig();
    await r.feed({ kind: 'voter-connected', voter: 0 }, 1000);
    expect(r.out.voters).toEqual(['0 hello', '0 observation']);
    r.out.voters.length = 0;
    r.out.events.length = 0;
    // Epoch 2 makes B (this agent's node) master: persisted first, then a lease ping to the voter
    // that pushed it, and `+switch-master`. The write fails its three attempts.
    await r.feed(push(0, config(2, B)), 1100);
    expect(r.writes()).toBe(3);
    expect(r.out.voters).toEqual([]);
    expect(r.out.executed).toEqual([]);
    expect(r.out.events).toEqual([]);
    const failures = await r.metrics.stateWriteFailures.get();
    expect(failures.values).toMatchObject([{ labels: { group: 'g1' }, value: 1 }]);
    // The core stepped on; the write is retried on the next tick, and the next steps go out.
    r.heal();
    await r.feed({ kind: 'tick' }, 1150);
    expect(r.written.at(-1)).toMatchObject({ highestEpoch: 2, config: { epoch: 2, master: B } });
    await r.feed({ kind: 'voter-connected', voter: 1 }, 1160);
    await r.feed(push(1, config(2, B)), 1170);
    expect(r.out.voters).toEqual(['1 hello', '1 observation', '1 lease-ping']);
    // A durable step's event goes out: the core decides `+switch-master`, the shell publishes it.
    await r.feed(push(1, config(3, A)), 1180);
    expect(r.out.events).toContain('+switch-master g1 10.0.0.2 6379 10.0.0.1 6379');
  });
});

describe('inputs that only refresh (waitsForTick)', () => {
  /** The real core, recording each step's input and what waited for it. */
  function recordingCore(steps: string[]): AgentCore {
    return {
      ...REAL_AGENT_CORE,
      stepAgent: (state, input, nowMs, waited) => {
        const kinds = waited.map((w) => `${w.input.kind}@${w.atMs}`);
        steps.push(kinds.length === 0 ? input.kind : `${input.kind} after ${kinds.join(' ')}`);
        return REAL_AGENT_CORE.stepAgent(state, input, nowMs, waited);
      },
    };
  }
  const pong = (node: string, sentAtMs: number): AgentInput => ({
    kind: 'probe-result',
    node,
    sentAtMs,
    outcome: 'pong',
  });

  it('wait for the next step, in arrival order and at their arrival times, and a step of any other input takes them first', async () => {
    const steps: string[] = [];
    const r = rig(recordingCore(steps));
    r.heal();
    await r.tick(1000);
    await r.feed(pong(A, 1000), 1001);
    await r.tick(1100);
    steps.length = 0;
    // A repeated PONG: held (the pump ends without a step), then the tick takes it.
    await r.feed(pong(A, 1100), 1102);
    expect(steps).toEqual([]);
    await r.tick(1150);
    expect(steps).toEqual(['tick after probe-result@1102']);
    expect(r.runner.current.nodes[A]?.detector.lastValidReplyMs).toBe(1102);
    // A held answer goes before an input that came after it.
    await r.tick(1200);
    await r.feed(pong(A, 1200), 1201);
    await r.feed({ kind: 'voter-connected', voter: 0 }, 1203);
    expect(steps.slice(-1)).toEqual(['voter-connected after probe-result@1201']);
    // A failure is never held.
    await r.tick(1300);
    await r.feed({ kind: 'probe-result', node: A, sentAtMs: 1300, outcome: 'timeout' }, 1800);
    expect(steps.slice(-1)).toEqual(['probe-result']);
  });
});

describe("a wake-up between ticks (the step's wakeAtMs)", () => {
  it('arms one timer for the earliest SDOWN due before the next tick, and ticks when it fires', async () => {
    const armed: { ms: number; fn: () => void }[] = [];
    const timers: Timers = {
      after: (ms, fn) => {
        armed.push({ ms, fn });
        return () => {};
      },
      every: () => () => {},
    };
    const steps: string[] = [];
    const r = rig(
      {
        ...REAL_AGENT_CORE,
        stepAgent: (state, input, nowMs, waited) => {
          steps.push(`${input.kind}@${nowMs}`);
          return REAL_AGENT_CORE.stepAgent(state, input, nowMs, waited);
        },
      },
      timers,
    );
    r.heal();
    // Every node was last heard at 1000 (its creation): SDOWN may come at 2000, a down-after later.
    await r.tick(1500);
    expect(armed).toEqual([]);
    await r.tick(1950);
    expect(armed.map((a) => a.ms)).toEqual([50]);
    // A later step asking for the same time arms nothing more.
    await r.tick(1960);
    expect(armed.length).toBe(1);
    steps.length = 0;
    armed[0]?.fn();
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['tick@1960']);
  });
});
