// Table-driven tests of SDOWN detection: valid replies, failures, stalls and the role grace.
import { describe, expect, it } from 'vitest';
import {
  clearMasterReboot,
  createDetector,
  downForMs,
  type NodeDetector,
  observeRole,
  onMasterReboot,
  onProbeResult,
  onProbeSent,
  onStall,
  sdownVerdict,
} from '../../../agent/core/sdown.js';
import type { ProbeOutcome } from '../../../agent/core/types.js';
import type { NodeRole } from '../../../workers/protocol/index.js';

type Op =
  | { readonly at: number; readonly op: 'send' }
  | { readonly at: number; readonly op: 'result'; readonly sentAt: number; readonly outcome: ProbeOutcome }
  | { readonly at: number; readonly op: 'stall' }
  | { readonly at: number; readonly op: 'reboot' };

const DOWN_AFTER = 1000;

function replay(ops: readonly Op[]): NodeDetector {
  let det = createDetector(0);
  for (const op of ops) {
    switch (op.op) {
      case 'send':
        det = onProbeSent(det, op.at);
        break;
      case 'result':
        det = onProbeResult(det, op.sentAt, op.outcome, op.at).detector;
        break;
      case 'stall':
        det = onStall(det, op.at);
        break;
      case 'reboot':
        det = onMasterReboot(det, op.at);
        break;
    }
  }
  return det;
}

const send = (at: number): Op => ({ at, op: 'send' });
const result = (at: number, sentAt: number, outcome: ProbeOutcome): Op => ({
  at,
  op: 'result',
  sentAt,
  outcome,
});

describe('sdown: replies and failures', () => {
  const rows: { name: string; ops: Op[]; at: number; sdown: boolean }[] = [
    { name: 'a fresh detector is not down before downAfterMs', ops: [], at: 999, sdown: false },
    { name: 'silence alone is not SDOWN: some probe must fail', ops: [], at: 5000, sdown: false },
    {
      name: 'a failed probe after the last valid reply, past downAfterMs, is SDOWN',
      ops: [send(100), result(600, 100, 'timeout')],
      at: 1000,
      sdown: true,
    },
    {
      name: 'error counts like a timeout',
      ops: [send(100), result(150, 100, 'error')],
      at: 1000,
      sdown: true,
    },
    {
      name: 'the failure does not shorten downAfterMs',
      ops: [send(100), result(600, 100, 'timeout')],
      at: 999,
      sdown: false,
    },
    ...(['pong', 'loading', 'masterdown'] as const).map((outcome) => ({
      name: `${outcome} is a valid reply and clears SDOWN at once`,
      ops: [send(100), result(600, 100, 'timeout'), send(1100), result(1101, 1100, outcome)],
      at: 1200,
      sdown: false,
    })),
    {
      name: 'a failure of a probe sent before the last valid reply does not count',
      ops: [send(100), result(150, 100, 'pong'), result(1500, 100, 'timeout')],
      at: 1500,
      sdown: false,
    },
    {
      name: 'a stale failure older than the outstanding probe is ignored',
      ops: [send(100), result(150, 100, 'pong'), send(1200), result(1300, 1100, 'timeout')],
      at: 2000,
      sdown: false,
    },
  ];
  it.each(rows)('$name', ({ ops, at, sdown }) => {
    const verdict = sdownVerdict(replay(ops), at, {
      downAfterMs: DOWN_AFTER,
      expectMaster: false,
      role: 'master',
      roleGraceMs: 3000,
    });
    expect(verdict.sdown).toBe(sdown);
    expect(verdict.reason.length).toBeGreaterThan(0);
  });
});

describe('sdown: event-loop stalls', () => {
  const rows: { name: string; ops: Op[]; at: number; sdown: boolean }[] = [
    {
      name: 'a stall with only pre-stall failures never becomes SDOWN',
      ops: [send(100), result(600, 100, 'timeout'), { at: 5000, op: 'stall' }],
      at: 5000,
      sdown: false,
    },
    {
      name: 'a probe sent before the stall that fails after it does not count',
      ops: [send(100), { at: 5000, op: 'stall' }, result(5001, 100, 'timeout')],
      at: 5001,
      sdown: false,
    },
    {
      name: 'a stall then a fresh failed probe is SDOWN',
      ops: [{ at: 5000, op: 'stall' }, send(5000), result(5500, 5000, 'timeout')],
      at: 5500,
      sdown: true,
    },
    {
      name: 'a stall then a fresh valid reply is not SDOWN',
      ops: [{ at: 5000, op: 'stall' }, send(5000), result(5001, 5000, 'pong')],
      at: 5500,
      sdown: false,
    },
  ];
  it.each(rows)('$name', ({ ops, at, sdown }) => {
    expect(
      sdownVerdict(replay(ops), at, {
        downAfterMs: DOWN_AFTER,
        expectMaster: false,
        role: 'master',
        roleGraceMs: 3000,
      }).sdown,
    ).toBe(sdown);
  });

  it('a stall forgets the outstanding probe so a fresh one can go out', () => {
    const det = onStall(onProbeSent(createDetector(0), 100), 5000);
    expect(det.outstandingSentAtMs).toBeNull();
    expect(det.freshSinceMs).toBe(5000);
  });
});

describe('sdown: the configured master reporting role replica', () => {
  const rows: {
    name: string;
    expectMaster: boolean;
    role: NodeRole;
    since: number;
    at: number;
    sdown: boolean;
  }[] = [
    {
      name: 'within the grace period it is not down',
      expectMaster: true,
      role: 'replica',
      since: 100,
      at: 3099,
      sdown: false,
    },
    {
      name: 'after the grace period it is down',
      expectMaster: true,
      role: 'replica',
      since: 100,
      at: 3100,
      sdown: true,
    },
    {
      name: 'not the active master (e.g. promoting): a replica role is expected',
      expectMaster: false,
      role: 'replica',
      since: 100,
      at: 9000,
      sdown: false,
    },
    {
      name: 'reporting master again clears it',
      expectMaster: true,
      role: 'master',
      since: 100,
      at: 9000,
      sdown: false,
    },
  ];
  it.each(rows)('$name', ({ expectMaster, role, since, at, sdown }) => {
    let det = createDetector(0);
    // Keep replies valid so only the role rule can make the node down.
    det = observeRole(det, since, { expectMaster, role: 'replica' });
    det = observeRole(det, at, { expectMaster, role });
    det = onProbeResult(onProbeSent(det, at - 10), at - 10, 'pong', at - 5).detector;
    const verdict = sdownVerdict(det, at, { downAfterMs: DOWN_AFTER, expectMaster, role, roleGraceMs: 3000 });
    expect(verdict.sdown).toBe(sdown);
    if (sdown) expect(verdict.reason).toContain('role replica');
  });
});

describe('sdown: master-reboot-down-after-period (Sentinel 12-master-reboot)', () => {
  const PERIOD = 5000;
  const reboot = (at: number): Op => ({ at, op: 'reboot' });
  /** LOADING every probe interval from `from` to `to`: a node up but loading its dataset. */
  const loading = (from: number, to: number): Op[] => {
    const ops: Op[] = [];
    for (let at = from; at <= to; at += 100) ops.push(send(at), result(at + 1, at, 'loading'));
    return ops;
  };
  const rows: {
    name: string;
    ops: Op[];
    at: number;
    expectMaster?: boolean;
    periodMs?: number;
    sdown: boolean;
  }[] = [
    {
      name: 'flagged and LOADING: up at exactly the period',
      ops: [reboot(1000), ...loading(1000, 6000)],
      at: 6000,
      sdown: false,
    },
    {
      name: 'flagged and LOADING: down 1 ms past the period',
      ops: [reboot(1000), ...loading(1000, 6000)],
      at: 6001,
      sdown: true,
    },
    {
      name: 'a PONG clears the flag: up long after the period',
      ops: [
        reboot(1000),
        ...loading(1000, 2900),
        send(3000),
        result(3001, 3000, 'pong'),
        ...loading(3100, 9000),
      ],
      at: 9001,
      sdown: false,
    },
    {
      name: 'MASTERDOWN does not clear it either (only PONG does)',
      ops: [reboot(1000), send(1100), result(1101, 1100, 'masterdown')],
      at: 6001,
      sdown: true,
    },
    {
      name: 'a PONG then a second restart starts the period again',
      ops: [reboot(1000), send(3000), result(3001, 3000, 'pong'), reboot(4000), ...loading(4000, 9000)],
      at: 9000,
      sdown: false,
    },
    {
      name: 'the second restart is down past its own period',
      ops: [reboot(1000), send(3000), result(3001, 3000, 'pong'), reboot(4000), ...loading(4000, 9000)],
      at: 9001,
      sdown: true,
    },
    {
      name: 'period 0: off',
      ops: [reboot(1000), ...loading(1000, 9000)],
      at: 9001,
      periodMs: 0,
      sdown: false,
    },
    {
      name: 'not the active config master (say promoting): off',
      ops: [reboot(1000), ...loading(1000, 9000)],
      at: 9001,
      expectMaster: false,
      sdown: false,
    },
    {
      name: 'after a stall, nothing heard since: up (a PONG may wait unread)',
      ops: [reboot(1000), ...loading(1000, 2000), { at: 8000, op: 'stall' }],
      at: 8000,
      sdown: false,
    },
    {
      name: 'after a stall, a fresh LOADING: down',
      ops: [
        reboot(1000),
        ...loading(1000, 2000),
        { at: 8000, op: 'stall' },
        send(8000),
        result(8001, 8000, 'loading'),
      ],
      at: 8001,
      sdown: true,
    },
    {
      name: 'after a stall, a fresh PONG: up',
      ops: [
        reboot(1000),
        ...loading(1000, 2000),
        { at: 8000, op: 'stall' },
        send(8000),
        result(8001, 8000, 'pong'),
      ],
      at: 8001,
      sdown: false,
    },
  ];
  it.each(rows)('$name', ({ ops, at, expectMaster = true, periodMs = PERIOD, sdown }) => {
    const rule = {
      downAfterMs: DOWN_AFTER,
      expectMaster,
      role: 'master' as const,
      roleGraceMs: 3000,
      masterRebootDownAfterMs: periodMs,
    };
    const verdict = sdownVerdict(replay(ops), at, rule);
    expect(verdict.sdown).toBe(sdown);
    if (sdown) {
      expect(verdict.reason).toMatch(
        /^the configured master restarted \(new run id\) \d+ ms ago and has not answered PONG since, over master-reboot-down-after-period 5000 ms$/,
      );
    }
  });

  it("says how long ago, and is unusable since the restart was seen (the voters' ranking reads downMs)", () => {
    const det = replay([reboot(1000), ...loading(1000, 6100)]);
    const rule = {
      downAfterMs: DOWN_AFTER,
      expectMaster: true,
      role: 'master' as const,
      roleGraceMs: 3000,
      masterRebootDownAfterMs: PERIOD,
    };
    expect(sdownVerdict(det, 6200, rule).reason).toContain('restarted (new run id) 5200 ms ago');
    // It answered LOADING 99 ms ago, but it has been of no use since its restart was seen.
    expect(downForMs(det, 6200, rule)).toBe(5200);
    expect(downForMs(det, 6200, { ...rule, masterRebootDownAfterMs: 0 })).toBe(99);
  });

  it('the flag is cleared by a PONG, and kept by LOADING, errors and timeouts', () => {
    const flagged = onMasterReboot(createDetector(0), 1000);
    expect(flagged.rebootSinceMs).toBe(1000);
    for (const outcome of ['loading', 'masterdown', 'error', 'timeout'] as const) {
      expect(onProbeResult(onProbeSent(flagged, 1100), 1100, outcome, 1101).detector.rebootSinceMs).toBe(
        1000,
      );
    }
    expect(onProbeResult(onProbeSent(flagged, 1100), 1100, 'pong', 1101).detector.rebootSinceMs).toBeNull();
    expect(clearMasterReboot(flagged).rebootSinceMs).toBeNull();
  });
});
