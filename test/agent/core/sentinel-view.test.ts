// The Sentinel view of a group, projected from the core state without I/O: the published master, `+switch-master`, the snapshot.
import { describe, expect, it } from 'vitest';
import {
  afterReset,
  publishedMaster,
  SENTINEL_DEFAULTS,
  sentinelGroupView,
  sentinelNodeView,
} from '../../../agent/core/sentinel-view.js';
import type { AgentInput } from '../../../agent/core/types.js';
import { A, B, C, config, Driver, info, ofKind, push, replicaOf, settings, view } from './helpers.js';

const switches = (d: Driver) =>
  d.log.flatMap((l) => ofKind(l.effects, 'event')).filter((e) => e.name === '+switch-master');

describe('publishedMaster', () => {
  it('is the active config master, and the previous one while a change is pending', () => {
    expect(publishedMaster(null)).toBeNull();
    expect(publishedMaster(config(3, A))).toBe(A);
    expect(publishedMaster(config(4, B, { state: 'promoting', previousMaster: A }))).toBe(A);
    expect(publishedMaster(config(4, B, { state: 'handoff', previousMaster: A }))).toBe(A);
    // A pending change without a previous master (none was known) names its own.
    expect(publishedMaster(config(1, B, { state: 'promoting', previousMaster: null }))).toBe(B);
  });

  it('is the new master as soon as this agent sees the committed change done, before the voters confirm it', () => {
    const handoff = config(4, B, { state: 'handoff', previousMaster: A });
    const promoting = config(4, B, { state: 'promoting', previousMaster: A });
    // The new master reports master (its own agent, or any agent's INFO of it).
    expect(publishedMaster(handoff, { [B]: view({ node: B, role: 'master', masterNode: null }) })).toBe(B);
    expect(publishedMaster(promoting, { [B]: view({ node: B, role: 'master', masterNode: null }) })).toBe(B);
    // A hand-off's source replicates the target: FAILOVER TO finished.
    expect(publishedMaster(handoff, { [A]: view({ node: A, role: 'replica', masterNode: B }) })).toBe(B);
    // Not yet: the target is still a replica, or it is SDOWN, or the source still leads.
    expect(publishedMaster(handoff, { [B]: view({ node: B, role: 'replica', masterNode: A }) })).toBe(A);
    expect(publishedMaster(handoff, { [B]: view({ node: B, role: 'master', sdown: true }) })).toBe(A);
    expect(publishedMaster(handoff, { [A]: view({ node: A, role: 'master', masterNode: null }) })).toBe(A);
    // A failover's old master replicating the new one proves nothing (it may be a stale replica).
    expect(publishedMaster(promoting, { [A]: view({ node: A, role: 'replica', masterNode: B }) })).toBe(A);
  });
});

describe('+switch-master, decided by the core', () => {
  it('fires once, when the change becomes active, with the Sentinel payload', () => {
    const d = new Driver(settings({ localNodes: [C] }), { highestEpoch: 1, config: config(1, A) });
    d.step(push(0, config(2, B, { state: 'promoting', previousMaster: A })));
    expect(switches(d)).toEqual([]);
    d.step(push(0, config(2, B, { state: 'active', previousMaster: A })));
    expect(switches(d)).toEqual([
      {
        kind: 'event',
        name: '+switch-master',
        payload: 'g1 10.0.0.1 6379 10.0.0.2 6379',
        reason: `epoch 2 is active with master ${B}`,
      },
    ]);
    // The same config again, or an older one, changes nothing.
    d.step(push(1, config(2, B, { state: 'active', previousMaster: A })));
    d.step(push(1, config(1, A)));
    expect(switches(d)).toHaveLength(1);
  });

  it('fires once, when this agent sees the hand-off done, and not again when the voters confirm it', () => {
    const d = new Driver(settings({ localNodes: [C] }), { highestEpoch: 1, config: config(1, A) });
    d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 100);
    d.step(push(0, config(2, B, { state: 'handoff', previousMaster: A })), 200);
    expect(switches(d)).toEqual([]);
    d.step({ kind: 'info-result', node: B, info: info() }, 300);
    expect(switches(d)).toEqual([
      {
        kind: 'event',
        name: '+switch-master',
        payload: 'g1 10.0.0.1 6379 10.0.0.2 6379',
        reason: `epoch 2's change to ${B} is seen done here (the voters confirm it next)`,
      },
    ]);
    d.step(push(0, config(2, B, { state: 'active', previousMaster: A })), 400);
    expect(switches(d)).toHaveLength(1);
  });

  it('does not fire for the first config an agent learns, nor for a new epoch naming the same master', () => {
    const d = new Driver(settings({ localNodes: [C] }));
    d.step(push(0, config(1, A)));
    d.step(push(0, config(2, A)));
    expect(switches(d)).toEqual([]);
  });

  it('is the last effect of its step, after the persist of the config it announces', () => {
    const d = new Driver(settings({ localNodes: [C] }), { highestEpoch: 1, config: config(1, A) });
    const effects = d.step(push(0, config(2, B)));
    expect(effects[0]?.kind).toBe('persist');
    expect(effects.at(-1)).toMatchObject({ kind: 'event', name: '+switch-master' });
  });
});

describe('sentinelGroupView', () => {
  const connect = (voter: number): AgentInput => ({ kind: 'voter-connected', voter });

  it('is null while the agent knows no config', () => {
    const d = new Driver();
    expect(sentinelGroupView(d.state, 1000)).toBeNull();
  });

  it('shows the published master, the other nodes sorted, Sentinel defaults and the voter links', () => {
    const d = new Driver(settings({ localNodes: [C] }), { highestEpoch: 4, config: config(4, B) }, 1000);
    d.step(connect(1), 1000);
    const view = sentinelGroupView(d.state, 1000);
    expect(view).toMatchObject({
      master: { node: B, view: null },
      epoch: 4,
      failoverInProgress: false,
      replicas: [
        { node: A, view: null },
        { node: C, view: null },
      ],
      quorum: SENTINEL_DEFAULTS.quorum,
      downAfterMs: 1000,
      failoverTimeoutMs: SENTINEL_DEFAULTS.failoverTimeoutMs,
      parallelSyncs: SENTINEL_DEFAULTS.parallelSyncs,
      masterRebootDownAfterMs: 0,
      votersConnected: 1,
      voterCount: 3,
    });
  });

  it('while a change is pending: the previous master, and a failover in progress', () => {
    const pending = config(5, A, { state: 'promoting', previousMaster: B });
    const d = new Driver(settings(), { highestEpoch: 5, config: pending }, 1000);
    const view = sentinelGroupView(d.state, 1000);
    expect(view?.master.node).toBe(B);
    expect(view?.failoverInProgress).toBe(true);
    expect(view?.replicas.map((r) => r.node)).toEqual([A, C]);
  });

  it("uses the voters' announced settings once they speak", () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) });
    const announced = { quorum: 3, failoverTimeoutMs: 9000, parallelSyncs: 2, masterRebootDownAfterMs: 5000 };
    d.step({
      kind: 'voter-message',
      voter: 0,
      message: {
        v: 1,
        kind: 'settings',
        group: 'g1',
        voter: 0,
        settings: {
          voters: 3,
          downAfterMs: 1000,
          fencing: true,
          leaseMs: 2000,
          clockDriftRatio: 0.01,
          ...announced,
        },
      },
    });
    expect(sentinelGroupView(d.state, 1000)).toMatchObject(announced);
  });

  it("gives a node's view once it was probed or read, and how long ago it was pinged and answered", () => {
    const d = new Driver(settings(), { highestEpoch: 1, config: config(1, A) }, 1000);
    d.step({ kind: 'info-result', node: A, info: info() }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(A) }, 1000);
    d.step({ kind: 'tick' }, 1100);
    d.step({ kind: 'probe-result', node: B, sentAtMs: 1100, outcome: 'pong' }, 1102);
    const b = sentinelNodeView(d.state, B, 1500);
    expect(b).toMatchObject({
      node: B,
      view: { node: B, role: 'replica', masterNode: A, sdown: false },
      lastPingSentMsAgo: 400,
      lastOkPingReplyMsAgo: 398,
    });
    expect(sentinelNodeView(d.state, '10.9.9.9:6379', 1500)).toEqual({
      node: '10.9.9.9:6379',
      view: null,
      lastPingSentMsAgo: 0,
      lastOkPingReplyMsAgo: 0,
      replicaAnnounced: true,
      masterReboot: false,
    });
  });
});

describe('afterReset', () => {
  const nodes = [
    { node: 'a', lastOkPingReplyMsAgo: 50 },
    { node: 'b', lastOkPingReplyMsAgo: 500 },
  ];
  it('keeps every node when never reset, and only those that answered since a reset', () => {
    expect(afterReset(nodes, null, 1000).map((n) => n.node)).toEqual(['a', 'b']);
    expect(afterReset(nodes, 900, 1000).map((n) => n.node)).toEqual(['a']);
    expect(afterReset(nodes, 500, 1000).map((n) => n.node)).toEqual(['a', 'b']);
    expect(afterReset(nodes, 999, 1000)).toEqual([]);
  });
});
