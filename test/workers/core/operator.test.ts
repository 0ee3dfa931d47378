import { describe, expect, it } from 'vitest';
import { AGENTS, Cluster, NODES, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];

function healthy() {
  return NODES.map((n) => view(n, { offsetBytes: n === R1 ? 2000 : 1000 }));
}

/** Advance time; agents answer every request for a fresh observation with `views`. */
function run(c: Cluster, ms: number, views = healthy) {
  for (let t = 0; t < ms / 100; t++) {
    c.tick(100);
    for (const d of c.toAgents.splice(0)) {
      if (d.message.kind !== 'observe') continue;
      c.observe(d.message.voter, d.to, views(), d.message.requestId, c.committed(d.message.voter).epoch);
    }
  }
}

describe('operator actions', () => {
  it('forced failover needs no ODOWN and still commits by majority', () => {
    const c = new Cluster();
    c.connectAgents(() => healthy());
    c.step(0, { kind: 'admin', action: { kind: 'failover', target: null } });
    run(c, 3000);
    for (let i = 0; i < 3; i++) {
      expect(c.committed(i).master).toBe(R1);
      expect(c.committed(i).cause).toBe('manual');
    }
  });

  it('a switchover commits a hand-off from the current master to the requested replica', () => {
    const c = new Cluster();
    c.connectAgents(() => healthy());
    c.step(1, { kind: 'admin', action: { kind: 'switchover', target: R2, timeoutMs: null } });
    run(c, 1000);
    const committed = c.committed(1);
    expect(committed).toMatchObject({ master: R2, state: 'handoff', previousMaster: M, cause: 'switchover' });
    // The hand-off completes when R2's agent reports it is master at that epoch.
    const after = [
      view(M, { role: 'replica', masterNode: R2 }),
      view(R1),
      view(R2, { role: 'master', masterNode: null }),
    ];
    for (let i = 0; i < 3; i++) c.observe(i, 'a3', after, null, committed.epoch);
    expect(c.voters[1]?.durable.published.master).toBe(R2);
  });

  it("a switchover carries the operator's FAILOVER timeout to the agents; a failover carries none", () => {
    const c = new Cluster();
    c.connectAgents(() => healthy());
    c.step(0, { kind: 'admin', action: { kind: 'switchover', target: R1, timeoutMs: 1500 } });
    run(c, 1000);
    for (let i = 0; i < 3; i++) {
      expect(c.committed(i)).toMatchObject({ master: R1, state: 'handoff', handoffTimeoutMs: 1500 });
    }

    const f = new Cluster();
    f.connectAgents(() => healthy());
    f.step(0, { kind: 'admin', action: { kind: 'switchover', target: R1, timeoutMs: null } });
    run(f, 1000);
    expect(f.committed(0)).toMatchObject({ master: R1, state: 'handoff' });
    expect(f.committed(0).handoffTimeoutMs).toBeUndefined();
  });

  it('a switchover to a replica that cannot be promoted is aborted with the reason', () => {
    const c = new Cluster();
    const views = () => NODES.map((n) => view(n, { priority: n === R2 ? 0 : 100 }));
    // R2 looks promotable when the request arrives (or the request itself is refused, see
    // admin-answer.test.ts); the fresh observations the leader asks for show replica-priority 0.
    c.connectAgents(() => NODES.map((n) => view(n)));
    c.step(0, { kind: 'admin', action: { kind: 'switchover', target: R2, timeoutMs: null } });
    run(c, 1000, views);
    // The epoch the failed attempt opened is closed by re-committing the same master.
    for (let i = 0; i < 3; i++) expect(c.committed(i).master).toBe(M);
    expect(c.voters[0]?.durable.published.master).toBe(M);
    const abort = c.events.find((e) => e.name === '-failover-abort-no-good-slave');
    expect(abort?.reason).toContain('replica-priority is 0');
  });

  it('pause stops automatic failover at a majority; resume lets it happen', () => {
    const c = new Cluster();
    c.connectAgents(() => healthy());
    for (let i = 0; i < 3; i++) c.step(i, { kind: 'admin', action: { kind: 'pause' } });
    const down = [view(M, { sdown: true }), view(R1), view(R2)];
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, down, null);
    run(c, 5000);
    expect(c.committed(0).epoch).toBe(0);
    for (let i = 0; i < 3; i++) c.step(i, { kind: 'admin', action: { kind: 'resume' } });
    for (let t = 0; t < 50 && c.committed(0).epoch === 0; t++) {
      c.tick(100);
      for (const d of c.toAgents.splice(0)) {
        if (d.message.kind === 'observe') c.observe(d.message.voter, d.to, down, d.message.requestId);
      }
    }
    expect(c.committed(0).master).not.toBe(M);
    expect(c.eventNames()).toContain('+paused');
    expect(c.eventNames()).toContain('-paused');
  });

  it('a switchover from a master that is down is aborted: it needs a live master to hand over', () => {
    const c = new Cluster();
    const views = () => NODES.map((n) => view(n, n === M ? { sdown: true, role: 'unknown' } : {}));
    c.connectAgents(views);
    c.step(0, { kind: 'admin', action: { kind: 'switchover', target: R1, timeoutMs: null } });
    run(c, 1000, views);
    for (let i = 0; i < 3; i++) expect(c.committed(i).master).toBe(M);
    expect(c.events.find((e) => e.name === '-failover-abort-master-down')?.reason).toContain(
      'use a failover',
    );
  });
});
