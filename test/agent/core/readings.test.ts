// Readings stepped together (stepAgentReadings): each handled in order, then one settle; nothing else is stepped with them.
import { describe, expect, it } from 'vitest';
import type { AgentState } from '../../../agent/core/agent-state.js';
import { isReading, stepAgent, stepAgentReadings } from '../../../agent/core/agent-step.js';
import { viewChanged } from '../../../agent/core/agent-views.js';
import type { AgentInput } from '../../../agent/core/types.js';
import type { NodeView } from '../../../workers/protocol/index.js';
import { A, B, C, config, Driver, info, ofKind, push, replicaOf, type World } from './helpers.js';

const world: World = { infos: { [A]: info(), [B]: replicaOf(A), [C]: replicaOf(A) } };

/** An agent of node A, master of an active config, with its three voters connected and a few rounds probed. */
function running(): Driver {
  const d = new Driver();
  for (let voter = 0; voter < 3; voter++) d.feed([{ kind: 'voter-connected', voter }], world);
  for (let voter = 0; voter < 3; voter++) d.feed([push(voter, config(1, A))], world);
  d.run(d.nowMs + 500, world);
  return d;
}

function oneByOne(state: AgentState, inputs: readonly AgentInput[], nowMs: number): AgentState {
  return inputs.reduce((s, input) => stepAgent(s, input, nowMs).state, state);
}

describe('stepAgentReadings', () => {
  it.each([
    ['tick', true],
    ['probe-result', true],
    ['info-result', true],
    ['lease-pong', true],
    ['voter-message', false],
    ['voter-connected', false],
    ['action-result', false],
    ['grant-request', false],
    ['grant-reply', false],
    ['fence-inherited', false],
  ] as const)('%s is a reading: %s', (kind, reading) => {
    expect(isReading({ kind } as AgentInput)).toBe(reading);
  });

  it('leaves the detectors, leases and reported views of stepping the same readings one by one', () => {
    const d = running();
    const at = d.nowMs + 50;
    const tick = stepAgent(d.state, { kind: 'tick' }, at);
    const answers: AgentInput[] = [
      ...ofKind(tick.effects, 'probe').map(
        (p): AgentInput => ({ kind: 'probe-result', node: p.node, sentAtMs: at, outcome: 'pong' }),
      ),
      { kind: 'lease-pong', voter: 0, pingSentAtMs: at - 40 },
      { kind: 'lease-pong', voter: 2, pingSentAtMs: at - 40 },
      { kind: 'info-result', node: B, info: replicaOf(A, { offsetBytes: 5000 }) },
    ];
    const together = stepAgentReadings(tick.state, answers, at + 2);
    const apart = oneByOne(tick.state, answers, at + 2);
    for (const node of [A, B, C]) {
      expect(together.state.nodes[node]?.detector).toEqual(apart.nodes[node]?.detector);
      expect(together.state.nodes[node]?.info).toEqual(apart.nodes[node]?.info);
    }
    expect(together.state.voters.map((v) => v.lease)).toEqual(apart.voters.map((v) => v.lease));
    // `reported` is what the voters were last sent: compare what a report would say, not offsets.
    for (const node of [A, B, C]) {
      expect(viewChanged(apart.reported?.[node], together.state.reported?.[node] as NodeView)).toBe(false);
    }
    expect(together.state.nodes[A]?.fenceSent).toEqual(apart.nodes[A]?.fenceSent);
    expect(together.reason).toContain('lease pong from voter 2');
  });

  it('settles once: a node that turns down and answers within the same readings is never reported down', () => {
    const d = running();
    // B stops answering just short of down-after; its probes time out meanwhile.
    const since = d.nowMs;
    d.run(since + 900, { ...world, down: new Set([B]) });
    expect(d.state.reported?.[B]?.sdown).toBe(false);
    const at = since + 1050;
    const readings: AgentInput[] = [
      { kind: 'tick' },
      { kind: 'probe-result', node: B, sentAtMs: at, outcome: 'timeout' },
      { kind: 'probe-result', node: B, sentAtMs: at, outcome: 'pong' },
    ];
    const events: string[] = [];
    readings.reduce((state, input) => {
      const r = stepAgent(state, input, at);
      events.push(...ofKind(r.effects, 'event').map((e) => e.name));
      return r.state;
    }, d.state);
    expect(events).toEqual(['+sdown', '-sdown']);
    const together = stepAgentReadings(d.state, readings, at);
    expect(ofKind(together.effects, 'event')).toEqual([]);
    expect(together.state.reported?.[B]?.sdown).toBe(false);
  });

  it('refuses to step anything but readings together, and an empty step', () => {
    const d = running();
    const mixed: AgentInput[] = [{ kind: 'tick' }, push(0, config(2, B))];
    expect(() => stepAgentReadings(d.state, mixed, d.nowMs)).toThrow(/invariant broken: only readings/);
    expect(() => stepAgentReadings(d.state, [], d.nowMs)).toThrow(/invariant broken/);
    // One input of any kind is an ordinary step.
    expect(stepAgentReadings(d.state, [push(0, config(2, B))], d.nowMs).persist).not.toBeNull();
  });
});
