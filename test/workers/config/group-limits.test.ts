// [vars.GROUPS] messages a newcomer can act on: the allowed voter counts, and a quorum no set of the group's agents can reach.
import { describe, expect, it } from 'vitest';
import { parseGroups } from '../../../workers/config/load.js';

const NODES = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];
const group = (fields: Record<string, unknown>) => ({ mymaster: { master: NODES[0], quorum: 2, ...fields } });
const issues = (fields: Record<string, unknown>) => {
  const loaded = parseGroups(group(fields));
  return loaded.ok ? [] : loaded.issues;
};

describe('voters', () => {
  it.each([0, 2, 4, 6, '3'])('voters = %j lists the allowed values', (voters) => {
    expect(issues({ voters })).toEqual([
      `GROUPS.mymaster.voters: expected 1, 3 or 5 voters, got ${JSON.stringify(voters)}`,
    ]);
  });

  it.each([1, 3, 5])('voters = %j is accepted', (voters) => {
    expect(issues({ voters, quorum: 1 })).toEqual([]);
  });
});

describe('quorum against the group nodes', () => {
  it('refuses a quorum larger than the nodes listed', () => {
    expect(issues({ nodes: NODES, quorum: 7 })).toEqual([
      'GROUPS.mymaster.quorum: quorum 7 is larger than the 3 node(s) in nodes: no failover could ever start (at most 3)',
    ]);
  });

  it('accepts a quorum up to the number of nodes, whatever the number of voters', () => {
    expect(issues({ nodes: NODES, quorum: 3 })).toEqual([]);
    // The quorum counts agents, not voters: one voter over three nodes with quorum 2 is the demo's setting.
    expect(issues({ nodes: NODES, quorum: 2, voters: 1 })).toEqual([]);
  });

  it('without nodes only the quorum range is checked (agents register themselves)', () => {
    expect(issues({ quorum: 7 })).toEqual([]);
  });

  it('wants the master among the nodes, each once', () => {
    expect(issues({ nodes: NODES.slice(1), quorum: 2 })).toEqual([
      'GROUPS.mymaster.nodes: the master 127.0.0.1:7001 is not in nodes',
    ]);
    expect(issues({ nodes: [...NODES, NODES[1]], quorum: 2 })).toEqual([
      'GROUPS.mymaster.nodes.3: 127.0.0.1:7002 is listed twice',
    ]);
  });
});

describe('agents: which agent speaks for which node', () => {
  it('accepts one agent per node and passes the mapping to the voters', () => {
    const agents = { 'agent-a': [NODES[0]], 'agent-b': [NODES[1]], 'agent-c': [NODES[2]] };
    const loaded = parseGroups(group({ nodes: NODES, agents }));
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.groups.get('mymaster')?.settings.agentNodes).toEqual(agents);
  });

  it('refuses a node declared for two agents, and one outside nodes', () => {
    expect(issues({ nodes: NODES, agents: { 'agent-a': [NODES[0]], 'agent-b': [NODES[0]] } })).toEqual([
      'GROUPS.mymaster.agents.agent-b.0: 127.0.0.1:7001 is declared for agents agent-a and agent-b: one agent speaks for a node',
    ]);
    expect(issues({ nodes: NODES, agents: { 'agent-a': ['127.0.0.1:7009'] } })).toEqual([
      'GROUPS.mymaster.agents.agent-a.0: 127.0.0.1:7009 is not in nodes',
    ]);
  });
});
