// Aborted elections back off exponentially (up to the failover timeout) and a commit resets it.
import { describe, expect, it } from 'vitest';
import { abortBackoffMs } from '../../../workers/core/abort.js';
import { AGENTS, Cluster, NODES, SETTINGS, view } from './harness.js';

const [M, R1, R2] = NODES as [string, string, string];

/** The master down, and its replicas promotable or not. */
function masterDown(promotable: boolean) {
  return [
    view(M, { sdown: true }),
    view(R1, { priority: promotable ? 100 : 0 }),
    view(R2, { priority: promotable ? 100 : 0 }),
  ];
}

/** Advance time in 100 ms ticks; every agent answers with `views`; returns when aborts happened. */
function run(c: Cluster, ms: number, views: () => ReturnType<typeof masterDown>): number[] {
  const abortsAt: number[] = [];
  for (let t = 0; t < ms / 100; t++) {
    const before = c.events.length;
    c.tick(100);
    for (const d of c.toAgents.splice(0)) {
      if (d.message.kind !== 'observe') continue;
      c.observe(d.message.voter, d.to, views(), d.message.requestId, c.committed(d.message.voter).epoch);
    }
    for (const e of c.events.slice(before))
      if (e.name === '-failover-abort-no-good-slave') abortsAt.push(c.nowMs);
  }
  return abortsAt;
}

describe('abort back-off', () => {
  it('doubles electionBackoffMs per abort in a row, capped by the failover timeout', () => {
    expect([0, 1, 2, 3, 10].map((n) => abortBackoffMs(SETTINGS, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(abortBackoffMs({ ...SETTINGS, electionBackoffMs: 9000 }, 0)).toBe(9000);
  });

  it('a group with no promotable replica is re-elected less and less often, then fails over once one is', () => {
    const c = new Cluster();
    let promotable = false;
    const views = () => masterDown(promotable);
    c.connectAgents(views);
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, views(), null);
    const aborts = run(c, 60_000, views);
    // Without the back-off, one attempt per ~1-2 s: 30 or more in a minute.
    expect(aborts.length).toBeGreaterThanOrEqual(3);
    expect(aborts.length).toBeLessThan(20);
    const gaps = aborts.slice(1).map((t, i) => t - (aborts[i] ?? 0));
    expect(Math.max(...gaps.slice(-3))).toBeGreaterThanOrEqual(SETTINGS.failoverTimeoutMs / 2);
    expect(c.committed(0).master).toBe(M);
    expect(Math.max(...c.voters.map((v) => v.abortStreak))).toBeGreaterThan(1);

    // A replica becomes promotable: the failover still happens within a capped back-off or two.
    promotable = true;
    run(c, 4 * SETTINGS.failoverTimeoutMs, views);
    expect([R1, R2]).toContain(c.committed(0).master);
    // Every voter learned the commit, which clears its streak.
    for (const v of c.voters) expect(v.abortStreak).toBe(0);
  });
});
