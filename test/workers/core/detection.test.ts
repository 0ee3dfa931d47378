import { describe, expect, it } from 'vitest';
import { createVoterState, odownOf, type VoterState } from '../../../workers/core/index.js';
import { SETTINGS, view } from './harness.js';

const M = '10.0.0.1:6379';

function voterSeeing(
  reports: { sdown: boolean; rebooted?: boolean; connected?: boolean }[],
  graceMs = 0,
): VoterState {
  const state = createVoterState({ ...SETTINGS, restartGraceMs: graceMs }, 0, null, 0);
  const agents = Object.fromEntries(
    reports.map((r, i) => [
      `a${i}`,
      {
        agentId: `a${i}`,
        connected: r.connected ?? true,
        localNodes: [],
        views: { [M]: view(M, { sdown: r.sdown, rebooted: r.rebooted ?? false }) },
        seq: 1,
        highestEpoch: 0,
        lastSeenMs: 0,
        leaseSeenMs: 0,
      },
    ]),
  );
  return { ...state, agents };
}

describe('ODOWN: a quorum (2) of distinct live agents', () => {
  it.each([
    { name: 'none down', reports: [{ sdown: false }, { sdown: false }, { sdown: false }], odown: false },
    { name: 'one down', reports: [{ sdown: true }, { sdown: false }, { sdown: false }], odown: false },
    { name: 'two down', reports: [{ sdown: true }, { sdown: true }, { sdown: false }], odown: true },
    { name: 'all down', reports: [{ sdown: true }, { sdown: true }, { sdown: true }], odown: true },
    {
      name: 'a disconnected agent does not count',
      reports: [{ sdown: true }, { sdown: true, connected: false }, { sdown: false }],
      odown: false,
    },
    {
      name: 'a reboot with data loss counts as down',
      reports: [{ sdown: false, rebooted: true }, { sdown: true }, { sdown: false }],
      odown: true,
    },
  ])('$name -> odown $odown', ({ reports, odown }) => {
    const verdict = odownOf(voterSeeing(reports), M, 10_000);
    expect(verdict.odown).toBe(odown);
    expect(verdict.reason).toContain(M);
  });

  it('believes nothing is down during the restart grace, then judges', () => {
    const state = voterSeeing([{ sdown: true }, { sdown: true }], 5_000);
    expect(odownOf(state, M, 4_999).odown).toBe(false);
    expect(odownOf(state, M, 4_999).reason).toContain('restart grace');
    expect(odownOf(state, M, 5_000).odown).toBe(true);
  });
});
