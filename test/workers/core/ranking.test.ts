import { describe, expect, it } from 'vitest';
import { createVoterState, rankReplicas, type VoterState } from '../../../workers/core/index.js';
import type { NodeView } from '../../../workers/protocol/index.js';
import { SETTINGS, view } from './harness.js';

const M = '10.0.0.1:6379';

/** A voter that has heard from one agent per node, each reporting its own node as given. */
function voterWith(views: NodeView[], connected = views.map(() => true)): VoterState {
  const state = createVoterState(SETTINGS, 0, null, 0);
  const agents = Object.fromEntries(
    views.map((v, i) => [
      `a${i}`,
      {
        agentId: `a${i}`,
        connected: connected[i] ?? true,
        localNodes: [v.node],
        views: { [v.node]: v },
        seq: 1,
        highestEpoch: 0,
        lastSeenMs: 0,
        leaseSeenMs: 0,
      },
    ]),
  );
  return { ...state, agents };
}

const opts = (fresh: string[]) => ({
  exclude: new Set([M]),
  deprioritize: null,
  freshAgents: new Set(fresh),
  masterDownMs: 0,
});

describe('replica ranking', () => {
  const rows: { name: string; views: NodeView[]; expected: string[] }[] = [
    {
      name: 'lower priority first',
      views: [
        view(M),
        view('r1:1', { priority: 50, offsetBytes: 1 }),
        view('r2:1', { priority: 100, offsetBytes: 9 }),
      ],
      expected: ['r1:1', 'r2:1'],
    },
    {
      name: 'then higher offset',
      views: [view(M), view('r1:1', { offsetBytes: 5 }), view('r2:1', { offsetBytes: 9 })],
      expected: ['r2:1', 'r1:1'],
    },
    {
      name: 'then lower run id',
      views: [view(M), view('r1:1', { runId: 'b' }), view('r2:1', { runId: 'a' })],
      expected: ['r2:1', 'r1:1'],
    },
    {
      name: 'then node id, so the order is total',
      views: [view(M), view('r2:1', { runId: 'x' }), view('r1:1', { runId: 'x' })],
      expected: ['r1:1', 'r2:1'],
    },
    {
      name: 'priority 0 is never promoted',
      views: [view(M), view('r1:1', { priority: 0, offsetBytes: 99 }), view('r2:1')],
      expected: ['r2:1'],
    },
    {
      name: 'a replica its agent sees down is excluded',
      views: [view(M), view('r1:1', { sdown: true }), view('r2:1')],
      expected: ['r2:1'],
    },
    {
      name: 'a rebooted node is excluded',
      views: [view(M), view('r1:1', { rebooted: true }), view('r2:1')],
      expected: ['r2:1'],
    },
    {
      name: 'a replica whose link is down too long is excluded',
      views: [view(M), view('r1:1', { linkUp: false, linkDownMs: 60_000 }), view('r2:1', { offsetBytes: 1 })],
      expected: ['r2:1'],
    },
    {
      name: 'a replica whose link went down recently is kept',
      views: [
        view(M),
        view('r1:1', { linkUp: false, linkDownMs: 2_000, offsetBytes: 5 }),
        view('r2:1', { offsetBytes: 1 }),
      ],
      expected: ['r1:1', 'r2:1'],
    },
    {
      name: 'unknown role is excluded',
      views: [view(M), view('r1:1', { role: 'unknown' }), view('r2:1')],
      expected: ['r2:1'],
    },
  ];

  it.each(rows)('$name', ({ views, expected }) => {
    const state = voterWith(views);
    const ranking = rankReplicas(state, 10_000, opts(['a0', 'a1', 'a2']));
    expect(ranking.ranked).toEqual(expected);
    expect(ranking.rejected.find((r) => r.node === M)?.why).toBe('it is the master being replaced');
  });

  it('excludes replicas whose agent is disconnected or gave no fresh observation', () => {
    const state = voterWith([view(M), view('r1:1', { offsetBytes: 9 }), view('r2:1')], [true, false, true]);
    expect(rankReplicas(state, 0, opts(['a0', 'a1', 'a2'])).ranked).toEqual(['r2:1']);
    expect(rankReplicas(state, 0, opts(['a0'])).ranked).toEqual([]);
  });

  it('puts a deprioritised node last whatever its merits', () => {
    const state = voterWith([view(M), view('r1:1', { offsetBytes: 9 }), view('r2:1', { offsetBytes: 1 })]);
    const ranking = rankReplicas(state, 0, { ...opts(['a0', 'a1', 'a2']), deprioritize: 'r1:1' });
    expect(ranking.ranked).toEqual(['r2:1', 'r1:1']);
  });
});
