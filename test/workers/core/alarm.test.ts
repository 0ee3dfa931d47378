import { describe, expect, it } from 'vitest';
import { createVoterState, stepVoter, type VoterState } from '../../../workers/core/index.js';
import { SETTINGS } from './harness.js';

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
