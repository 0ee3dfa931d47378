// `edge-sentinel history`: failovers and switchovers rebuilt from the voters' logs (real logs of a
// SIGKILL failover then a switchover, recorded from a local stack, plus the cases they lack).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { historyOf } from '../../../infra/cli/history.js';

interface RecordedEvent {
  voter: number;
  id: number;
  at: string;
  epoch: number;
  name: string;
  payload: string;
  reason: string;
}
const recorded = JSON.parse(
  readFileSync('test/fixtures/cli/failover-then-switchover-events.json', 'utf8'),
) as RecordedEvent[];
const events = recorded.map(({ voter: _voter, ...event }) => event) as Parameters<typeof historyOf>[0];

function event(epoch: number, at: string, name: string, payload: string, reason = '') {
  return { id: 1, at, epoch, name, payload, reason } as Parameters<typeof historyOf>[0][number];
}

describe('historyOf', () => {
  it('finds the failover and the switchover in three voters logs, each once', () => {
    expect(historyOf(events)).toEqual([
      {
        epoch: 1,
        cause: 'failover',
        from: '127.0.0.1:7861',
        to: '127.0.0.1:7862',
        startedAt: '2026-12-06T00:10:49.558Z',
        detectedAt: '2026-12-06T00:10:49.516Z',
        endedAt: '2026-12-06T00:10:49.608Z',
        durationMs: 50,
        outcome: 'done',
        abort: null,
      },
      {
        epoch: 2,
        cause: 'switchover',
        from: '127.0.0.1:7862',
        to: '127.0.0.1:7861',
        startedAt: '2026-12-06T00:10:58.807Z',
        detectedAt: null,
        endedAt: '2026-12-06T00:10:58.977Z',
        durationMs: 170,
        outcome: 'done',
        abort: null,
      },
    ]);
  });

  it('does not depend on the order the voters answered in', () => {
    const shuffled = [...events].reverse();
    expect(historyOf(shuffled)).toEqual(historyOf(events));
  });

  it("takes the cause from +config's fourth word (an operator's failover is manual)", () => {
    const [change] = historyOf([
      event(
        4,
        '2026-12-06T01:00:00.000Z',
        '+vote-for-leader',
        '0 4',
        'voted for voter 0 in epoch 4 (manual from 10.0.0.1:6379)',
      ),
      event(4, '2026-12-06T01:00:00.100Z', '+config', '10.0.0.2:6379 promoting 4 manual'),
      event(4, '2026-12-06T01:00:01.000Z', '+switch-master', 'g 10.0.0.1 6379 10.0.0.2 6379'),
    ]);
    expect(change).toMatchObject({
      epoch: 4,
      cause: 'manual',
      from: '10.0.0.1:6379',
      to: '10.0.0.2:6379',
      durationMs: 1000,
      outcome: 'done',
    });
    // An operator's failover was not started by an +odown, so none is reported as its detection.
    expect(change?.detectedAt).toBeNull();
  });

  it('reports an election that was abandoned, with the abort and its reason', () => {
    const [change] = historyOf([
      event(
        5,
        '2026-12-06T02:00:00.000Z',
        '+try-failover',
        'master g 10.0.0.1 6379',
        'voter 1 runs for epoch 5 (failover from 10.0.0.1:6379)',
      ),
      event(
        5,
        '2026-12-06T02:00:00.050Z',
        '-failover-abort-no-good-slave',
        'master g 10.0.0.1 6379',
        'no replica can be promoted (all SDOWN)',
      ),
    ]);
    expect(change).toMatchObject({
      epoch: 5,
      cause: 'failover',
      from: '10.0.0.1:6379',
      to: null,
      outcome: 'aborted',
      abort: { name: '-failover-abort-no-good-slave', reason: 'no replica can be promoted (all SDOWN)' },
    });
  });

  it('reports a committed change whose master is not published yet as in progress', () => {
    const [change] = historyOf([
      event(6, '2026-12-06T03:00:00.000Z', '+config', '10.0.0.3:6379 handoff 6 switchover'),
    ]);
    expect(change).toMatchObject({
      epoch: 6,
      cause: 'switchover',
      to: '10.0.0.3:6379',
      endedAt: null,
      outcome: 'in progress',
    });
  });

  it('ignores what is not an election (agents connecting, epoch 0)', () => {
    expect(historyOf(events.filter((e) => e.epoch === 0))).toEqual([]);
  });
});
