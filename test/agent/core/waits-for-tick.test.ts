// Which inputs may wait for the next step (waitsForTick), that waiting changes no deadline, and the tick cadence and wake-ups.
import { describe, expect, it } from 'vitest';
import { dueNow, nextWakeMs, tickPeriodMs } from '../../../agent/core/agent-schedule.js';
import { stepAgent, waitsForTick } from '../../../agent/core/agent-step.js';
import { currentLeaseValidUntil } from '../../../agent/core/agent-views.js';
import type { AgentInput } from '../../../agent/core/types.js';
import { A, B, C, config, Driver, info, ofKind, push, replicaOf, settings } from './helpers.js';

const pong = (node: string, sentAtMs: number): AgentInput => ({
  kind: 'probe-result',
  node,
  sentAtMs,
  outcome: 'pong',
});

/** The configured master's agent with its lease held by all three voters, renewed at `renewedAtMs`. */
function leasedMaster(renewedAtMs: number): Driver {
  const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
  d.step({ kind: 'info-result', node: A, info: info() }, 1000);
  for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, 1000);
  for (const voter of [0, 1, 2]) d.step(push(voter, config(1, A)), 1000);
  for (const voter of [0, 1, 2])
    d.step({ kind: 'lease-pong', voter, pingSentAtMs: renewedAtMs }, renewedAtMs);
  return d;
}

describe('probe results that wait for the next tick', () => {
  it('a valid answer repeating the last one waits; the first answer, a failure, and a change do not', () => {
    const d = new Driver(settings(), null, 1000);
    d.step({ kind: 'tick' }, 1000);
    // The first answer of a node is news: it steps at once.
    expect(waitsForTick(d.state, pong(A, 1000), 1001)).toBe(false);
    d.step(pong(A, 1000), 1001);
    d.step({ kind: 'tick' }, 1100);
    expect(waitsForTick(d.state, pong(A, 1100), 1101)).toBe(true);
    // A failure may be the fresh failed probe SDOWN waits for: never held.
    expect(
      waitsForTick(d.state, { kind: 'probe-result', node: A, sentAtMs: 1100, outcome: 'timeout' }, 1600),
    ).toBe(false);
    // LOADING after PONG: the node restarted.
    const loading: AgentInput = { kind: 'probe-result', node: A, sentAtMs: 1100, outcome: 'loading' };
    expect(waitsForTick(d.state, loading, 1101)).toBe(false);
    d.step({ kind: 'probe-result', node: A, sentAtMs: 1100, outcome: 'error' }, 1101);
    d.step({ kind: 'tick' }, 1200);
    // Answering again after a failure asks INFO at once (a restart may have emptied it).
    expect(waitsForTick(d.state, pong(A, 1200), 1201)).toBe(false);
    const again = d.step(pong(A, 1200), 1201);
    expect(ofKind(again, 'info').map((e) => e.node)).toEqual([A]);
  });

  it('a node whose restart waits to be judged is not held: its PONG asks INFO at once', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'tick' }, 1000);
    d.step(pong(A, 1000), 1001);
    d.step({ kind: 'info-result', node: A, info: info({ keys: 100 }) }, 1002);
    // Restarted and loading: the dataset is judged at its first PONG.
    d.step({ kind: 'tick' }, 1100);
    d.step({ kind: 'probe-result', node: A, sentAtMs: 1100, outcome: 'loading' }, 1101);
    d.step({ kind: 'info-result', node: A, info: info({ runId: 'run-2', keys: 0 }) }, 1102);
    expect(d.state.nodes[A]?.rebootBaseline).not.toBeNull();
    d.step({ kind: 'tick' }, 1200);
    // Still loading: nothing new, it may wait.
    const loading: AgentInput = { kind: 'probe-result', node: A, sentAtMs: 1200, outcome: 'loading' };
    expect(waitsForTick(d.state, loading, 1201)).toBe(true);
    expect(waitsForTick(d.state, pong(A, 1200), 1201)).toBe(false);
    expect(ofKind(d.step(pong(A, 1200), 1201), 'info').map((e) => e.node)).toEqual([A]);
  });

  it('a held answer counts from when it arrived, not from when the tick applied it', () => {
    const d = new Driver(settings(), null, 1000);
    d.step({ kind: 'tick' }, 1000);
    d.step(pong(A, 1000), 1001);
    d.step({ kind: 'tick' }, 1100);
    const held = { input: pong(A, 1100), atMs: 1102 };
    const result = stepAgent(d.state, { kind: 'tick' }, 1150, [held]);
    expect(result.state.nodes[A]?.detector.lastValidReplyMs).toBe(1102);
    expect(result.state.nodes[A]?.detector.outstandingSentAtMs).toBeNull();
  });

  it('held answers then a tick end where stepping each at its arrival ends', () => {
    const world = { infos: { [A]: info(), [B]: replicaOf(A), [C]: replicaOf(A) } };
    const one = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    one.feed([{ kind: 'tick' }], world, 1000);
    one.step({ kind: 'tick' }, 1100);
    const batched = stepAgent(
      one.state,
      { kind: 'tick' },
      1150,
      [A, B, C].map((node, i) => ({ input: pong(node, 1100), atMs: 1101 + i })),
    );
    [A, B, C].forEach((node, i) => {
      one.step(pong(node, 1100), 1101 + i);
    });
    one.step({ kind: 'tick' }, 1150);
    expect(batched.state.nodes).toEqual(one.state.nodes);
    expect(batched.state.reported).toEqual(one.state.reported);
  });
});

describe('lease pongs that wait for the next tick', () => {
  it('wait only while the lease has more than half of it to run', () => {
    const d = leasedMaster(1000);
    const until = currentLeaseValidUntil(d.state);
    expect(until).toBe(1000 + 1980);
    const next: AgentInput = { kind: 'lease-pong', voter: 0, pingSentAtMs: 1200 };
    expect(waitsForTick(d.state, next, 1200)).toBe(true);
    // Less than half the lease left: a renewal may be what keeps the node writable.
    expect(waitsForTick(d.state, next, 1000 + 1980 - 999)).toBe(false);
    expect(waitsForTick(d.state, next, 3000)).toBe(false);
  });

  it('never wait while there is no lease: the pong that grants it unfences at once', () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'info-result', node: A, info: info() }, 1000);
    for (const voter of [0, 1, 2]) d.step({ kind: 'voter-connected', voter }, 1000);
    for (const voter of [0, 1, 2]) d.step(push(voter, config(1, A)), 1000);
    expect(waitsForTick(d.state, { kind: 'lease-pong', voter: 0, pingSentAtMs: 1000 }, 1005)).toBe(false);
  });
});

describe('ticks: one per probe period, and a wake-up for SDOWN between them', () => {
  it('ticks at the shorter of the probe and INFO periods; a probe goes out at a tick up to a quarter tick early', () => {
    const s = settings();
    expect(tickPeriodMs(s)).toBe(100);
    expect(tickPeriodMs({ probeIntervalMs: 400, infoIntervalMs: 200 })).toBe(200);
    expect(dueNow(s, null, 1000, 100)).toBe(true);
    expect(dueNow(s, 1000, 1074, 100)).toBe(false);
    expect(dueNow(s, 1000, 1075, 100)).toBe(true);
  });

  it('asks to be woken when a node would turn SDOWN before the next tick, and not for a node already down', () => {
    const world = { infos: { [A]: info(), [B]: replicaOf(A), [C]: replicaOf(A) } };
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.feed([{ kind: 'tick' }], world, 1000);
    // Every node answered at 1000: the earliest SDOWN by time alone is a down-after period later.
    expect(nextWakeMs(d.state, 1000)).toBe(1000 + 1000);
    // B stops answering: its probe at 1100 is outstanding, timing out at 1600.
    d.step({ kind: 'tick' }, 1100);
    for (const node of [A, C]) d.step({ kind: 'probe-result', node, sentAtMs: 1100, outcome: 'pong' }, 1101);
    expect(nextWakeMs(d.state, 1101)).toBe(1100 + 500);
    d.step({ kind: 'probe-result', node: B, sentAtMs: 1100, outcome: 'error' }, 1102);
    const result = stepAgent(d.state, { kind: 'tick' }, 1950);
    expect(result.wakeAtMs).toBe(2000);
    const down = stepAgent(
      result.state,
      { kind: 'probe-result', node: B, sentAtMs: 1950, outcome: 'error' },
      2000,
    );
    expect(down.state.reported?.[B]?.sdown).toBe(true);
    // B is down now; A and C answered at 1101: their own deadlines remain.
    expect(down.wakeAtMs).toBe(1101 + 1000);
  });
});
