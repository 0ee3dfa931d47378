import { describe, expect, it } from 'vitest';
import { nextAlarmMs } from '../../../workers/core/alarm.js';
import { createVoterState, stepVoter, type VoterState } from '../../../workers/core/index.js';
import { AGENTS, Cluster, NODES, SETTINGS, view } from './harness.js';

const ctx = (nowMs: number) => ({ nowMs, rng: () => 0.5, autoResponseAtMs: {} });

function alarmAfter(state: VoterState, nowMs: number): number | null | undefined {
  const result = stepVoter(state, { kind: 'alarm' }, ctx(nowMs));
  const set = result.effects.find((e) => e.kind === 'set-alarm');
  return set?.kind === 'set-alarm' ? set.atMs : undefined;
}

describe('the single alarm', () => {
  it('is not set while nothing is pending (no periodic alarms when idle)', () => {
    const idle = { ...createVoterState(SETTINGS, 0, null, 0), alarmAtMs: 5 };
    const result = stepVoter(idle, { kind: 'agent-disconnected', agentId: 'nobody' }, ctx(1000));
    expect(result.effects).toEqual([{ kind: 'set-alarm', atMs: null }]);
  });

  it('waits for the retry time, not every millisecond, while a committed promotion is unfinished under ODOWN', () => {
    const base = createVoterState(SETTINGS, 0, null, 0);
    const promoting = {
      ...base.durable.committed,
      epoch: 1,
      master: '10.0.0.2:6379',
      state: 'promoting' as const,
    };
    const state: VoterState = {
      ...base,
      durable: { ...base.durable, promisedEpoch: 1, accepted: promoting, committed: promoting },
      odownSinceMs: 900,
      unfinishedSinceMs: 1000,
      nextElectionAtMs: 0,
    };
    expect(alarmAfter(state, 1500)).toBe(1000 + SETTINGS.failoverTimeoutMs);
  });
});

describe('the leader preparing a failover', () => {
  it('wakes when its lease wait ends (to ask for fresh observations), not only when their wait ends', () => {
    // A lease wait shorter than the wait for observations (a master whose agent stopped renewing).
    const c = new Cluster({ ...SETTINGS, leaseMs: 200, freshObservationMs: 1000 });
    const [M, R1, R2] = NODES as [string, string, string];
    const down = () => [view(M, { sdown: true }), view(R1), view(R2)];
    c.connectAgents(down);
    for (let i = 0; i < 3; i++) for (const a of AGENTS) c.observe(i, a, down(), null);
    let leader: VoterState | undefined;
    for (let t = 0; t < 50 && leader === undefined; t++) {
      c.tick(10);
      leader = c.voters.find((v) => v.role.kind === 'leader' && v.role.phase === 'preparing');
    }
    if (leader === undefined || leader.role.kind !== 'leader') throw new Error('no leader preparing');
    const { leaseWaitUntilMs, freshUntilMs } = leader.role;
    expect(leaseWaitUntilMs).toBeGreaterThan(c.nowMs);
    expect(nextAlarmMs(leader, c.nowMs)).toBe(leaseWaitUntilMs);
    // Once the lease wait is over, the next deadline is the end of the wait for observations.
    const after = { ...leader, role: { ...leader.role, leaseWaitUntilMs: c.nowMs - 1 } };
    expect(nextAlarmMs(after, c.nowMs)).toBe(Math.min(freshUntilMs, leader.role.deadlineMs));
  });
});
