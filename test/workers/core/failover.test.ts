import { describe, expect, it } from 'vitest';
import { AGENTS, Cluster, NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];

function masterDownViews() {
  return [
    view(M, { sdown: true, role: 'unknown' }),
    view(R1, { offsetBytes: 900 }),
    view(R2, { offsetBytes: 1000 }),
  ];
}

/** Answer every pending observe request with the given views, as the agents would. */
function answerObserves(c: Cluster, viewsFor: () => ReturnType<typeof masterDownViews>, highestEpoch = 0) {
  const pending = c.toAgents.splice(0);
  for (const d of pending) {
    if (d.message.kind !== 'observe') continue;
    c.observe(d.message.voter, d.to, viewsFor(), d.message.requestId, highestEpoch);
  }
}

describe('voter core: an automatic failover across three voters', () => {
  it('elects a leader, waits for the lease, commits the best replica, and publishes it once confirmed', () => {
    const c = new Cluster();
    c.connectAgents(() => NODES.map((n) => view(n)));
    expect(c.committed(0).epoch).toBe(0);

    c.nowMs = 100;
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, masterDownViews(), null);
    expect(c.eventNames()).toContain('+odown');

    // Jitter, then a candidacy, then the lease wait and fresh observations.
    for (let t = 0; t < 40 && c.committed(0).epoch === 0; t++) {
      c.tick(100);
      answerObserves(c, masterDownViews);
    }
    const committed = c.committed(0);
    expect(committed.epoch).toBe(1);
    expect(committed.master).toBe(R2); // highest offset wins
    expect(committed.state).toBe('promoting');
    expect(c.voters[0]?.durable.published.master).toBe(M);

    // R2's agent promotes and reports role master after seeing epoch 1.
    const promoted = [
      view(M, { sdown: true, role: 'unknown' }),
      view(R1),
      view(R2, { role: 'master', masterNode: null }),
    ];
    for (let i = 0; i < 3; i++) c.observe(i, 'a3', promoted, null, 1);
    for (let i = 0; i < 3; i++) {
      expect(c.voters[i]?.durable.published.master).toBe(R2);
      expect(c.voters[i]?.durable.published.epoch).toBe(1);
    }
    expect(c.eventNames()).toContain('+switch-master');
    expect(c.eventNames()).toContain('+failover-end');
  });

  it('fails over a master that died while the voters were away: its replicas lost their link with it', () => {
    // The master died a minute ago, unseen: the agents could not reach the voters. Its replicas'
    // links have been down that minute too, far beyond 10 x down-after from the voters' own ODOWN.
    const downMs = 60_000;
    const views = (reportDown: boolean) => [
      view(M, { sdown: true, role: 'unknown', ...(reportDown ? { downMs } : {}) }),
      view(R1, { offsetBytes: 900, linkUp: false, linkDownMs: downMs }),
      view(R2, { offsetBytes: 1000, linkUp: false, linkDownMs: downMs }),
    ];
    for (const reportDown of [false, true]) {
      const c = new Cluster();
      c.connectAgents(() => NODES.map((n) => view(n)));
      c.nowMs = 100;
      for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, views(reportDown), null);
      for (let t = 0; t < 40 && c.committed(0).epoch === 0; t++) {
        c.tick(100);
        answerObserves(c, () => views(reportDown));
      }
      // Without the agents' downMs (an older agent), every replica is judged too stale.
      if (reportDown) expect(c.committed(0)).toMatchObject({ epoch: 1, master: R2 });
      else expect(c.committed(0).epoch).toBe(0);
    }
  });

  it('does not fail over when only one agent reports the master down (quorum 2)', () => {
    const c = new Cluster();
    c.connectAgents(() => NODES.map((n) => view(n)));
    for (let i = 0; i < 3; i++) c.observe(i, 'a2', masterDownViews(), null);
    for (let t = 0; t < 50; t++) c.tick(100);
    expect(c.committed(0).epoch).toBe(0);
    expect(c.eventNames()).not.toContain('+odown');
  });

  it('makes no progress with two of three voters cut off, and keeps the old master published', () => {
    const c = new Cluster();
    c.connectAgents(() => NODES.map((n) => view(n)));
    c.cut.add(1);
    c.cut.add(2);
    for (const a of AGENTS) c.observe(0, a, masterDownViews(), null);
    for (let t = 0; t < 100; t++) {
      c.tick(100);
      answerObserves(c, masterDownViews);
    }
    expect(c.committed(0).epoch).toBe(0);
    expect(c.voters[0]?.durable.published.master).toBe(M);
  });
});

describe('voter core: a lease longer than the failover timeout', () => {
  it('still fails over: the timeout runs from the end of the lease wait', () => {
    const c = new Cluster({ ...SETTINGS, leaseMs: 6000, failoverTimeoutMs: 3000 });
    c.connectAgents(() => NODES.map((n) => view(n)));
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, masterDownViews(), null);
    for (let t = 0; t < 200 && c.committed(0).epoch === 0; t++) {
      c.tick(100);
      answerObserves(c, masterDownViews);
    }
    expect(c.committed(0).master).toBe(R2);
    expect(c.eventNames()).not.toContain('-failover-abort-timeout');
  });
});

describe('voter core: the master comes back while the leader waits out its lease', () => {
  it('aborts the automatic failover before anything is committed and keeps the master', () => {
    const c = new Cluster({ ...SETTINGS, leaseMs: 3000 });
    c.connectAgents(() => NODES.map((n) => view(n)));
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, masterDownViews(), null);
    for (let t = 0; t < 30 && !c.eventNames().includes('+elected-leader'); t++) c.tick(100);
    expect(c.eventNames()).toContain('+elected-leader');
    // The master answers again before the lease wait ends.
    const healthy = () => NODES.map((n) => view(n));
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, healthy(), null);
    for (let t = 0; t < 80; t++) {
      c.tick(100);
      answerObserves(c, healthy);
    }
    expect(c.eventNames()).toContain('-failover-abort-not-needed');
    for (let i = 0; i < 3; i++) expect(c.committed(i).master).toBe(M);
    expect(c.voters[0]?.durable.published.master).toBe(M);
  });
});
