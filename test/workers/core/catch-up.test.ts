// A voter that missed a commit learns it from its peers once an agent reports the newer epoch.
import { describe, expect, it } from 'vitest';
import { AGENTS, Cluster, NODES, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];
const healthy = () => [view(M), view(R1), view(R2)];

/** Voter 2 is cut off while an operator's failover commits at voters 0 and 1. */
function clusterWithVoterBehind(): Cluster {
  const c = new Cluster();
  c.connectAgents(healthy);
  c.cut.add(2);
  c.step(0, { kind: 'admin', action: { kind: 'failover', target: R1 } });
  for (let t = 0; t < 20; t++) {
    c.tick(100);
    for (const d of c.toAgents.splice(0)) {
      if (d.message.kind === 'observe') c.observe(d.message.voter, d.to, healthy(), d.message.requestId);
    }
  }
  c.cut.delete(2);
  return c;
}

describe('catching up from peers', () => {
  it('asks the peers when an agent reports an epoch above its committed one, and learns it', () => {
    const c = clusterWithVoterBehind();
    const epoch = c.committed(0).epoch;
    expect(epoch).toBeGreaterThan(0);
    expect(c.committed(0).master).toBe(R1);
    expect(c.committed(2).epoch).toBe(0);

    c.observe(2, AGENTS[1] ?? '', healthy(), null, epoch);
    expect(c.committed(2)).toEqual(c.committed(0));
  });

  it('asks nothing while agents report no newer epoch', () => {
    const c = clusterWithVoterBehind();
    c.observe(2, AGENTS[1] ?? '', healthy(), null, 0);
    expect(c.committed(2).epoch).toBe(0);
  });

  it('a hello carrying the newer epoch (an agent reconnecting) is enough', () => {
    const c = clusterWithVoterBehind();
    const epoch = c.committed(0).epoch;
    c.step(2, {
      kind: 'agent-message',
      agentId: AGENTS[2] ?? '',
      message: {
        v: 1,
        kind: 'hello',
        agentId: AGENTS[2] ?? '',
        group: 'mymaster',
        localNodes: [R2],
        highestEpoch: epoch,
        sentinel: null,
      },
    });
    expect(c.committed(2)).toEqual(c.committed(0));
  });
});
