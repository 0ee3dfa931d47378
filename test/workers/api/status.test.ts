// buildStatus: one group status from the voters' answers (agents merged, replicas from their own agents).
import { describe, expect, it } from 'vitest';
import { buildStatus } from '../../../workers/api/status.js';
import { parseGroups } from '../../../workers/config/load.js';
import { initialConfig, type NodeView } from '../../../workers/protocol/index.js';
import type { AgentStatus, VoterStatus } from '../../../workers/voter/contract.js';

const loaded = parseGroups({ g: { master: 'a:1', quorum: 2 } });
if (!loaded.ok) throw new Error(loaded.error);
const group = loaded.groups.get('g');
if (group === undefined) throw new Error('no group g');

function view(node: string, role: NodeView['role'], sdown = false, offsetBytes = 100): NodeView {
  return {
    node,
    sdown,
    role,
    masterNode: role === 'replica' ? 'a:1' : null,
    linkUp: !sdown,
    linkDownMs: 0,
    offsetBytes,
    runId: 'r',
    priority: 100,
    rebooted: false,
    fenced: false,
  };
}

function agent(agentId: string, localNodes: string[], views: NodeView[], connected = true): AgentStatus {
  return { agentId, connected, localNodes, highestEpoch: 0, lastSeenMs: 0, views };
}

function voter(index: number, agents: AgentStatus[], overrides: Partial<VoterStatus> = {}): VoterStatus {
  const config = initialConfig('a:1');
  return {
    group: 'g',
    index,
    role: 'follower',
    roleEpoch: null,
    odown: false,
    agents,
    lastEventId: 0,
    durable: {
      promisedEpoch: 0,
      vote: null,
      accepted: config,
      committed: config,
      published: config,
      paused: false,
      settingsOverride: null,
    },
    counters: {
      requests: 0,
      rpcCalls: 0,
      wsMessagesIn: 0,
      wsMessagesOut: 0,
      rowsWritten: 0,
      alarms: 0,
      webhookAttempts: 0,
    },
    ...overrides,
  };
}

describe('buildStatus', () => {
  const agentA = agent('agent-a', ['a:1'], [view('a:1', 'master'), view('b:1', 'replica', true, 1)]);
  const agentB = agent('agent-b', ['b:1'], [view('a:1', 'master'), view('b:1', 'replica', false, 90)]);
  const master = { group: 'g', host: 'a', port: 1, epoch: 0, since: null };

  it('merges agents across voters and describes replicas by their own agent', () => {
    const status = buildStatus(
      group,
      [
        { index: 1, value: voter(1, [agentA, { ...agentB, connected: false }]) },
        { index: 0, value: voter(0, [agentB]) },
      ],
      [{ index: 2, error: 'no answer within 5000 ms' }],
      master,
    );
    expect(status.answered).toEqual([0, 1]);
    expect(status.agents.map((a) => [a.agentId, a.connectedTo])).toEqual([
      ['agent-a', [1]],
      ['agent-b', [0]],
    ]);
    expect(status.replicas).toEqual([
      { node: 'b:1', role: 'replica', sdownBy: ['agent-a'], linkUp: true, offsetBytes: 90, priority: 100 },
    ]);
    expect(status.voters[2]).toMatchObject({ answered: false, error: 'no answer within 5000 ms' });
    expect(status.failover).toEqual({ state: 'idle', committedEpoch: 0, leader: null });
  });

  it('reports an election and a committed promotion', () => {
    const electing = buildStatus(
      group,
      [{ index: 0, value: voter(0, [], { role: 'leader', roleEpoch: 1 }) }],
      [],
      null,
    );
    expect(electing.failover).toEqual({ state: 'electing', committedEpoch: 0, leader: 0 });
    const committed = {
      epoch: 1,
      master: 'b:1',
      state: 'promoting' as const,
      previousMaster: 'a:1',
      cause: 'failover' as const,
      leader: 2,
    };
    const base = voter(0, []);
    const promoting = buildStatus(
      group,
      [{ index: 0, value: { ...base, durable: { ...base.durable, committed } } }],
      [],
      master,
    );
    expect(promoting.failover).toEqual({ state: 'promoting', committedEpoch: 1, leader: 2 });
  });
});
