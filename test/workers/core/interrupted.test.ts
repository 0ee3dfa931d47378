// Patroni-style: crash a voter after every prefix of a failover and show the group still converges.
import { describe, expect, it } from 'vitest';
import type { Hello, NodeView } from '../../../workers/protocol/index.js';
import { AGENTS, Cluster, NODES, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];
/** The world as agents report it: the master is dead; `promoted` (if any) has become master. */
function views(promoted: string | null): NodeView[] {
  return [
    view(M, { sdown: true, role: 'unknown' }),
    view(R1, promoted === R1 ? { role: 'master', masterNode: null } : { offsetBytes: 900 }),
    view(R2, promoted === R2 ? { role: 'master', masterNode: null } : { offsetBytes: 1000 }),
  ];
}

/** Run a failover; agents obey committed configs and answer observations, voters may crash. */
function failover(crashAt: { step: number; voter: number } | null) {
  const c = new Cluster();
  c.connectAgents(() => NODES.map((n) => view(n)));
  c.crashAt = crashAt;
  let promoted: string | null = null;
  let highest = 0;
  for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, views(null), null);
  const converged = () =>
    c.voters.every((v) => v.durable.published.master !== M && v.role.kind === 'follower');
  for (let t = 0; t < 300 && !converged(); t++) {
    c.tick(100);
    // A restarted voter's agents reconnect and tell it everything again.
    for (const i of c.restarted.splice(0)) {
      AGENTS.forEach((agentId, k) => {
        c.step(i, { kind: 'agent-connected', agentId });
        const hello: Hello = {
          v: 1,
          kind: 'hello',
          agentId,
          group: 'mymaster',
          localNodes: [NODES[k] ?? ''],
          highestEpoch: highest,
          sentinel: null,
        };
        c.step(i, { kind: 'agent-message', agentId, message: hello });
        c.observe(i, agentId, views(promoted), null, highest);
      });
    }
    for (const d of c.toAgents.splice(0)) {
      if (d.message.kind === 'config' && d.message.config.epoch >= highest) {
        highest = d.message.config.epoch;
        if (promoted !== d.message.config.master && d.message.config.master !== M) {
          promoted = d.message.config.master;
          for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, views(promoted), null, highest);
        }
      }
      if (d.message.kind === 'observe')
        c.observe(d.message.voter, d.to, views(promoted), d.message.requestId, highest);
    }
  }
  return { c, publishedAtStep: converged() ? c.steps : null };
}

describe('a voter crash after any prefix of a failover', () => {
  const total = failover(null).publishedAtStep ?? 0;

  it('the uninterrupted failover publishes the best replica', () => {
    const { c } = failover(null);
    expect(total).toBeGreaterThan(10);
    for (let i = 0; i < 3; i++) expect(c.voters[i]?.durable.published.master).toBe(R2);
  });

  it.each([0, 1, 2])('crashing voter %i after every step converges to one published master', (voter) => {
    for (let step = 1; step <= total; step++) {
      const { c, publishedAtStep } = failover({ step, voter });
      expect(publishedAtStep, `crash of voter ${voter} after step ${step}`).not.toBeNull();
      const published = c.voters.map((v) => v.durable.published);
      const masters = new Set(published.map((p) => p.master));
      expect(masters.size, `crash of voter ${voter} after step ${step}`).toBe(1);
      expect([R1, R2], `crash of voter ${voter} after step ${step}`).toContain(published[0]?.master);
      // Each epoch names one master, whichever voter is asked.
      const byEpoch = new Map<number, string>();
      for (const v of c.voters) {
        const known = byEpoch.get(v.durable.committed.epoch);
        if (known !== undefined) expect(v.durable.committed.master).toBe(known);
        byEpoch.set(v.durable.committed.epoch, v.durable.committed.master);
      }
    }
  });
});
