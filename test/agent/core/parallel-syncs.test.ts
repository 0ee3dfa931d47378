// parallel-syncs: the turn rule (a table), the round's tracking and events, and the rule inside stepAgent.
import { describe, expect, it } from 'vitest';
import { type SyncTurns, syncTurn, trackSyncTurns } from '../../../agent/core/parallel-syncs.js';
import type { NodeView } from '../../../workers/protocol/index.js';
import { replicaSyncStatus } from '../../../workers/protocol/index.js';
import { A, B, C, config, Driver, info, ofKind, push, replicaOf, settings, view } from './helpers.js';

const M = '10.0.0.9:6379';
const OLD = '10.0.0.8:6379';
const D = '10.0.0.4:6379';
const E = '10.0.0.5:6379';

type Place = 'done' | 'syncing' | 'waiting' | 'down' | 'master';

function viewOf(node: string, place: Place): NodeView {
  switch (place) {
    case 'done':
      return view({ node, masterNode: M, linkUp: true });
    case 'syncing':
      return view({ node, masterNode: M, linkUp: false });
    case 'waiting':
      return view({ node, masterNode: OLD, linkUp: false });
    case 'down':
      return view({ node, masterNode: OLD, linkUp: false, sdown: true, downMs: 5000 });
    case 'master':
      return view({ node, role: 'master', masterNode: null, linkUp: false });
  }
}

function viewsOf(places: Record<string, Place>): Record<string, NodeView> {
  const views: Record<string, NodeView> = { [M]: view({ node: M, role: 'master', masterNode: null }) };
  for (const [node, place] of Object.entries(places)) views[node] = viewOf(node, place);
  return views;
}

const turns = (over: Partial<SyncTurns> = {}): SyncTurns => ({
  master: M,
  epoch: 5,
  startedAtMs: 0,
  local: {},
  ...over,
});

describe('replicaSyncStatus (workers/protocol)', () => {
  it.each([
    ['done', 'done'],
    ['syncing', 'syncing'],
    ['waiting', 'waiting'],
    ['down', 'outside'],
    ['master', 'outside'],
  ] as const)('%s -> %s', (place, status) => {
    expect(replicaSyncStatus(viewOf(A, place), M)).toBe(status);
  });
  it('the new master itself is outside', () => {
    expect(replicaSyncStatus(view({ node: M, masterNode: OLD }), M)).toBe('outside');
  });
});

describe('syncTurn: at most parallelSyncs replicas sync from the new master at once', () => {
  const rows: {
    name: string;
    places: Record<string, Place>;
    node: string;
    parallelSyncs: number;
    mayStart: boolean;
    reason: RegExp;
  }[] = [
    {
      name: 'first in node order goes when nothing syncs',
      places: { [A]: 'waiting', [B]: 'waiting', [C]: 'waiting' },
      node: A,
      parallelSyncs: 1,
      mayStart: true,
      reason: /turn to sync from .*none syncing, parallel-syncs 1/,
    },
    {
      name: 'second in order waits for the first',
      places: { [A]: 'waiting', [B]: 'waiting', [C]: 'waiting' },
      node: B,
      parallelSyncs: 1,
      mayStart: false,
      reason: new RegExp(`waits its turn.*${A} ahead, parallel-syncs 1`),
    },
    {
      name: 'two slots: the second goes too, the third waits',
      places: { [A]: 'waiting', [B]: 'waiting', [C]: 'waiting' },
      node: C,
      parallelSyncs: 2,
      mayStart: false,
      reason: /ahead, parallel-syncs 2/,
    },
    {
      name: 'a replica syncing holds the only slot',
      places: { [A]: 'syncing', [B]: 'waiting', [C]: 'waiting' },
      node: B,
      parallelSyncs: 1,
      mayStart: false,
      reason: new RegExp(`${A} syncing`),
    },
    {
      name: 'a replica done frees its slot',
      places: { [A]: 'done', [B]: 'waiting', [C]: 'waiting' },
      node: B,
      parallelSyncs: 1,
      mayStart: true,
      reason: /none syncing/,
    },
    {
      name: 'one syncing of two slots: the first waiting goes',
      places: { [A]: 'syncing', [B]: 'waiting', [C]: 'waiting' },
      node: B,
      parallelSyncs: 2,
      mayStart: true,
      reason: new RegExp(`${A} syncing, parallel-syncs 2`),
    },
    {
      name: 'one syncing of two slots: the second waiting does not',
      places: { [A]: 'syncing', [B]: 'waiting', [C]: 'waiting' },
      node: C,
      parallelSyncs: 2,
      mayStart: false,
      reason: new RegExp(`${B} ahead`),
    },
    {
      name: 'a replica down from here holds a slot: it may be syncing unseen (Sentinel skips one it sent nothing)',
      places: { [A]: 'down', [B]: 'waiting' },
      node: B,
      parallelSyncs: 1,
      mayStart: false,
      reason: new RegExp(`${A} syncing`),
    },
    {
      name: 'an old master (demoted by reconciliation) takes no slot',
      places: { [A]: 'master', [B]: 'waiting' },
      node: B,
      parallelSyncs: 1,
      mayStart: true,
      reason: /none syncing/,
    },
    {
      name: 'a node not waiting is not held back',
      places: { [A]: 'syncing', [B]: 'done' },
      node: B,
      parallelSyncs: 1,
      mayStart: true,
      reason: /is not waiting/,
    },
  ];
  it.each(rows)('$name', ({ places, node, parallelSyncs, mayStart, reason }) => {
    const decision = syncTurn(
      turns(),
      viewsOf(places),
      node,
      { parallelSyncs, failoverTimeoutMs: 6000 },
      1000,
    );
    expect(decision.mayStart).toBe(mayStart);
    expect(decision.reason).toMatch(reason);
  });

  it('a node that answers but whose role is not known yet holds the turn back; one down does not', () => {
    const limits = { parallelSyncs: 1, failoverTimeoutMs: 6000 };
    const views = {
      ...viewsOf({ [B]: 'waiting' }),
      [A]: view({ node: A, role: 'unknown', masterNode: null }),
    };
    expect(syncTurn(turns(), views, B, limits, 1000)).toEqual({
      mayStart: false,
      reason: expect.stringMatching(new RegExp(`the role of ${A} is not known yet`)),
    });
    const down = { ...views, [A]: view({ node: A, role: 'unknown', masterNode: null, sdown: true }) };
    expect(syncTurn(turns(), down, B, limits, 1000).mayStart).toBe(true);
  });

  it('a replica this agent cannot reach holds a slot until the timeout, unless last seen done', () => {
    const limits = { parallelSyncs: 1, failoverTimeoutMs: 6000 };
    const cut = (masterNode: string, linkUp: boolean) => ({
      ...viewsOf({ [B]: 'waiting' }),
      [A]: view({ node: A, masterNode, linkUp, sdown: true, downMs: 400 }),
    });
    // Last seen syncing, or still on the old master (its own agent may have moved it since): B waits.
    for (const masterNode of [M, OLD]) {
      expect(syncTurn(turns(), cut(masterNode, false), B, limits, 1000)).toEqual({
        mayStart: false,
        reason: expect.stringMatching(new RegExp(`${A} syncing`)),
      });
      expect(syncTurn(turns(), cut(masterNode, false), B, limits, 6000).mayStart).toBe(true);
    }
    // Last seen done: no slot.
    expect(syncTurn(turns(), cut(M, true), B, limits, 1000).mayStart).toBe(true);
    // Before this agent saw the new master up, none of its replicas starts: it knows nothing of
    // this round yet (seed 1142: an agent back from isolation moved its replica at once).
    expect(syncTurn(turns({ startedAtMs: null }), viewsOf({ [B]: 'waiting' }), B, limits, 1000)).toEqual({
      mayStart: false,
      reason: `${B} waits until ${M} is seen up as master`,
    });
  });

  it('a node back from a partition holds the turn back until its INFO is read again', () => {
    // This agent's last INFO of A is from before the partition (an old master then): A may be
    // syncing now, moved by its own agent (seed 5277).
    const limits = { parallelSyncs: 1, failoverTimeoutMs: 6000 };
    const views = {
      ...viewsOf({ [B]: 'waiting' }),
      [A]: view({ node: A, role: 'master', masterNode: null }),
    };
    expect(syncTurn(turns(), views, B, limits, 1000).mayStart).toBe(true);
    expect(syncTurn(turns(), views, B, limits, 1000, [A])).toEqual({
      mayStart: false,
      reason: expect.stringMatching(new RegExp(`the role of ${A} is not known yet`)),
    });
  });

  it('the failover timeout after the new master was seen master lets every waiting replica go', () => {
    const places = { [A]: 'syncing', [B]: 'waiting', [C]: 'waiting' } as const;
    const limits = { parallelSyncs: 1, failoverTimeoutMs: 6000 };
    const t = turns({ startedAtMs: 1000 });
    expect(syncTurn(t, viewsOf(places), C, limits, 6999).mayStart).toBe(false);
    const late = syncTurn(t, viewsOf(places), C, limits, 7000);
    expect(late).toEqual({
      mayStart: true,
      reason: expect.stringMatching(/failover timeout \(6000 ms\) passed/),
    });
    // Before the new master was seen master, the timeout does not run.
    expect(syncTurn(turns({ startedAtMs: null }), viewsOf(places), C, limits, 99_000).mayStart).toBe(false);
  });

  it('a stale view never lets more through: a started replica still seen waiting keeps its place', () => {
    // A has started (really syncing) but this agent still sees it on the old master.
    const stale = viewsOf({ [A]: 'waiting', [B]: 'waiting', [D]: 'waiting', [E]: 'waiting' });
    for (const n of [B, D, E]) {
      expect(syncTurn(turns(), stale, n, { parallelSyncs: 1, failoverTimeoutMs: 6000 }, 1000).mayStart).toBe(
        false,
      );
    }
  });

  it('every order of completion keeps at most N syncing when each agent decides from a full view', () => {
    // Exhaustive over small groups: at each moment every waiting replica asks, with the views
    // as they are; the replicas allowed start together, then any one syncing finishes.
    for (const n of [1, 2, 3]) {
      const nodes = [A, B, C, D, E];
      const run = (places: Record<string, Place>): void => {
        const views = viewsOf(places);
        const starters = nodes.filter(
          (node) =>
            places[node] === 'waiting' &&
            syncTurn(turns(), views, node, { parallelSyncs: n, failoverTimeoutMs: 6000 }, 1000).mayStart,
        );
        const next = { ...places };
        for (const s of starters) next[s] = 'syncing';
        const syncing = nodes.filter((node) => next[node] === 'syncing');
        expect(syncing.length).toBeLessThanOrEqual(n);
        if (syncing.length === 0) {
          expect(nodes.every((node) => next[node] === 'done')).toBe(true);
          return;
        }
        for (const s of syncing) run({ ...next, [s]: 'done' });
      };
      run(Object.fromEntries(nodes.map((node) => [node, 'waiting' as Place])));
    }
  });
});

describe('trackSyncTurns: the round and the local +slave-reconf-* events', () => {
  it('a new master starts a round, clocked from when it is seen master; a newer epoch of it keeps the round', () => {
    const notYet = { ...viewsOf({ [A]: 'syncing' }), [M]: view({ node: M, masterNode: OLD }) };
    const first = trackSyncTurns(null, config(5, M, { state: 'promoting' }), notYet, 100).turns;
    expect(first).toMatchObject({ master: M, epoch: 5, startedAtMs: null });
    const promoted = trackSyncTurns(first, config(5, M), viewsOf({ [A]: 'syncing' }), 200).turns;
    expect(promoted).toMatchObject({ startedAtMs: 200 });
    const again = trackSyncTurns(promoted, config(6, M), viewsOf({ [A]: 'syncing' }), 300).turns;
    expect(again).toMatchObject({ epoch: 6, startedAtMs: 200 });
    const other = trackSyncTurns(again, config(7, B), viewsOf({}), 400).turns;
    expect(other).toMatchObject({ master: B, startedAtMs: null, local: {} });
    expect(trackSyncTurns(other, null, {}, 500).turns).toBeNull();
  });

  it('sent -> inprog -> done, both events when one look finds the sync over', () => {
    const sent = turns({ local: { [A]: 'sent' } });
    const inprog = trackSyncTurns(sent, config(5, M), viewsOf({ [A]: 'syncing' }), 1000);
    expect(inprog.events.map((e) => e.name)).toEqual(['+slave-reconf-inprog']);
    const done = trackSyncTurns(inprog.turns, config(5, M), viewsOf({ [A]: 'done' }), 1100);
    expect(done.events.map((e) => e.name)).toEqual(['+slave-reconf-done']);
    expect(trackSyncTurns(done.turns, config(5, M), viewsOf({ [A]: 'done' }), 1200).events).toEqual([]);
    const quick = trackSyncTurns(sent, config(5, M), viewsOf({ [A]: 'done' }), 1000);
    expect(quick.events.map((e) => e.name)).toEqual(['+slave-reconf-inprog', '+slave-reconf-done']);
  });

  it('nodes this agent did not repoint get no events', () => {
    expect(trackSyncTurns(turns(), config(5, M), viewsOf({ [A]: 'done' }), 1000).events).toEqual([]);
  });
});

describe('inside stepAgent: the local replica waits its turn, then is repointed with the events', () => {
  const announce = (parallelSyncs: number) => ({
    kind: 'voter-message' as const,
    voter: 0,
    message: {
      v: 1 as const,
      kind: 'settings' as const,
      group: 'g1',
      voter: 0,
      settings: {
        voters: 3,
        quorum: 2,
        downAfterMs: 1000,
        failoverTimeoutMs: 6000,
        parallelSyncs,
        fencing: true,
        leaseMs: 2000,
        clockDriftRatio: 0.01,
      },
    },
  });

  it('B waits while A (ahead of it) still replicates the old master, and goes once A is done', () => {
    // OLD (gone) was master; C is the new one; A and B replicate OLD. B is the local node.
    const d = new Driver(settings({ agentId: 'agent-b', localNodes: [B] }), {
      highestEpoch: 1,
      config: config(1, OLD),
    });
    d.step(announce(1));
    d.step({ kind: 'info-result', node: A, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: C, info: info() }, 1000);
    let effects = d.step(push(0, config(6, C)), 1100);
    expect(ofKind(effects, 'execute')).toEqual([]);
    effects = d.step({ kind: 'info-result', node: A, info: replicaOf(C, { linkUp: false }) }, 1500);
    expect(ofKind(effects, 'execute')).toEqual([]);
    effects = d.step({ kind: 'info-result', node: A, info: replicaOf(C) }, 2500);
    expect(ofKind(effects, 'execute')).toMatchObject([
      { node: B, epoch: 6, action: { kind: 'repoint', master: C } },
    ]);
    expect(ofKind(effects, 'event').map((e) => e.name)).toEqual(['+slave-reconf-sent']);
    effects = d.step({ kind: 'info-result', node: B, info: replicaOf(C) }, 2600);
    expect(ofKind(effects, 'event').map((e) => e.name)).toEqual([
      '+slave-reconf-inprog',
      '+slave-reconf-done',
    ]);
  });

  it('with parallel-syncs 2 both go at once', () => {
    const d = new Driver(settings({ agentId: 'agent-b', localNodes: [B] }), {
      highestEpoch: 1,
      config: config(1, OLD),
    });
    d.step(announce(2));
    d.step({ kind: 'info-result', node: A, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: C, info: info() }, 1000);
    const effects = d.step(push(0, config(6, C)), 1100);
    expect(ofKind(effects, 'execute')).toMatchObject([{ node: B, action: { kind: 'repoint', master: C } }]);
  });

  it('the failover timeout after the new master was seen master lets it go regardless', () => {
    const d = new Driver(settings({ agentId: 'agent-b', localNodes: [B] }), {
      highestEpoch: 1,
      config: config(1, OLD),
    });
    d.step(announce(1));
    d.step({ kind: 'info-result', node: A, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: B, info: replicaOf(OLD) }, 1000);
    d.step({ kind: 'info-result', node: C, info: info() }, 1000);
    expect(ofKind(d.step(push(0, config(6, C)), 1100), 'execute')).toEqual([]);
    expect(ofKind(d.step({ kind: 'info-result', node: C, info: info() }, 7099), 'execute')).toEqual([]);
    const effects = d.step({ kind: 'info-result', node: C, info: info() }, 7100);
    expect(ofKind(effects, 'execute')).toMatchObject([{ node: B, action: { kind: 'repoint', master: C } }]);
  });

  it('a demoted old master is not held back', () => {
    const d = new Driver(settings({ agentId: 'agent-b', localNodes: [B] }), {
      highestEpoch: 1,
      config: config(1, B),
    });
    d.step(announce(1));
    d.step({ kind: 'info-result', node: A, info: replicaOf(B) }, 1000);
    d.step({ kind: 'info-result', node: B, info: info() }, 1000);
    d.step({ kind: 'info-result', node: C, info: info() }, 1000);
    const effects = d.step(push(0, config(6, C)), 1100);
    expect(ofKind(effects, 'execute')).toMatchObject([{ node: B, action: { kind: 'demote', master: C } }]);
  });
});
