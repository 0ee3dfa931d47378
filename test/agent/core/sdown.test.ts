// Table-driven tests of SDOWN detection: valid replies, failures, stalls and the role grace.
import { describe, expect, it } from 'vitest';
import {
  createDetector,
  type NodeDetector,
  observeRole,
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
  | { readonly at: number; readonly op: 'stall' };

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
