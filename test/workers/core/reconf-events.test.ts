// The voters' +slave-reconf-sent/-inprog/-done: from each replica's own agent, only for a move to the committed master.
import { describe, expect, it } from 'vitest';
import { createVoterState, type VoterState } from '../../../workers/core/index.js';
import type { Config } from '../../../workers/protocol/index.js';
import { EventDriver, NODES, SETTINGS, view } from './harness.js';

const [OLD, NEW, R] = NODES as [string, string, string];
const NEW_CONFIG: Config = {
  epoch: 3,
  master: NEW,
  state: 'active',
  previousMaster: OLD,
  cause: 'failover',
  leader: 0,
};

function voter(): VoterState {
  const base = createVoterState(SETTINGS, 0, null, 0);
  const durable = {
    ...base.durable,
    committed: NEW_CONFIG,
    published: NEW_CONFIG,
    accepted: NEW_CONFIG,
    promisedEpoch: 3,
  };
  return { ...base, durable };
}

/** +slave-reconf-* events as `<name> <payload>` lines. */
class Driver extends EventDriver {
  constructor() {
    super(voter(), 3, (name) => name.startsWith('+slave-reconf'));
  }
  get events(): string[] {
    return this.emitted.map((e) => `${e.name} ${e.payload}`);
  }
}

const onOld = view(R, { masterNode: OLD, linkUp: false });
const syncing = view(R, { masterNode: NEW, linkUp: false });
const done = view(R, { masterNode: NEW, linkUp: true });
const payload = `slave ${R} 10.0.0.3 6379 @ mymaster 10.0.0.2 6379`;

describe('voter reconf events', () => {
  it('sent on the repoint result, inprog when the own agent shows the new master, done when the link is up', () => {
    const d = new Driver();
    d.connect('a3', [R]);
    d.observe('a3', [onOld]);
    d.message('a3', {
      v: 1,
      kind: 'command-result',
      agentId: 'a3',
      group: SETTINGS.name,
      epoch: 3,
      node: R,
      action: 'repoint',
      ok: true,
      detail: 'OK',
    });
    d.observe('a3', [syncing]);
    d.observe('a3', [done]);
    expect(d.events).toEqual([
      `+slave-reconf-sent ${payload}`,
      `+slave-reconf-inprog ${payload}`,
      `+slave-reconf-done ${payload}`,
    ]);
    expect(d.state.reconfInProgress).toBeNull();
  });

  it('a sync already over at the next look gives inprog and done together', () => {
    const d = new Driver();
    d.connect('a3', [R]);
    d.observe('a3', [onOld]);
    d.observe('a3', [done]);
    expect(d.events).toEqual([`+slave-reconf-inprog ${payload}`, `+slave-reconf-done ${payload}`]);
  });

  it('a link that drops and comes back is not a reconfiguration; another agent view of the node does not count', () => {
    const d = new Driver();
    d.connect('a3', [R]);
    d.connect('a1', [OLD]);
    d.observe('a3', [done]);
    d.observe('a3', [syncing]);
    d.observe('a3', [done]);
    d.observe('a1', [onOld]);
    d.observe('a1', [done]);
    expect(d.events).toEqual([]);
  });

  it('a failed repoint, or one at an older epoch, is not reported as sent', () => {
    const d = new Driver();
    d.connect('a3', [R]);
    const result = {
      v: 1,
      kind: 'command-result',
      agentId: 'a3',
      group: SETTINGS.name,
      node: R,
      action: 'repoint',
      detail: '',
    } as const;
    d.message('a3', { ...result, epoch: 3, ok: false });
    d.message('a3', { ...result, epoch: 2, ok: true });
    expect(d.events).toEqual([]);
  });
});
