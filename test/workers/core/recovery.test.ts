// Recovery paths of the voter core: forgetting agents (TTL and operator reset), retrying a
// promotion that never finished, and a new leader adopting a half-done change.
import { describe, expect, it } from 'vitest';
import type { Config, NodeView } from '../../../workers/protocol/index.js';
import { AGENTS, Cluster, NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];
const [A1, A2, A3] = AGENTS as [string, string, string];

const healthy = () => NODES.map((n) => view(n));
const masterDown = () => [view(M, { sdown: true, role: 'unknown' }), view(R1), view(R2)];

/** Answer every pending observe request with `views`, reporting the asking voter's epoch. */
function answerObserves(c: Cluster, views: () => NodeView[]): void {
  for (const d of c.toAgents.splice(0)) {
    if (d.message.kind !== 'observe') continue;
    c.observe(d.message.voter, d.to, views(), d.message.requestId, c.committed(d.message.voter).epoch);
  }
}

describe('forgetting agents: the TTL and an operator reset', () => {
  const DISCONNECT_AT_MS = 1000;

  /**
   * Only voter 0 is under test (its peers are out of reach). a3 reported the master down and went
   * away; a2 reports it down now. One live report is short of quorum 2, but a3's report stays in
   * its record for as long as the voter remembers a3.
   */
  function voterWithStaleReport(): Cluster {
    const c = new Cluster();
    c.connectAgents(healthy);
    c.cut.add(1);
    c.cut.add(2);
    c.nowMs = DISCONNECT_AT_MS;
    c.observe(0, A3, masterDown(), null);
    c.step(0, { kind: 'agent-disconnected', agentId: A3 });
    c.observe(0, A2, masterDown(), null);
    expect(c.voters[0]?.odownSinceMs).toBeNull();
    return c;
  }

  it.each([
    {
      name: 'back just within agentTtlMs is remembered: its stale down report makes ODOWN at once',
      forget: (c: Cluster) => {
        c.nowMs = DISCONNECT_AT_MS + SETTINGS.agentTtlMs - 1;
        c.step(0, { kind: 'alarm' });
      },
      forgotten: false,
    },
    {
      name: 'away for agentTtlMs is forgotten: its stale down report no longer counts',
      forget: (c: Cluster) => {
        c.nowMs = DISCONNECT_AT_MS + SETTINGS.agentTtlMs;
        c.step(0, { kind: 'alarm' });
      },
      forgotten: true,
    },
    {
      name: 'away during an operator reset is forgotten at once',
      forget: (c: Cluster) => c.step(0, { kind: 'admin', action: { kind: 'reset' } }),
      forgotten: true,
    },
  ])('an agent $name', ({ forget, forgotten }) => {
    const c = voterWithStaleReport();
    forget(c);
    expect(Object.keys(c.voters[0]?.agents ?? {}).sort()).toEqual(forgotten ? [A1, A2] : [A1, A2, A3]);

    // Reconnecting (no observation yet) brings back only what the voter still remembers.
    c.step(0, { kind: 'agent-connected', agentId: A3 });
    expect(c.eventNames().includes('+odown')).toBe(!forgotten);

    // Its fresh report counts like any other.
    c.observe(0, A3, masterDown(), null);
    expect(c.eventNames()).toContain('+odown');
  });

  it('a disconnect sets the alarm for the end of the TTL, so the agent is forgotten with nothing else to do', () => {
    const c = voterWithStaleReport();
    expect(c.voters[0]?.alarmAtMs).toBe(DISCONNECT_AT_MS + SETTINGS.agentTtlMs);
  });

  it('reset asks only the connected agents for fresh views and emits +reset-master', () => {
    const c = voterWithStaleReport();
    c.toAgents.splice(0);
    c.step(0, { kind: 'admin', action: { kind: 'reset' } });

    const observe = { v: 1, kind: 'observe', group: 'mymaster', voter: 0, epoch: 0, requestId: 'reset.0' };
    expect(c.toAgents).toEqual([
      { to: A1, message: observe },
      { to: A2, message: observe },
    ]);
    expect(c.events.at(-1)).toMatchObject({
      name: '+reset-master',
      payload: 'master mymaster 10.0.0.1 6379',
      epoch: 0,
    });
    // The connected agents' records, and what they reported, are kept.
    expect(c.voters[0]?.agents[A2]?.views[M]?.sdown).toBe(true);

    // A second reset uses a new request id, so answers to the first cannot be mistaken for it.
    c.toAgents.splice(0);
    c.step(0, { kind: 'admin', action: { kind: 'reset' } });
    expect(c.toAgents.map((d) => d.message.kind === 'observe' && d.message.requestId)).toEqual([
      'reset.1',
      'reset.1',
    ]);
  });
});

describe('a promotion that never finishes is retried at a new epoch', () => {
  /**
   * The master dies; agents answer with `views`, in which no replica ever reports role master.
   * The reports reach every voter within the restart grace, so all judge ODOWN together and the
   * first candidacy wins epoch 1 (no lost candidacy shifts the epoch numbers).
   */
  function failoverThatSticks(views: () => NodeView[]) {
    const c = new Cluster({ ...SETTINGS, restartGraceMs: 100 });
    c.connectAgents(views);
    let committedAtMs: number | null = null;
    let retryAtMs: number | null = null;
    const step = () => {
      const seen = c.events.length;
      c.tick(100);
      answerObserves(c, views);
      if (committedAtMs === null && c.voters.some((v) => v.durable.committed.epoch === 1))
        committedAtMs = c.nowMs;
      if (c.events.slice(seen).some((e) => e.name === '+new-epoch' && e.epoch === 2)) retryAtMs = c.nowMs;
    };
    return { c, step, committedAtMs: () => committedAtMs, retryAtMs: () => retryAtMs };
  }

  it.each([
    { name: 'another replica is eligible: it is chosen', r1Priority: 100, retried: R1 },
    {
      name: 'the stuck candidate is the only eligible replica: ranked last, not excluded',
      r1Priority: 0,
      retried: R2,
    },
  ])('$name', ({ r1Priority, retried }) => {
    // R2 has the higher offset, so it wins the first failover (and would win again on merit).
    const views = () => [
      view(M, { sdown: true, role: 'unknown' }),
      view(R1, { offsetBytes: 900, priority: r1Priority }),
      view(R2, { offsetBytes: 1000 }),
    ];
    const run = failoverThatSticks(views);
    const { c } = run;
    for (let t = 0; t < 100 && run.committedAtMs() === null; t++) run.step();
    expect(c.committed(0)).toMatchObject({ epoch: 1, master: R2, state: 'promoting' });
    for (let t = 0; t < 100 && !c.voters.every((v) => v.durable.committed.epoch === 2); t++) run.step();

    // Epoch 2 opens exactly when the change has been unfinished for failoverTimeoutMs.
    expect(run.retryAtMs()).toBe((run.committedAtMs() ?? 0) + SETTINGS.failoverTimeoutMs);
    expect(c.events.find((e) => e.name === '+try-failover' && e.epoch === 2)?.reason).toContain(
      `(retry from ${R2})`,
    );
    expect(c.events.some((e) => e.name === '-failover-abort-slave-timeout' && e.epoch === 1)).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(c.committed(i)).toMatchObject({
        epoch: 2,
        master: retried,
        state: 'promoting',
        previousMaster: M,
        cause: 'retry',
      });
      // Nothing was confirmed: clients are still told the old master.
      expect(c.voters[i]?.durable.published.master).toBe(M);
    }
  });

  it('is not retried before failoverTimeoutMs', () => {
    const run = failoverThatSticks(masterDown);
    const { c } = run;
    for (let t = 0; t < 100 && run.committedAtMs() === null; t++) run.step();
    expect(c.committed(0).epoch).toBe(1);
    while (c.nowMs < (run.committedAtMs() ?? 0) + SETTINGS.failoverTimeoutMs - 100) run.step();
    for (const v of c.voters) expect(v.durable.promisedEpoch).toBe(1);
    expect(c.eventNames()).not.toContain('-failover-abort-slave-timeout');
    run.step();
    expect(run.retryAtMs()).toBe(c.nowMs);
  });
});

describe('a new leader adopts the highest accepted config among its grants', () => {
  /**
   * Voter 0 (gone for good) led `epoch`: both others voted for it, but its accept of `master`
   * reached only `acceptor` before it died, so nothing was committed.
   */
  function halfDoneEpoch(c: Cluster, epoch: number, master: string, acceptor: number): void {
    for (const voter of [1, 2]) {
      c.step(voter, {
        kind: 'peer-message',
        from: 0,
        message: {
          v: 1,
          kind: 'vote-request',
          group: 'mymaster',
          epoch,
          candidate: 0,
          purpose: 'manual',
          subject: M,
          target: null,
        },
      });
    }
    const config: Config = {
      epoch,
      master,
      state: 'promoting',
      previousMaster: M,
      cause: 'manual',
      leader: 0,
    };
    c.step(acceptor, {
      kind: 'peer-message',
      from: 0,
      message: { v: 1, kind: 'accept', group: 'mymaster', epoch, leader: 0, config },
    });
  }

  // R1 ranks first (higher offset), so a leader that ignored the accepted config would choose it.
  const views = () => NODES.map((n) => view(n, { offsetBytes: n === R1 ? 2000 : 1000 }));
  const operatorFailover = (c: Cluster) =>
    c.step(2, { kind: 'admin', action: { kind: 'failover', target: null } });
  // Long after its vote, voter 2 closes the open epoch itself (voter 1 is not stepped, so it stays a follower).
  const closeOpenEpoch = (c: Cluster) => {
    c.nowMs = 10_000;
    c.step(2, { kind: 'alarm' });
  };

  it.each([
    {
      name: 'accepted by a peer at epoch 1, via an operator failover',
      halfDone: [{ epoch: 1, master: R2, acceptor: 1 }],
      trigger: operatorFailover,
    },
    {
      name: 'accepted by a peer at epoch 1, via closing the open epoch',
      halfDone: [{ epoch: 1, master: R2, acceptor: 1 }],
      trigger: closeOpenEpoch,
    },
    {
      name: "the peer's epoch 2 over the candidate's own epoch 1",
      halfDone: [
        { epoch: 1, master: R1, acceptor: 2 },
        { epoch: 2, master: R2, acceptor: 1 },
      ],
      trigger: operatorFailover,
    },
    {
      name: "the candidate's own epoch 2 over the peer's epoch 1",
      halfDone: [
        { epoch: 1, master: R1, acceptor: 1 },
        { epoch: 2, master: R2, acceptor: 2 },
      ],
      trigger: operatorFailover,
    },
  ])('$name', ({ halfDone, trigger }) => {
    const c = new Cluster();
    c.connectAgents(views);
    c.cut.add(0);
    for (const h of halfDone) halfDoneEpoch(c, h.epoch, h.master, h.acceptor);
    const adoptedEpoch = halfDone.length;
    const newEpoch = adoptedEpoch + 1;
    expect(c.committed(1).epoch).toBe(0);
    expect(c.committed(2).epoch).toBe(0);

    trigger(c);

    expect(c.events.find((e) => e.name === '+elected-leader' && e.epoch === newEpoch)?.reason).toContain(
      `voter 2 leads epoch ${newEpoch} with 2 votes; adopted config epoch ${adoptedEpoch} (master ${R2}, promoting)`,
    );
    // The change is finished at the new epoch, not replaced by a new choice (R1) or lost.
    const expected: Config = {
      epoch: newEpoch,
      master: R2,
      state: 'promoting',
      previousMaster: M,
      cause: 'reaffirm',
      leader: 2,
    };
    expect(c.committed(1)).toEqual(expected);
    expect(c.committed(2)).toEqual(expected);
  });
});
