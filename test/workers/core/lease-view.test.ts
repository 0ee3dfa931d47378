import { describe, expect, it } from 'vitest';
import { createVoterState, leaseRemainingMs, type VoterState } from '../../../workers/core/index.js';
import { SETTINGS } from './harness.js';

const M = '10.0.0.1:6379';

function voter(
  leaseSeenMs: number,
  opts: { startedAtMs?: number; fencing?: boolean; promised?: number } = {},
): VoterState {
  const settings = { ...SETTINGS, fencing: opts.fencing ?? true, leaseMs: 1000, clockDriftRatio: 0.01 };
  const state = createVoterState(settings, 0, null, opts.startedAtMs ?? 0);
  const agent = {
    agentId: 'a1',
    connected: true,
    localNodes: [M],
    views: {},
    seq: 0,
    highestEpoch: 0,
    lastSeenMs: 0,
    leaseSeenMs,
  };
  return {
    ...state,
    agents: { a1: agent },
    durable: { ...state.durable, promisedEpoch: opts.promised ?? state.durable.promisedEpoch },
  };
}

describe('lease remaining as a voter sees it (leaseMs 1000, drift 1%)', () => {
  it.each([
    { name: 'just renewed', seen: 10_000, now: 10_000, remaining: 1010 },
    { name: 'half way', seen: 10_000, now: 10_500, remaining: 510 },
    { name: 'expired', seen: 10_000, now: 11_010, remaining: 0 },
    { name: 'long expired', seen: 10_000, now: 99_000, remaining: 0 },
  ])('$name: $remaining ms', ({ seen, now, remaining }) => {
    expect(leaseRemainingMs(voter(seen), M, now)).toBe(remaining);
  });

  it('treats every lease as live for leaseMs*(1+drift) after a restart', () => {
    expect(leaseRemainingMs(voter(0, { startedAtMs: 50_000 }), M, 50_000)).toBe(1010);
    expect(leaseRemainingMs(voter(0, { startedAtMs: 50_000 }), M, 51_010)).toBe(0);
  });

  it('is zero with fencing off (Sentinel behaviour)', () => {
    expect(leaseRemainingMs(voter(10_000, { fencing: false }), M, 10_000)).toBe(0);
  });

  it('counts no agent that does not run the master', () => {
    expect(leaseRemainingMs(voter(10_000), 'other:1', 10_000)).toBe(0);
  });
});
