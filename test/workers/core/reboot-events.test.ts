// The voters' +reboot: the first live agent to report a node back with its dataset lost, once per restart.
import { describe, expect, it } from 'vitest';
import {
  createVoterState,
  stepVoter,
  type VoterInput,
  type VoterState,
} from '../../../workers/core/index.js';
import type { AgentMessage, NodeView } from '../../../workers/protocol/index.js';
import { NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];

function voter(): VoterState {
  const base = createVoterState(SETTINGS, 0, null, 0);
  return base;
}

class Driver {
  state = voter();
  seq: Record<string, number> = {};
  events: { line: string; reason: string }[] = [];
  step(input: VoterInput): void {
    const result = stepVoter(this.state, input, { nowMs: 1000, rng: () => 0.5, autoResponseAtMs: {} });
    this.state = result.state;
    for (const e of result.effects) {
      if (e.kind === 'emit' && e.event.name === '+reboot') {
        this.events.push({ line: `${e.event.name} ${e.event.payload}`, reason: e.event.reason });
      }
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
      highestEpoch: 0,
      sentinel: null,
    });
  }
  observe(agentId: string, views: NodeView[]): void {
    this.seq[agentId] = (this.seq[agentId] ?? 0) + 1;
    this.message(agentId, {
      v: 1,
      kind: 'observation',
      agentId,
      group: SETTINGS.name,
      seq: this.seq[agentId] ?? 1,
      highestEpoch: 0,
      inReplyTo: null,
      views,
    });
  }
}

const master = (rebooted: boolean) => view(M, { role: 'master', masterNode: null, rebooted });

describe('voter +reboot', () => {
  it('once per restart of the master, from the first agent that reports it, with why', () => {
    const d = new Driver();
    for (const [agent, node] of [
      ['a1', M],
      ['a2', R1],
      ['a3', R2],
    ] as const) {
      d.connect(agent, [node]);
      d.observe(agent, [master(false)]);
    }
    d.observe('a2', [master(true)]);
    d.observe('a1', [master(true)]);
    d.observe('a3', [master(true)]);
    expect(d.events.map((e) => e.line)).toEqual([`+reboot master mymaster ${M.replace(':', ' ')}`]);
    expect(d.events[0]?.reason).toBe(
      `agent a2 reports ${M} restarted with its dataset lost (a new run id, and no keys or under half of them)`,
    );
    // The marks cleared (a new config), then a second restart: a second event.
    for (const agent of ['a1', 'a2', 'a3']) d.observe(agent, [master(false)]);
    d.observe('a3', [master(true)]);
    expect(d.events).toHaveLength(2);
  });

  it('a replica back empty is named as a replica of the published master', () => {
    const d = new Driver();
    d.connect('a2', [R1]);
    d.observe('a2', [view(R1, { masterNode: M, rebooted: false })]);
    d.observe('a2', [view(R1, { masterNode: M, rebooted: true })]);
    expect(d.events.map((e) => e.line)).toEqual([
      `+reboot slave ${R1} ${R1.replace(':', ' ')} @ mymaster ${M.replace(':', ' ')}`,
    ]);
  });
});
