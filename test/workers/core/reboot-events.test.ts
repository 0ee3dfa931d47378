// The voters' +reboot: the first live agent to report a node back with its dataset lost, once per restart.
import { describe, expect, it } from 'vitest';
import { createVoterState, type VoterState } from '../../../workers/core/index.js';
import { EventDriver, NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];

function voter(): VoterState {
  const base = createVoterState(SETTINGS, 0, null, 0);
  return base;
}

/** +reboot events as `<name> <payload>` lines with their reasons. */
class Driver extends EventDriver {
  constructor() {
    super(voter(), 0, (name) => name === '+reboot');
  }
  get events(): { line: string; reason: string }[] {
    return this.emitted.map((e) => ({ line: `${e.name} ${e.payload}`, reason: e.reason }));
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
