// Which agent speaks for which node (issue 14): a second claimant is refused and reported, never
// silently ranked; a group may declare the mapping; results about another agent's node are not stored.
import { describe, expect, it } from 'vitest';
import { ownAgentOf } from '../../../workers/core/detection.js';
import type { AgentId, NodeId } from '../../../workers/protocol/index.js';
import { AGENTS, Cluster, NODES, SETTINGS, view } from './harness.js';

const [N1, N2, N3] = NODES as [NodeId, NodeId, NodeId];

function hello(cluster: Cluster, voter: number, agentId: AgentId, localNodes: NodeId[]): void {
  cluster.step(voter, { kind: 'agent-connected', agentId });
  cluster.step(voter, {
    kind: 'agent-message',
    agentId,
    message: { v: 1, kind: 'hello', agentId, group: 'mymaster', localNodes, highestEpoch: 0, sentinel: null },
  });
}

const refusals = (cluster: Cluster) =>
  cluster.events.filter((e) => e.name === '-agent-claim-refused').map((e) => [e.payload, e.reason]);

describe('node claims', () => {
  it("refuses a second agent's claim on a node another agent holds, and keeps the holder as its agent", () => {
    const cluster = new Cluster();
    cluster.connectAgents(() => NODES.map((n) => view(n)));
    // "a0" sorts before "a3": before, the first live agent by id became 7003's agent.
    hello(cluster, 0, 'a0', [N3]);
    expect(refusals(cluster)).toEqual([
      ['a0 10.0.0.3:6379', "agent a0's claim refused: 10.0.0.3:6379 is agent a3's (connected)"],
    ]);
    const state = cluster.voters[0];
    if (state === undefined) throw new Error('no voter 0');
    expect(state.agents.a0?.localNodes).toEqual([]);
    expect(ownAgentOf(state, N3)?.agentId).toBe('a3');
  });

  it('still refuses while the holder is disconnected, and lets a new agent take the node once it is forgotten', () => {
    const cluster = new Cluster();
    cluster.connectAgents(() => NODES.map((n) => view(n)));
    cluster.step(0, { kind: 'agent-disconnected', agentId: 'a3' });
    hello(cluster, 0, 'db3-new', [N3]);
    expect(refusals(cluster)[0]?.[1]).toContain(
      "is agent a3's (disconnected, kept until agentTtlMs or a reset)",
    );
    cluster.tick(SETTINGS.agentTtlMs + 1);
    hello(cluster, 0, 'db3-new', [N3]);
    expect(cluster.voters[0]?.agents['db3-new']?.localNodes).toEqual([N3]);
  });

  it('an agent reconnecting under its own id keeps its node', () => {
    const cluster = new Cluster();
    cluster.connectAgents(() => NODES.map((n) => view(n)));
    cluster.step(0, { kind: 'agent-disconnected', agentId: 'a2' });
    hello(cluster, 0, 'a2', [N2]);
    expect(refusals(cluster)).toEqual([]);
    expect(cluster.voters[0]?.agents.a2?.localNodes).toEqual([N2]);
  });

  it('with agents declared in GROUPS, only the declared agent may claim a node, even first', () => {
    const cluster = new Cluster({ ...SETTINGS, agentNodes: { a1: [N1], a2: [N2], a3: [N3] } });
    hello(cluster, 0, 'a1', [N1, N2]);
    hello(cluster, 0, 'rogue', ['10.0.0.9:6379']);
    expect(refusals(cluster)).toEqual([
      [
        'a1 10.0.0.2:6379',
        "agent a1's claim refused: 10.0.0.2:6379 is declared for agent a2 (GROUPS agents)",
      ],
      [
        'rogue 10.0.0.9:6379',
        "agent rogue's claim refused: 10.0.0.9:6379 is not declared for any agent of mymaster (GROUPS agents)",
      ],
    ]);
    expect(cluster.voters[0]?.agents.a1?.localNodes).toEqual([N1]);
  });

  it('does not store a command result about a node the agent does not speak for', () => {
    const cluster = new Cluster();
    cluster.connectAgents(() => NODES.map((n) => view(n)));
    const before = cluster.events.length;
    const result = (agentId: AgentId, node: NodeId) =>
      cluster.step(0, {
        kind: 'agent-message',
        agentId,
        message: {
          v: 1,
          kind: 'command-result',
          agentId,
          group: 'mymaster',
          epoch: 0,
          node,
          action: 'promote',
          ok: true,
          detail: '',
        },
      });
    result('a1', N3);
    expect(cluster.events.slice(before).map((e) => e.name)).toEqual([]);
    result(AGENTS[2] ?? 'a3', N3);
    expect(cluster.events.slice(before).map((e) => e.name)).toEqual(['+promote-done']);
  });
});
