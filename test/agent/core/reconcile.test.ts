// Table-driven tests of reconciliation: one row per rule, the stale-epoch refusal first.
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../agent/core/reconcile.js';
import type { NodeAction } from '../../../agent/core/types.js';
import type { Config, NodeView } from '../../../workers/protocol/index.js';
import { A, B, C, config, view } from './helpers.js';

const master = (overrides: Partial<NodeView> = {}) =>
  view({ role: 'master', masterNode: null, linkUp: false, ...overrides });
const replicaOf = (m: string) => view({ role: 'replica', masterNode: m });

describe('reconcile (local node A)', () => {
  const rows: {
    name: string;
    cfg: Config | null;
    view: NodeView;
    highest: number;
    action: NodeAction | null;
    refused?: boolean;
    reason: RegExp;
  }[] = [
    {
      name: 'no config: nothing',
      cfg: null,
      view: master(),
      highest: 0,
      action: null,
      reason: /no committed config/,
    },
    {
      name: 'stale config: refused',
      cfg: config(2, A),
      view: replicaOf(B),
      highest: 3,
      action: null,
      refused: true,
      reason: /stale/,
    },
    {
      name: 'node SDOWN: cannot act',
      cfg: config(2, A),
      view: replicaOf(B),
      highest: 2,
      action: null,
      reason: /down/,
    },
    {
      name: 'role unknown: cannot act',
      cfg: config(2, A),
      view: view({ role: 'unknown' }),
      highest: 2,
      action: null,
      reason: /not known/,
    },
    {
      name: 'configured master, promoting, replica: promote',
      cfg: config(2, A, { state: 'promoting' }),
      view: replicaOf(B),
      highest: 2,
      action: { kind: 'promote' },
      reason: /names/,
    },
    {
      name: 'configured master, active, replica: promote',
      cfg: config(2, A),
      view: replicaOf(B),
      highest: 2,
      action: { kind: 'promote' },
      reason: /names/,
    },
    {
      name: 'configured master, already master: nothing',
      cfg: config(2, A),
      view: master(),
      highest: 2,
      action: null,
      reason: /is master/,
    },
    {
      name: 'configured master in hand-off: waits for FAILOVER TO',
      cfg: config(2, A, { state: 'handoff', previousMaster: B }),
      view: replicaOf(B),
      highest: 2,
      action: null,
      reason: /waits/,
    },
    {
      name: 'previous master in hand-off: FAILOVER TO the new master',
      cfg: config(2, B, { state: 'handoff', previousMaster: A }),
      view: master(),
      highest: 2,
      action: { kind: 'handoff', to: B, timeoutMs: 5000 },
      reason: /hands/,
    },
    {
      name: "previous master in hand-off: the operator's FAILOVER timeout over the agent's",
      cfg: config(2, B, { state: 'handoff', previousMaster: A, handoffTimeoutMs: 1500 }),
      view: master(),
      highest: 2,
      action: { kind: 'handoff', to: B, timeoutMs: 1500 },
      reason: /hands/,
    },
    {
      name: 'hand-off done (previous master now a replica of the target): nothing',
      cfg: config(2, B, { state: 'handoff', previousMaster: A }),
      view: replicaOf(B),
      highest: 2,
      action: null,
      reason: /already replicates/,
    },
    {
      name: "a master during another node's hand-off: demote",
      cfg: config(2, B, { state: 'handoff', previousMaster: C }),
      view: master(),
      highest: 2,
      action: { kind: 'demote', master: B },
      reason: /names/,
    },
    {
      name: 'master but not configured: demote',
      cfg: config(2, B),
      view: master(),
      highest: 2,
      action: { kind: 'demote', master: B },
      reason: /names 10.0.0.2/,
    },
    {
      name: 'replica of another master: repoint',
      cfg: config(2, B),
      view: replicaOf(C),
      highest: 2,
      action: { kind: 'repoint', master: B },
      reason: /replicates 10.0.0.3/,
    },
    {
      name: 'replica of nothing: repoint',
      cfg: config(2, B),
      view: view({ masterNode: null }),
      highest: 2,
      action: { kind: 'repoint', master: B },
      reason: /replicates nothing/,
    },
    {
      name: 'already replicating the master: nothing',
      cfg: config(2, B),
      view: replicaOf(B),
      highest: 2,
      action: null,
      reason: /already replicates/,
    },
  ];
  it.each(rows)('$name', ({ name, cfg, view: v, highest, action, refused, reason }) => {
    const nodeView = name.includes('SDOWN') ? { ...v, sdown: true } : v;
    const decision = reconcile(cfg, A, nodeView, highest, 5000);
    expect(decision.action).toEqual(action);
    expect(decision.refused).toBe(refused ?? false);
    expect(decision.reason).toMatch(reason);
  });
});

describe('reconcile: a configured master that restarted empty is quarantined, never promoted', () => {
  it.each([
    {
      name: 'still master: replicate the best replica so no replica syncs from it',
      view: master({ rebooted: true }),
      to: B,
      action: { kind: 'demote', master: B } as NodeAction,
      reason: /restarted empty/,
    },
    {
      name: 'already a replica: stay one (do not promote it back)',
      view: view({ role: 'replica', masterNode: B, rebooted: true }),
      to: B,
      action: null,
      reason: /stays a replica/,
    },
    {
      name: 'no healthy replica known: nothing to protect',
      view: master({ rebooted: true }),
      to: null,
      action: null,
      reason: /no replica is known/,
    },
  ])('$name', ({ view: v, to, action, reason }) => {
    const decision = reconcile(config(2, A), A, v, 2, 5000, to);
    expect(decision.action).toEqual(action);
    expect(decision.reason).toMatch(reason);
  });

  it('a node that is not the configured master is reconciled normally even if rebooted', () => {
    const decision = reconcile(config(2, C), A, master({ rebooted: true }), 2, 5000, B);
    expect(decision.action).toEqual({ kind: 'demote', master: C });
  });
});
